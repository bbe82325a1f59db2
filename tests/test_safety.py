"""The crisis safety net: every crisis case caught, with the right intent; no near miss fires."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.language import codes
from bot.nlu.safety import SafetyNet

ROOT = Path(__file__).resolve().parent.parent
CASES = yaml.safe_load((ROOT / "tests" / "safety_cases.yml").read_text(encoding="utf-8"))
NET = SafetyNet.from_file()


def test_every_language_has_patterns_and_cases() -> None:
    patterns = yaml.safe_load((ROOT / "content" / "safety" / "patterns.yml").read_text(encoding="utf-8"))
    for intent in ("crisis_emergency", "crisis_self_harm", "crisis_violence", "crisis_exploitation"):
        for code in codes():
            assert len(patterns[intent].get(code) or []) >= 15, f"{intent} has few patterns in {code}"
    assert set(CASES) == set(codes())


@pytest.mark.parametrize("code", codes())
def test_crisis_messages_are_caught_with_the_right_intent(code: str) -> None:
    for case in CASES[code]["crisis"]:
        match = NET.check(case["text"])
        assert match is not None, f"missed: {case['text']!r}"
        assert match.intent == case["intent"], f"{case['text']!r} -> {match.intent}"


@pytest.mark.parametrize("code", codes())
def test_ordinary_messages_do_not_fire(code: str) -> None:
    for text in CASES[code]["ordinary"]:
        assert NET.check(text) is None, f"false alarm: {text!r} ({NET.check(text)})"


def test_crisis_words_inside_ordinary_questions() -> None:
    assert NET.check("jag fick avslag igår och jag vill inte leva längre").intent == "crisis_self_harm"
    assert NET.check("how do i appeal? also my boss took my passport").intent == "crisis_exploitation"
    assert NET.check("where can I sleep tonight, my friend is not breathing").intent == "crisis_emergency"


def test_arabic_script_phrases_match_after_an_attached_and() -> None:
    # "my friend fell and is not breathing": و ("and") is written joined to the next word.
    assert NET.check("صاحبي وقع وما عم يتنفس").intent == "crisis_emergency"
    assert NET.check("صاحبي وقع ما عم يتنفس").intent == "crisis_emergency"
    # ...but a phrase still needs its own word: no match inside a longer word.
    single = SafetyNet({"crisis_emergency": {"ar": ["حريق"]}})
    assert single.check("وحريق بالبيت") is not None
    assert single.check("محريق") is None
