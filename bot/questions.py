"""The question log: what Kompis did not understand, kept scrubbed for maintainers.

Logged: messages that fell back, had low confidence, were out of scope, or got a 👎.
Kept: the scrubbed text, language, predicted intent and confidence, the day (not the
time) and the conversation's pseudonym (so /forget can remove them). Entries expire after
QUESTION_LOG_RETENTION_DAYS. Maintainers review them in clusters of similar questions
(character n-grams work across scripts) and label them into intents.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any, Dict, List, Optional

import sqlalchemy as sa

from bot.scrub import scrub
from bot.settings import get_settings
from bot.storage import models
from bot.storage.db import session_scope

REASONS = ("fallback", "low_confidence", "out_of_scope", "unhelpful")
LOW_CONFIDENCE = 0.6
INTENT_NAME = re.compile(r"^[a-z][a-z0-9_]{2,60}$")


def log(conversation_id: str, language: str, text: str, reason: str,
        predicted_intent: Optional[str], confidence: Optional[float]) -> Optional[int]:  # fmt: skip
    """Store one scrubbed question; returns its id (None for button payloads and empty text)."""
    if reason not in REASONS:
        raise ValueError(reason)
    text = (text or "").strip()
    if not text or text.startswith("/"):
        return None
    with session_scope() as s:
        row = models.QuestionLog(
            conversation_id=conversation_id, language=language or "sv", text=scrub(text)[:2000],
            reason=reason, predicted_intent=predicted_intent, confidence=confidence,
            created_on=dt.date.today(), status="new",
        )  # fmt: skip
        s.add(row)
        s.flush()
        return int(row.id)


def record_topic(language: str, topic: str) -> None:
    """Count one answered topic (for the dashboard); no conversation is linked."""
    today = dt.date.today()
    with session_scope() as s:
        row = s.execute(
            sa.select(models.TopicStat).where(
                models.TopicStat.day == today,
                models.TopicStat.language == language,
                models.TopicStat.topic == topic,
            )
        ).scalar_one_or_none()
        if row is None:
            s.add(models.TopicStat(day=today, language=language, topic=topic, count=1))
        else:
            row.count += 1


@dataclass
class Cluster:
    language: str
    questions: List[Dict[str, Any]]

    @property
    def size(self) -> int:
        return len(self.questions)


def unlabelled(language: Optional[str] = None) -> List[Dict[str, Any]]:
    with session_scope() as s:
        q = sa.select(models.QuestionLog).where(models.QuestionLog.status == "new")
        if language:
            q = q.where(models.QuestionLog.language == language)
        rows = s.execute(q.order_by(models.QuestionLog.id)).scalars()
        return [
            {"id": r.id, "language": r.language, "text": r.text, "reason": r.reason,
             "predicted_intent": r.predicted_intent, "confidence": r.confidence, "day": r.created_on.isoformat()}
            for r in rows
        ]  # fmt: skip


def cluster(questions: List[Dict[str, Any]], threshold: float = 0.55) -> List[List[Dict[str, Any]]]:
    """Groups of similar questions (character 2-4-gram TF-IDF, cosine), largest first."""
    if not questions:
        return []
    if len(questions) == 1:
        return [questions]
    from sklearn.cluster import AgglomerativeClustering
    from sklearn.feature_extraction.text import TfidfVectorizer

    from bot.nlu.normalize import normalise

    texts = [normalise(q["text"]) for q in questions]
    vectors = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), sublinear_tf=True).fit_transform(texts)
    labels = AgglomerativeClustering(
        n_clusters=None, distance_threshold=threshold, affinity="cosine", linkage="average"
    ).fit_predict(vectors.toarray())
    groups: Dict[int, List[Dict[str, Any]]] = {}
    for q, label in zip(questions, labels):
        groups.setdefault(int(label), []).append(q)
    return sorted(groups.values(), key=lambda g: (-len(g), g[0]["id"]))


def clusters(language: Optional[str] = None) -> List[Cluster]:
    """Unlabelled questions per language, in clusters, most frequent first."""
    by_language: Dict[str, List[Dict[str, Any]]] = {}
    for q in unlabelled(language):
        by_language.setdefault(q["language"], []).append(q)
    out = [Cluster(lang, group) for lang, qs in by_language.items() for group in cluster(qs)]
    return sorted(out, key=lambda c: -c.size)


def create_intent(name: str, description: str, created_by: str) -> None:
    """A new intent from real questions (its answer is a placeholder marked unreviewed)."""
    if not INTENT_NAME.match(name):
        raise ValueError("intent names: lowercase letters, digits and _, 3-61 characters")
    if name in known_intents():
        raise ValueError(f"intent {name} exists already")
    with session_scope() as s:
        s.add(models.LearnedIntent(name=name, description=description[:300], created_by=created_by))


def known_intents() -> List[str]:
    import yaml

    from bot.settings import ROOT

    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    with session_scope() as s:
        learned = [r for (r,) in s.execute(sa.select(models.LearnedIntent.name))]
    return sorted(set(domain["intents"]) | set(learned))


def label(question_ids: List[int], intent: str, by: str) -> int:
    """Label questions with an intent (existing or created with create_intent)."""
    if intent not in known_intents():
        raise ValueError(f"unknown intent {intent}")
    with session_scope() as s:
        result = s.execute(
            sa.update(models.QuestionLog)
            .where(models.QuestionLog.id.in_(question_ids), models.QuestionLog.status == "new")
            .values(status="labelled", label=intent, labelled_by=by)
        )
        return int(result.rowcount or 0)


def dismiss(question_ids: List[int], by: str) -> int:
    with session_scope() as s:
        result = s.execute(
            sa.update(models.QuestionLog)
            .where(models.QuestionLog.id.in_(question_ids), models.QuestionLog.status == "new")
            .values(status="dismissed", labelled_by=by)
        )
        return int(result.rowcount or 0)


def purge_expired(today: Optional[dt.date] = None) -> int:
    """Delete entries older than the retention period."""
    cutoff = (today or dt.date.today()) - dt.timedelta(days=get_settings().question_log_retention_days)
    with session_scope() as s:
        result = s.execute(sa.delete(models.QuestionLog).where(models.QuestionLog.created_on < cutoff))
        return int(result.rowcount or 0)


def forget(session: Any, conversation_id: str) -> None:
    """Remove a conversation's questions (called by storage.forget)."""
    session.execute(
        sa.delete(models.QuestionLog).where(models.QuestionLog.conversation_id == conversation_id)
    )
