"""The content check: every text in all nine languages, with sources and fresh check dates.

This is part of `make test`: a missing translation, a missing source, or a topic whose
content was last checked longer ago than CONTENT_MAX_AGE_DAYS fails the build.
"""

from __future__ import annotations

import ast
import datetime as dt
import re
from pathlib import Path
from typing import Set

import pytest
import yaml

from bot.content import STATUSES, Catalogue, placeholders, special_responses
from bot.language import codes
from bot.settings import get_settings

ROOT = Path(__file__).resolve().parent.parent
CAT = Catalogue()
TOPICS = yaml.safe_load((ROOT / "spec" / "topics.yml").read_text(encoding="utf-8"))
ANSWERED_SECTIONS = ("asylum_and_rejection", "rights", "return")
BUTTON_KEYS = {
    "age.minor", "age.adult", "forget.yes", "forget.no", "city.stockholm", "city.goteborg", "city.malmo",
    "city.uppsala", "feedback.yes", "feedback.no", "handoff.share_all", "handoff.share_new", "handoff.leave",
    "crisis.person_now",
}  # fmt: skip
# Values for placeholders that the conversation fills in (slots or the action).
SAMPLE = {
    "city": "Malmö",
    "org": "Röda Korset",
    "agent": "Sara",
    "minutes": 5,
    "hours": "Mon–Fri 09:00–17:00",
}


def _uttered_names() -> Set[str]:
    """Every response name the actions utter (reply.say("...") literals)."""
    names: Set[str] = set()
    for path in (ROOT / "actions").glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "say" and node.args:
                arg = node.args[0]
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    names.add(arg.value)
                elif isinstance(arg, ast.IfExp):
                    names |= {a.value for a in (arg.body, arg.orelse) if isinstance(a, ast.Constant)}
    return names


def _referenced_keys() -> Set[str]:
    """Every text key used by responses.yml and by the renderers in bot/content.py."""
    keys: Set[str] = set()
    for spec in CAT.responses.values():
        keys |= set(spec.get("texts", []))
        keys |= {b["title"] for b in spec.get("buttons", [])}
    source = (ROOT / "bot" / "content.py").read_text(encoding="utf-8")
    keys |= set(re.findall(r'"((?:[a-z_]+\.)+[a-z_]+)"', source))
    return {k for k in keys if not k.endswith(".yml")}


def test_every_uttered_response_exists() -> None:
    known = set(CAT.responses) | set(special_responses())
    missing = _uttered_names() - known
    assert not missing, f"actions utter responses that do not exist: {sorted(missing)}"


@pytest.mark.parametrize("code", codes())
def test_every_text_exists_in_every_language(code: str) -> None:
    reference = set(CAT.texts["en"])
    have = set(CAT.texts[code])
    assert not reference - have, f"{code} lacks {sorted(reference - have)}"
    assert not have - reference, f"{code} has texts English lacks: {sorted(have - reference)}"


def test_every_referenced_text_exists() -> None:
    missing = {k for k in _referenced_keys() if k not in CAT.texts["en"]}
    dynamic = {k for k in missing if k.startswith(("kind.", "day.", "crisis."))}
    assert not missing - dynamic, sorted(missing - dynamic)


@pytest.mark.parametrize("code", codes())
def test_texts_are_complete_and_well_formed(code: str) -> None:
    for key, entry in CAT.texts[code].items():
        assert isinstance(entry, dict), f"{code}:{key} must have text and status"
        assert entry.get("status") in STATUSES, f"{code}:{key} has status {entry.get('status')!r}"
        text = str(entry.get("text") or "").strip()
        assert text, f"{code}:{key} is empty"
        english = str(CAT.texts["en"][key]["text"])
        assert placeholders(text) == placeholders(english), f"{code}:{key} placeholders differ from English"
        if key in BUTTON_KEYS or key.startswith(("button.", "menu.section.")):
            assert len(text) <= 40, f"{code}:{key} is too long for a button: {text!r}"


@pytest.mark.parametrize("code", codes())
def test_every_language_renders_every_response(code: str) -> None:
    for name in CAT.responses:
        message = CAT.render(name, code, **SAMPLE)
        assert message and message["text"], f"{name} renders empty in {code}"
        assert "{" not in message["text"], f"{name} has an unfilled placeholder in {code}"


def topic_names() -> list:
    return [t for section in ANSWERED_SECTIONS for t in TOPICS[section]]


@pytest.mark.parametrize("topic", topic_names())
def test_every_topic_is_answered_in_every_language_with_sources(topic: str) -> None:
    meta = CAT.topic_meta.get(topic)
    assert meta is not None, f"{topic} has no entry in content/topics/sources.yml"
    assert meta.sources, f"{topic} has no source"
    for s in meta.sources:
        assert s.get("url", "").startswith("http"), f"{topic}: source without a web address"
        assert s.get("title"), f"{topic}: source without a title"
    age = (dt.date.today() - meta.checked_on).days
    assert age <= get_settings().content_max_age_days, f"{topic} was last checked {age} days ago"
    age_aware = bool(TOPICS[meta.section][topic].get("age_aware")) if meta.section in TOPICS else False
    assert meta.age_aware == age_aware, f"{topic}: age_aware differs from spec/topics.yml"
    for code in codes():
        entries = CAT.topics[code].get(topic) or {}
        for part in ("title", "summary", "more"):
            entry = entries.get(part)
            assert entry and str(entry.get("text", "")).strip(), f"{topic}.{part} missing in {code}"
            assert entry.get("status") in STATUSES, f"{topic}.{part} in {code}: bad status"
        if meta.age_aware:
            for part in ("summary_minor", "summary_adult"):
                assert entries.get(part), f"{topic}.{part} missing in {code}"
        assert len(str(entries["title"]["text"])) <= 40, f"{topic} title too long in {code}"
        message = CAT.render("utter_topic", code, topic=topic, part="summary")
        assert meta.checked_on.isoformat() in message["text"], "the answer must show its check date"


@pytest.mark.parametrize("section", ["find_help", "crisis"])
def test_find_and_crisis_topics_have_titles_and_sources(section: str) -> None:
    for topic in TOPICS[section]:
        meta = CAT.topic_meta.get(topic)
        assert meta and meta.sources, f"{topic} has no sources"
        for code in codes():
            assert (CAT.topics[code].get(topic) or {}).get("title"), f"{topic} title missing in {code}"


def test_content_check_fails_on_an_old_check_date(tmp_path: Path) -> None:
    """The freshness check above can fail: a catalogue with an old date is caught."""
    import shutil

    shutil.copytree(ROOT / "content", tmp_path / "content")
    sources = tmp_path / "content" / "topics" / "sources.yml"
    data = yaml.safe_load(sources.read_text(encoding="utf-8"))
    data["topics"]["appeal"]["checked_on"] = "2019-01-01"
    sources.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    old = Catalogue(tmp_path / "content").topic_meta["appeal"].checked_on
    assert (dt.date.today() - old).days > get_settings().content_max_age_days


def test_no_text_is_orphaned() -> None:
    """Every text is used: by a response, a renderer, the channels or the web pages."""
    sources = "\n".join(
        p.read_text(encoding="utf-8")
        for folder in ("bot", "actions")
        for p in (ROOT / folder).rglob("*")
        if p.suffix in (".py", ".js", ".html")
    )
    used = _referenced_keys()
    dynamic = ("kind.", "day.", "crisis.", "web.", "telegram.cmd.", "staff.quick.")
    orphans = [
        k for k in CAT.texts["en"] if k not in used and f'"{k}"' not in sources and not k.startswith(dynamic)
    ]
    assert not orphans, f"texts nothing uses: {orphans}"
