"""The question log, clusters, labels, export into training data, retention and forgetting."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa
import yaml

from bot import maintain, questions
from bot.storage import models
from bot.storage.db import session_scope
from bot.storage.forget import forget_conversation

ROOT = Path(__file__).resolve().parent.parent


def test_logging_scrubs_and_keeps_only_the_day() -> None:
    qid = questions.log(
        "conv-1", "sv", "ring mig 070-123 45 67, hur får jag körkort?", "fallback", "out_of_scope", 0.2
    )
    with session_scope() as s:
        row = s.get(models.QuestionLog, qid)
        assert "070" not in row.text and "[phone]" in row.text
        assert row.created_on == dt.date.today()
    assert questions.log("conv-1", "sv", '/choose_language{"language":"fa"}', "fallback", None, None) is None


def test_similar_questions_cluster_together_across_scripts() -> None:
    texts = [("sv", "hur får jag körkort"), ("sv", "hur får man körkort i sverige"), ("sv", "körkort hur"),
             ("sv", "vad kostar en pizza"), ("fa", "چطور لایسنس رانندگی بگیرم"), ("fa", "لایسنس رانندگی چطور")]  # fmt: skip
    for lang, text in texts:
        questions.log("c", lang, text, "fallback", None, None)
    groups = questions.clusters()
    sv_biggest = next(g for g in groups if g.language == "sv")
    assert sv_biggest.size == 3 and all("körkort" in q["text"] for q in sv_biggest.questions)
    fa = [g for g in groups if g.language == "fa"]
    assert len(fa) == 1 and fa[0].size == 2


def test_labels_need_a_known_intent_and_new_intents_are_checked() -> None:
    qid = questions.log("c", "en", "how do i get a driving licence", "fallback", None, None)
    with pytest.raises(ValueError):
        questions.label([qid], "no_such_intent", "m")
    with pytest.raises(ValueError):
        questions.create_intent("Bad Name!", "x", "m")
    with pytest.raises(ValueError):
        questions.create_intent("appeal", "exists", "m")
    questions.create_intent("driving_licence", "getting a Swedish driving licence", "m")
    assert questions.label([qid], "driving_licence", "m") == 1


def copy_project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    root.mkdir()
    shutil.copytree(ROOT / "data", root / "data")
    shutil.copy2(ROOT / "domain.yml", root / "domain.yml")
    shutil.copy2(ROOT / "config.yml", root / "config.yml")
    return root


def test_export_writes_training_data_keeps_comments_and_adds_new_intents(tmp_path: Path) -> None:
    root = copy_project(tmp_path)
    rules_before = (root / "data" / "rules.yml").read_text(encoding="utf-8")
    questions.create_intent("driving_licence", "getting a Swedish driving licence", "m")
    ids = [
        questions.log("c", "sv", t, "fallback", None, None) for t in ("hur får jag körkort", "körkort hjälp")
    ]
    ids.append(questions.log("c", "fa", "چطور لایسنس رانندگی بگیرم", "out_of_scope", None, None))
    ids.append(questions.log("c", "en", "my phone 070-555 66 77, i need a lawyer", "fallback", None, None))
    questions.label(ids[:3], "driving_licence", "m")
    questions.label(ids[3:], "legal_help", "m")
    release = maintain.export(root)
    assert release.exported == 4 and release.new_intents == ["driving_licence"]
    learned = yaml.safe_load((root / "data" / "nlu" / "sv" / "learned.yml").read_text(encoding="utf-8"))
    assert learned["version"] == "3.1"
    block = next(b for b in learned["nlu"] if b["intent"] == "driving_licence")
    assert "- hur får jag körkort" in block["examples"]
    en = (root / "data" / "nlu" / "en" / "learned.yml").read_text(encoding="utf-8")
    assert "070" not in en and "[phone]" not in en and "i need a lawyer" in en
    domain_text = (root / "domain.yml").read_text(encoding="utf-8")
    assert "# Kompis' domain." in domain_text, "comments are kept"
    assert yaml.safe_load(domain_text)["intents"][-1] == "driving_licence"
    rules = (root / "data" / "rules.yml").read_text(encoding="utf-8")
    assert rules.startswith(rules_before.split("rules:")[0]), "the file's header comment is kept"
    assert "action_answer_learned" in rules
    # A second export of the same labels adds nothing twice.
    maintain._append_examples(
        root / "data" / "nlu" / "sv" / "learned.yml", {"driving_licence": ["körkort hjälp"]}
    )
    again = (root / "data" / "nlu" / "sv" / "learned.yml").read_text(encoding="utf-8")
    assert again.count("körkort hjälp") == 1


def test_snapshot_and_restore(tmp_path: Path) -> None:
    root = copy_project(tmp_path)
    snap = maintain.snapshot(root)
    (root / "data" / "nlu" / "sv" / "learned.yml").write_text("version: '3.1'\nnlu: []\n")
    maintain.restore(snap, root)
    assert not (root / "data" / "nlu" / "sv" / "learned.yml").exists()


def test_forget_and_retention_remove_questions(monkeypatch: pytest.MonkeyPatch) -> None:
    questions.log("conv-forget", "sv", "hej hur får jag körkort", "fallback", None, None)
    old = questions.log("conv-old", "sv", "en gammal fråga", "fallback", None, None)
    with session_scope() as s:
        s.get(models.QuestionLog, old).created_on = dt.date.today() - dt.timedelta(days=120)
    forget_conversation("conv-forget")
    assert questions.purge_expired() == 1
    with session_scope() as s:
        assert s.execute(sa.select(sa.func.count()).select_from(models.QuestionLog)).scalar() == 0
