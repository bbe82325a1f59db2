"""Kompis' words, in nine languages: loading and rendering the content catalogue.

The catalogue lives in `content/` so translators work in one file per language:

- `content/i18n/<lang>.yml`: every conversation text and button title, each with its
  review status (`written`, `native_checked`, `legal_checked`).
- `content/topics/<lang>.yml`: the answer to each topic (a short first message, details,
  under-18 and adult variants where the topic is age-aware), each with its status.
- `content/topics/sources.yml`: language-neutral facts about each topic: its sources
  and the date the content was last checked against them.
- `content/responses.yml`: which texts and buttons make up each `utter_*` response.

`Catalogue.render()` turns a response name, a language and variables into a message
dict (`text`, `buttons`, `custom`) for Rasa's output channels.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import re
import string
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional

import yaml

from bot import language as lang_mod

logger = logging.getLogger(__name__)
ROOT = Path(__file__).resolve().parent.parent
CONTENT = ROOT / "content"
STATUSES = ("written", "native_checked", "legal_checked")
MAX_BUTTON_TITLE = 40


class ContentError(ValueError):
    """The catalogue is incomplete or malformed."""


def _read(path: Path) -> Dict[str, Any]:
    with path.open(encoding="utf-8") as f:
        return yaml.safe_load(f) or {}


class _Vars(dict):
    """Format mapping that leaves unknown placeholders visible instead of crashing."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def fill(text: str, variables: Mapping[str, Any]) -> str:
    """Replace `{name}` placeholders; unknown ones stay as they are."""
    return string.Formatter().vformat(text, (), _Vars(variables))


def placeholders(text: str) -> set:
    """The `{name}` placeholders in a text."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@dataclass(frozen=True)
class TopicMeta:
    """Language-neutral facts about one topic."""

    name: str
    section: str
    age_aware: bool
    checked_on: dt.date
    sources: List[Dict[str, str]]
    help_kinds: List[str]
    own_case: bool


class Catalogue:
    """All texts of all languages, loaded once per process."""

    def __init__(self, root: Path = CONTENT):
        self.root = root
        self.codes = lang_mod.codes()
        self.texts: Dict[str, Dict[str, Dict[str, Any]]] = {}
        self.topics: Dict[str, Dict[str, Dict[str, Any]]] = {}
        for code in self.codes:
            i18n = root / "i18n" / f"{code}.yml"
            self.texts[code] = (_read(i18n).get("texts") or {}) if i18n.exists() else {}
            topics = root / "topics" / f"{code}.yml"
            self.topics[code] = (_read(topics).get("topics") or {}) if topics.exists() else {}
        self.responses: Dict[str, Dict[str, Any]] = _read(root / "responses.yml")
        meta_path = root / "topics" / "sources.yml"
        meta = _read(meta_path) if meta_path.exists() else {}
        self.sections: Dict[str, List[str]] = meta.get("sections", {})
        self.topic_meta: Dict[str, TopicMeta] = {}
        for name, m in (meta.get("topics") or {}).items():
            checked = m.get("checked_on")
            if isinstance(checked, str):
                checked = dt.date.fromisoformat(checked)
            self.topic_meta[name] = TopicMeta(
                name=name,
                section=m.get("section", ""),
                age_aware=bool(m.get("age_aware", False)),
                checked_on=checked or dt.date.min,
                sources=list(m.get("sources") or []),
                help_kinds=list(m.get("help_kinds") or []),
                own_case=bool(m.get("own_case", False)),
            )

    # -- plain texts -----------------------------------------------------------------

    def language(self, code: Optional[str]) -> str:
        """A supported language code; unknown ones fall back to the default."""
        return code if code in self.codes else DEFAULT_LANGUAGE

    def text(self, key: str, code: Optional[str], **variables: Any) -> str:
        """One text in one language, with placeholders filled."""
        code = self.language(code)
        entry = self.texts[code].get(key)
        if entry is None:
            # tests/test_content.py keeps this from happening; if it does, say something.
            logger.error("text %s is missing in %s", key, code)
            entry = self.texts[DEFAULT_LANGUAGE].get(key) or self.texts["en"].get(key)
        if entry is None:
            raise ContentError(f"text {key!r} is missing in {code}")
        value = entry["text"] if isinstance(entry, dict) else entry
        return fill(str(value).strip(), variables)

    def has_text(self, key: str, code: str) -> bool:
        return key in self.texts.get(code, {})

    def language_name(self, code: str) -> str:
        for lang in lang_mod.languages():
            if lang["code"] == code:
                return lang["endonym"]
        return code

    # -- topics ----------------------------------------------------------------------

    def topic_names(self) -> List[str]:
        return list(self.topic_meta)

    def topic_part(self, topic: str, part: str, code: Optional[str], age_group: Optional[str] = None) -> str:
        """A topic's `title`, `summary` or `more`, picking the age variant if there is one."""
        code = self.language(code)
        entries = self.topics[code].get(topic)
        if not entries:
            raise ContentError(f"topic {topic!r} is missing in {code}")
        if age_group in ("minor", "adult") and f"{part}_{age_group}" in entries:
            part = f"{part}_{age_group}"
        entry = entries.get(part)
        if entry is None:
            raise ContentError(f"topic {topic!r} has no {part!r} in {code}")
        return str(entry["text"] if isinstance(entry, dict) else entry).strip()

    def sources_line(self, topic: str, code: Optional[str]) -> str:
        meta = self.topic_meta[topic]
        names = ", ".join(f"{s['title']} ({s['url']})" for s in meta.sources)
        return self.text("topic.sources", code, sources=names, date=meta.checked_on.isoformat())

    # -- rendering -------------------------------------------------------------------

    def button(self, title_key: str, payload: str, code: str, **variables: Any) -> Dict[str, str]:
        return {"title": self.text(title_key, code, **variables), "payload": payload}

    def render(self, name: str, code: Optional[str], **variables: Any) -> Optional[Dict[str, Any]]:
        """A message dict for a response name, or None when the name is unknown."""
        code = self.language(code)
        variables = {**self.default_variables(code), **variables}
        special = _SPECIAL.get(name)
        if special is not None:
            return special(self, code, variables)
        spec = self.responses.get(name)
        if spec is None:
            return None
        parts = [self.text(key, code, **variables) for key in spec.get("texts", [])]
        message: Dict[str, Any] = {"text": "\n\n".join(p for p in parts if p)}
        buttons = [self.button(b["title"], b["payload"], code, **variables) for b in spec.get("buttons", [])]
        if buttons:
            message["buttons"] = buttons
        return message

    def default_variables(self, code: str) -> Dict[str, Any]:
        from bot.settings import get_settings

        s = get_settings()
        return {
            "retention_days": s.retention_days,
            "language_name": self.language_name(code),
        }


DEFAULT_LANGUAGE = "sv"


def _render_choose_language(cat: Catalogue, code: str, v: Dict[str, Any]) -> Dict[str, Any]:
    if v.get("all_languages"):
        # Nobody has told us their language yet: ask in all nine at once.
        lines = [cat.text("language.choose", c) for c in cat.codes]
        text = "\n".join(dict.fromkeys(lines))
    else:
        text = cat.text("language.choose", code)
    buttons = [
        {"title": cat.language_name(c), "payload": f'/choose_language{{"language":"{c}"}}'} for c in cat.codes
    ]
    return {"text": text, "buttons": buttons}


def _render_topic(cat: Catalogue, code: str, v: Dict[str, Any]) -> Dict[str, Any]:
    topic = v["topic"]
    part = v.get("part", "summary")
    meta = cat.topic_meta[topic]
    body = cat.topic_part(topic, part, code, v.get("age_group"))
    pieces = [body]
    if part == "more" and meta.own_case:
        pieces.append(cat.text("topic.own_case", code))
    pieces.append(cat.sources_line(topic, code))
    buttons = []
    if part == "summary":
        buttons.append(cat.button("button.more", f'/more_info{{"topic":"{topic}"}}', code))
    buttons.append(cat.button("button.who_helps", f'/find_help{{"topic":"{topic}"}}', code))
    buttons.append(cat.button("button.person", "/request_human", code))
    # "Did this help?": a thumbs-down puts the question in front of the maintainers.
    pieces.append(cat.text("feedback.ask", code))
    buttons.append(cat.button("feedback.yes", '/thanks{"feedback":"yes"}', code))
    buttons.append(cat.button("feedback.no", f'/deny{{"feedback":"no","topic":"{topic}"}}', code))
    return {"text": "\n\n".join(pieces), "buttons": buttons}


def _render_section(cat: Catalogue, code: str, v: Dict[str, Any]) -> Dict[str, Any]:
    section = v.get("section", "")
    topics = cat.sections.get(section, [])
    buttons = [{"title": cat.topic_part(t, "title", code), "payload": f"/{t}"} for t in topics]
    buttons.append(cat.button("button.menu", "/help_menu", code))
    return {"text": cat.text("menu.pick_topic", code), "buttons": buttons}


def _render_fallback(cat: Catalogue, code: str, v: Dict[str, Any]) -> Dict[str, Any]:
    suggestions = [s for s in v.get("suggestions", []) if s in cat.topic_meta][:2]
    if v.get("repeated"):
        text = cat.text("fallback.repeated", code)
    elif suggestions:
        text = cat.text("fallback.suggest", code)
    else:
        text = cat.text("fallback.rephrase", code)
    buttons = [{"title": cat.topic_part(t, "title", code), "payload": f"/{t}"} for t in suggestions]
    buttons.append(cat.button("button.person", "/request_human", code))
    buttons.append(cat.button("button.menu", "/help_menu", code))
    return {"text": text, "buttons": buttons}


def _render_crisis(cat: Catalogue, code: str, v: Dict[str, Any]) -> Dict[str, Any]:
    kind = v.get("kind", "crisis_emergency")
    text = cat.text(f"crisis.{kind.removeprefix('crisis_')}", code)
    if kind in cat.topic_meta:
        text += "\n\n" + cat.sources_line(kind, code)
    if v.get("waiting"):
        return {"text": text}  # already waiting for a person: the numbers, nothing else
    buttons = [
        cat.button("crisis.person_now", '/request_human{"urgency":"crisis"}', code),
        cat.button("button.who_helps", f'/find_help{{"topic":"{kind}"}}', code),
    ]
    return {"text": text, "buttons": buttons}


def _org_line(cat: Catalogue, code: str, org: Mapping[str, Any]) -> str:
    minutes = org.get("expected_wait_minutes")
    wait = (
        cat.text("handoff.wait_minutes", code, minutes=minutes)
        if minutes
        else cat.text("handoff.wait_unknown", code)
    )
    return "• " + cat.text(
        "handoff.org_details", code,
        name=org["name"],
        authority=cat.text("authority.yes" if org.get("is_authority") else "authority.no", code),
        hours=format_hours(cat, code, org.get("hours")),
        wait=wait,
    )  # fmt: skip


def _render_handoff_choose(cat: Catalogue, code: str, v: Dict[str, Any]) -> Dict[str, Any]:
    orgs = v.get("orgs") or []
    lines = [cat.text("handoff.choose_org", code), *(_org_line(cat, code, o) for o in orgs)]
    buttons = [{"title": o["name"][:40], "payload": f'/request_human{{"org":"{o["slug"]}"}}'} for o in orgs]
    buttons.append(cat.button("button.menu", "/help_menu", code))
    return {"text": "\n".join(lines), "buttons": buttons}


def _render_handoff_share(cat: Catalogue, code: str, v: Dict[str, Any]) -> Dict[str, Any]:
    org = v["org"]
    parts = [_org_line(cat, code, org)]
    if org.get("is_authority"):
        parts.append(cat.text("handoff.authority_note", code))
    parts.append(cat.text("handoff.share_question", code))
    slug = org["slug"]
    buttons = [
        cat.button("handoff.share_all", f'/request_human{{"org":"{slug}","share":"all"}}', code),
        cat.button("handoff.share_new", f'/request_human{{"org":"{slug}","share":"new"}}', code),
        cat.button("button.menu", "/help_menu", code),
    ]
    return {"text": "\n\n".join(parts), "buttons": buttons}


def _render_handoff_queued(cat: Catalogue, code: str, v: Dict[str, Any]) -> Dict[str, Any]:
    key = "handoff.queued_crisis" if v.get("urgent") else "handoff.queued"
    return {
        "text": cat.text(key, code, org=v.get("org_name", "")),
        "buttons": [cat.button("handoff.leave", "/leave_queue", code)],
    }


def _render_handoff_closed(cat: Catalogue, code: str, v: Dict[str, Any]) -> Dict[str, Any]:
    return {"text": cat.text("handoff.closed_now", code, org=v.get("org_name", ""))}


def format_hours(cat: Catalogue, code: str, hours: Any) -> str:
    """Opening hours in the user's language: 'always', a list of periods, or unknown."""
    if hours == "always":
        return cat.text("hours.always", code)
    if not hours:
        return cat.text("hours.unknown", code)
    periods = []
    for p in hours:
        days = [cat.text(f"day.{d}", code) for d in p.get("days", [])]
        if len(days) > 2 and _consecutive(p.get("days", [])):
            day_text = f"{days[0]}–{days[-1]}"
        else:
            day_text = ", ".join(days)
        periods.append(f"{day_text} {p.get('from', '')}–{p.get('to', '')}".strip())
    return "; ".join(periods)


_WEEK = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


def _consecutive(days: List[str]) -> bool:
    idx = [_WEEK.index(d) for d in days if d in _WEEK]
    return idx == list(range(idx[0], idx[0] + len(idx))) if idx else False


def format_service(cat: Catalogue, code: str, s: Mapping[str, Any]) -> str:
    """One directory entry as a few short lines."""
    lines = [f"• {s['name']}"]
    facts = [cat.text(f"kind.{k}", code) for k in s.get("kinds", [])[:2]]
    facts.append(
        cat.text("directory.authority" if s.get("is_authority") else "directory.not_authority", code)
    )
    if s.get("asks_for_id") is True:
        facts.append(cat.text("directory.asks_id", code))
    elif s.get("asks_for_id") is False:
        facts.append(cat.text("directory.no_id", code))
    lines.append("  " + " · ".join(facts))
    contact = [c for c in (s.get("phone") and f"📞 {s['phone']}", s.get("url")) if c]
    if contact:
        lines.append("  " + " · ".join(contact))
    if s.get("address"):
        lines.append(f"  📍 {s['address']}")
    lines.append("  🕒 " + cat.text("directory.hours", code, hours=format_hours(cat, code, s.get("hours"))))
    if s.get("languages"):
        names = ", ".join(cat.language_name(c) for c in s["languages"])
        lines.append("  " + cat.text("directory.languages", code, languages=names))
    if not s.get("verified"):
        lines.append("  " + cat.text("directory.unverified", code))
    elif s.get("checked_on"):
        lines.append("  " + cat.text("directory.checked", code, date=s["checked_on"]))
    return "\n".join(lines)


def _render_directory(cat: Catalogue, code: str, v: Dict[str, Any]) -> Dict[str, Any]:
    intent = v.get("intent") or "find_help"
    city = v.get("city")
    local = v.get("local") or []
    national = v.get("national") or []
    parts = []
    if intent in cat.topic_meta and cat.topics[code].get(intent, {}).get("summary"):
        parts.append(cat.topic_part(intent, "summary", code))
    if city and local:
        parts.append(cat.text("directory.intro_local", code, city=city))
        parts.extend(format_service(cat, code, s) for s in local)
    elif city:
        parts.append(cat.text("directory.none_local", code, city=city))
    if national:
        parts.append(cat.text("directory.intro_national", code))
        parts.extend(format_service(cat, code, s) for s in national)
    buttons = [
        cat.button("button.person", "/request_human", code),
        cat.button("button.menu", "/help_menu", code),
    ]
    return {"text": "\n\n".join(parts), "buttons": buttons}


_SPECIAL = {
    "utter_crisis": _render_crisis,
    "utter_handoff_choose": _render_handoff_choose,
    "utter_handoff_share": _render_handoff_share,
    "utter_handoff_queued": _render_handoff_queued,
    "utter_handoff_closed": _render_handoff_closed,
    "utter_directory": _render_directory,
    "utter_choose_language": _render_choose_language,
    "utter_topic": _render_topic,
    "utter_menu_section": _render_section,
    "utter_fallback": _render_fallback,
}


def special_responses() -> List[str]:
    return sorted(_SPECIAL)


@functools.lru_cache(maxsize=1)
def catalogue() -> Catalogue:
    """The catalogue, loaded once per process."""
    return Catalogue()


def strip_markup(text: str) -> str:
    """Text without the light markup our texts use (for length checks)."""
    return re.sub(r"[*_`]", "", text)
