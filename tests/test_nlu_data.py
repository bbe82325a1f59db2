"""Training data and held-out sets: complete for every language, and kept apart."""

from __future__ import annotations

import subprocess
import sys
from collections import defaultdict
from pathlib import Path
from typing import Dict, List, Set, Tuple

import pytest
import yaml

from bot.evaluate import load_examples
from bot.language import codes

ROOT = Path(__file__).resolve().parent.parent
DOMAIN = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
INTENTS = DOMAIN["intents"]
MIN_TRAIN = 12
MIN_HOLDOUT = 5
# The test set (the figures of `make eval`) and the first held-out set (see bot/evaluate.py).
HELD_OUT = ("nlu_test", "nlu_holdout")


def training(code: str) -> List[Tuple[str, str]]:
    out: List[Tuple[str, str]] = []
    for path in sorted((ROOT / "data" / "nlu" / code).glob("*.yml")):
        out += load_examples(path)
    return out


def test_contract_intents_are_all_in_the_domain() -> None:
    topics = yaml.safe_load((ROOT / "spec" / "topics.yml").read_text(encoding="utf-8"))
    contract = {i for section, items in topics.items() if section != "entities" for i in items}
    assert contract <= set(INTENTS), sorted(contract - set(INTENTS))


@pytest.mark.parametrize("code", codes())
def test_every_intent_has_enough_examples_in_every_language(code: str) -> None:
    train = defaultdict(int)
    for _, intent in training(code):
        train[intent] += 1
    thin = {i: train[i] for i in INTENTS if train[i] < MIN_TRAIN}
    assert not thin, f"{code}: fewer than {MIN_TRAIN} training examples: {thin}"
    for held_out in HELD_OUT:
        held: Dict[str, int] = defaultdict(int)
        for _, intent in load_examples(ROOT / "tests" / held_out / f"{code}.yml"):
            held[intent] += 1
        thin = {i: held[i] for i in INTENTS if held[i] < MIN_HOLDOUT}
        assert not thin, f"{code}: fewer than {MIN_HOLDOUT} examples in tests/{held_out}: {thin}"


def test_held_out_examples_never_appear_in_training() -> None:
    seen: Set[str] = {t.lower() for c in codes() for t, _ in training(c)}
    leaks = [
        (h, c, t) for h in HELD_OUT for c in codes()
        for t, _ in load_examples(ROOT / "tests" / h / f"{c}.yml") if t.lower() in seen
    ]  # fmt: skip
    assert not leaks, f"held-out examples found in training data: {leaks[:10]}"


def test_no_example_carries_two_intents_across_languages() -> None:
    labels: Dict[str, Set[str]] = defaultdict(set)
    for c in codes():
        for text, intent in training(c):
            labels[text.strip().lower()].add(intent)
    clashes = {t: sorted(i) for t, i in labels.items() if len(i) > 1}
    assert not clashes, f"the same text is labelled with different intents: {clashes}"


@pytest.mark.slow
def test_rasa_data_validate_is_clean() -> None:
    from bot.training import rasa_env

    result = subprocess.run(
        [sys.executable, "-m", "rasa", "data", "validate", "--domain", "domain.yml", "--data", "data",
         "--fail-on-warnings"],
        cwd=ROOT, env=rasa_env(), capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, (result.stdout + result.stderr)[-4000:]
