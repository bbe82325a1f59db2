"""The crisis safety net: words and patterns that mean a young person may be in danger.

The intent classifier can miss a crisis phrased in a way it has not seen, or hidden in
an ordinary message ("i got avslag and i want to die"). This net runs on every message,
after the classifier, and wins over it. Patterns live in content/safety/patterns.yml,
per crisis intent and language, matched on folded text (see normalize.py) at word
boundaries. A trailing `*` matches any word ending ("suicid*").
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Pattern, Tuple

import yaml

from bot.nlu.normalize import ARABIC_LETTERS, JOINED_CONJUNCTIONS, is_arabic_script, normalise

ROOT = Path(__file__).resolve().parent.parent.parent
PATTERNS_FILE = ROOT / "content" / "safety" / "patterns.yml"

# When several match, the most urgent situation decides the answer.
SEVERITY = ("crisis_emergency", "crisis_self_harm", "crisis_violence", "crisis_exploitation")


@dataclass(frozen=True)
class SafetyMatch:
    intent: str
    language: str
    phrase: str


def _compile(phrase: str) -> Pattern[str]:
    folded = normalise(phrase).strip()
    wildcard = folded.endswith("*")
    folded = folded.rstrip("*").strip()
    words = [re.escape(w) for w in folded.split()]
    body = r"\s+".join(words)
    tail = r"\w*" if wildcard else r"(?!\w)"
    # Arabic script writes "and" and "so" joined to the next word ("وما عم يتنفس"): let a
    # phrase in Arabic letters start after و or ف, as well as after a space. (Not after
    # the joined prepositions ب and ل, which begin too many ordinary words.)
    if is_arabic_script(folded[:1]):
        joined = "".join(JOINED_CONJUNCTIONS)
        head = rf"(?<!\w)(?:[{joined}](?=[{ARABIC_LETTERS}]))?"
    else:
        head = r"(?<!\w)"
    return re.compile(head + body + tail)


class SafetyNet:
    """Matches crisis patterns in any of the nine languages."""

    def __init__(self, patterns: Dict[str, Dict[str, List[str]]]):
        # One alternation per intent finds out fast whether anything matches (most messages
        # match nothing); only then are that intent's phrases tried one by one.
        self._by_intent: List[Tuple[Pattern[str], List[Tuple[str, str, str, Pattern[str]]]]] = []
        for intent in SEVERITY:
            entries = []
            for lang, phrases in (patterns.get(intent) or {}).items():
                for phrase in phrases or []:
                    entries.append((intent, lang, str(phrase), _compile(str(phrase))))
            if entries:
                combined = re.compile("|".join(f"(?:{e[3].pattern})" for e in entries))
                self._by_intent.append((combined, entries))

    @classmethod
    def from_file(cls, path: Path = PATTERNS_FILE) -> "SafetyNet":
        data = yaml.safe_load(path.read_text(encoding="utf-8")) if path.exists() else {}
        return cls(data or {})

    def check(self, text: str) -> Optional[SafetyMatch]:
        """The most urgent crisis the text matches, or None."""
        if not text:
            return None
        folded = normalise(text)
        for combined, entries in self._by_intent:  # ordered by severity
            if combined.search(folded):
                for intent, lang, phrase, pattern in entries:
                    if pattern.search(folded):
                        return SafetyMatch(intent, lang, phrase)
        return None

    def __len__(self) -> int:
        return sum(len(entries) for _, entries in self._by_intent)


@functools.lru_cache(maxsize=1)
def default_safety_net() -> SafetyNet:
    return SafetyNet.from_file()


def check(text: str) -> Optional[SafetyMatch]:
    """Check one message against the default patterns."""
    return default_safety_net().check(text)
