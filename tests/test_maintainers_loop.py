"""The maintainers' loop end to end: questions Kompis did not understand, in two languages,
become a new intent in a retrained model that the running server then recognises."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa

from bot import maintain, questions
from bot.content import catalogue
from bot.storage import models
from bot.storage.db import session_scope
from tests.chat import WebChatClient

pytestmark = [pytest.mark.slow, pytest.mark.model]
ROOT = Path(__file__).resolve().parent.parent

QUESTIONS = {
    "sv": ["hur tar jag körkort i sverige", "vad kostar det att ta körkort", "var gör man teoriprovet för körkort",
           "kan jag få körkort utan personnummer", "ring mig 070-123 45 67 om körkortet, hur gör jag",
           "körkort för ensamkommande, går det", "hur lång tid tar det att få körkort",
           "måste man gå på körskola för att få körkort", "hur svårt är teoriprovet för körkort",
           "vilket körkort behövs för moped", "när får man övningsköra bil",
           "funkar mitt afghanska körkort här", "hur bokar jag uppkörning"],
    "fa": ["چطور در سویدن لایسنس رانندگی بگیرم", "امتحان تیوری لایسنس رانندگی کجاست",
           "لایسنس رانندگی چند پول خرچ دارد", "برای لایسنس رانندگی چی لازم است",
           "بدون پرسونامر لایسنس رانندگی گرفته میتانم", "شماره من ۰۷۰۹۸۷۶۵۴۳ است، لایسنس رانندگی میخواهم",
           "امتحان تیوری لایسنس رانندگی سخت است", "برای لایسنس رانندگی کورس رفتن لازم است",
           "لایسنس رانندگی افغانستان در سویدن قبول است", "چقدر وقت میگیره تا لایسنس رانندگی بگیرم",
           "از چند سالگی میشه لایسنس رانندگی گرفت", "امتحان عملی لایسنس رانندگی چطور است",
           "لایسنس رانندگی موتر سیکلت هم میشه گرفت"],
}  # fmt: skip
# Paraphrases none of the questions contains. A new intent learned from about ten
# examples per language competes with ~700 per intent elsewhere: with the earlier DIET
# classifier "körkort, hur börjar man?" went to rights_guardian; see README, maintainers.
PARAPHRASE = {"sv": "jag vill ta körkort", "fa": "لایسنس رانندگی چطور بگیرم"}


async def test_from_fallback_questions_to_a_new_intent_in_the_running_model(stack, tmp_path: Path) -> None:
    # 1. Real conversations: questions Kompis does not know are logged, scrubbed. Thirteen
    #    per language; a few get a wrong answer instead of a fallback and are not logged
    #    (10 of 13 in sv and 11 in fa here), about what a maintainer labels from one
    #    cluster. With ~700 examples per intent, a new intent learned from five was not
    #    recognised reliably, and the loop refuses one with fewer than 8 (bot/datacheck.py).
    sessions = {}
    for code, texts in QUESTIONS.items():
        chat = await WebChatClient(stack.rasa_url, origin=stack.web_url).connect()
        await chat.say(f'/choose_language{{"language":"{code}"}}', at_least=3)
        for text in texts:
            await chat.say(text, at_least=1)
        sessions[code] = chat.session_id
        await chat.close()
    with session_scope() as s:
        logged = {
            code: s.execute(
                sa.select(models.QuestionLog.text).where(models.QuestionLog.conversation_id == sid)
            ).scalars().all()
            for code, sid in sessions.items()
        }  # fmt: skip
    for code, texts in logged.items():
        assert len(texts) >= 8, f"too few {code} questions logged: {texts}"
        assert not any("070" in t or "۰۷۰" in t or "0709" in t for t in texts), "phone numbers are scrubbed"

    # 2. Clusters, a new intent, labels.
    groups = [g for g in questions.clusters() if any(q["text"] in logged[g.language] for q in g.questions)]
    assert {g.language for g in groups} == {"sv", "fa"}
    questions.create_intent("driving_licence", "getting a driving licence in Sweden", "maintainer")
    ids = [q["id"] for g in groups for q in g.questions if q["text"] in logged[g.language]]
    assert questions.label(ids, "driving_licence", "maintainer") == len(ids)

    # 3. Export, validate, retrain, evaluate every language before/after, promote.
    root = tmp_path / "project"
    root.mkdir()
    for name in ("data", "tests/nlu_holdout"):
        shutil.copytree(ROOT / name, root / name)
    for name in ("domain.yml", "config.yml"):
        shutil.copy2(ROOT / name, root / name)
    release = await asyncio.to_thread(
        maintain.loop, root=root, tolerance=0.05, by="test", rasa_url=stack.rasa_url,
        token=stack.token, models_dir=tmp_path / "models",
    )  # fmt: skip
    assert release.exported == len(ids) and release.new_intents == ["driving_licence"]
    assert set(release.before) == set(release.after) == set(catalogue().codes)
    assert release.promoted, release.reason
    assert "driving_licence" in (root / "domain.yml").read_text(encoding="utf-8")

    # 4. The running server now recognises a held-out paraphrase, in both languages.
    for code, text in PARAPHRASE.items():
        chat = await WebChatClient(stack.rasa_url, origin=stack.web_url).connect()
        await chat.say(f'/choose_language{{"language":"{code}"}}', at_least=3)
        answer = await chat.say(text, at_least=1)
        await chat.close()
        assert answer[0]["text"] == catalogue().text("learned.unreviewed", code), (answer, release.as_dict())

    # 5. And the way back.
    previous = await asyncio.to_thread(
        maintain.rollback, root=root, rasa_url=stack.rasa_url, token=stack.token
    )
    assert previous == release.previous_model
    assert "driving_licence" not in (root / "domain.yml").read_text(encoding="utf-8")
