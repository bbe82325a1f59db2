"""Checks on the training data and the held-out sets, for translators and maintainers.

    python -m bot.maintain check-data

`make test` runs the same checks (tests/test_nlu_data.py), and the maintainers' loop
runs them on the data it is about to train on. Errors:
- an intent of the domain with fewer than MIN_TRAIN examples in a language (an intent
  the maintainers' loop added needs MIN_NEW_INTENT in each language it has examples in:
  with about that many, the trained model recognised it with confidence 0.3-0.6);
- fewer than MIN_HOLDOUT examples per intent and language in a held-out set;
- a held-out example that also appears in the training data (it would flatter the figures);
- one text with two intents, in any languages (the model cannot learn both).
Warnings:
- an intent the loop added with fewer than RECOMMENDED_NEW_INTENT examples in a language;
- a training example outside the crisis intents that the crisis safety net fires on (the
  user would get emergency numbers): fine if the example really is a crisis, otherwise a
  phrase in content/safety/patterns.yml is too broad.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Set, Tuple

import yaml

from bot import language as lang_mod
from bot.settings import ROOT

MIN_TRAIN = 12
MIN_NEW_INTENT = 8
RECOMMENDED_NEW_INTENT = 15
MIN_HOLDOUT = 5
# The test set (the figures of `make eval`) and the first held-out set (see bot/evaluate.py).
HELD_OUT = ("nlu_test", "nlu_holdout")
LEARNED_RULE_PREFIX = "learned "  # rules bot/maintain.py writes for the intents it adds


@dataclass
class Report:
    errors: List[str] = field(default_factory=list)
    warnings: List[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def load_examples(path: Path) -> List[Tuple[str, str]]:
    """(text, intent) pairs from a Rasa NLU YAML file."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    out = []
    for block in data.get("nlu") or []:
        intent = block.get("intent")
        for line in str(block.get("examples", "")).splitlines():
            line = line.strip()
            if intent and line.startswith("- "):
                out.append((line[2:].strip(), intent))
    return out


def training(code: str, root: Path = ROOT) -> List[Tuple[str, str]]:
    """Every training example of one language."""
    out: List[Tuple[str, str]] = []
    for path in sorted((root / "data" / "nlu" / code).glob("*.yml")):
        out += load_examples(path)
    return out


def held_out(name: str, code: str, root: Path = ROOT) -> List[Tuple[str, str]]:
    path = root / "tests" / name / f"{code}.yml"
    return load_examples(path) if path.exists() else []


def domain_intents(root: Path = ROOT) -> List[str]:
    domain = yaml.safe_load((root / "domain.yml").read_text(encoding="utf-8"))
    return list(domain["intents"])


def learned_intents(root: Path = ROOT) -> Set[str]:
    """Intents the maintainers' loop added (each has a rule named "learned <intent>")."""
    rules = yaml.safe_load((root / "data" / "rules.yml").read_text(encoding="utf-8")) or {}
    return {
        r["rule"][len(LEARNED_RULE_PREFIX) :]
        for r in rules.get("rules") or []
        if str(r.get("rule", "")).startswith(LEARNED_RULE_PREFIX)
    }


def thin_intents(code: str, root: Path = ROOT) -> Tuple[Dict[str, int], Dict[str, int]]:
    """(too few: errors, fewer than recommended: warnings) as {intent: count}, for one language."""
    counts: Dict[str, int] = defaultdict(int)
    for _, intent in training(code, root):
        counts[intent] += 1
    learned = learned_intents(root)
    errors: Dict[str, int] = {}
    warnings: Dict[str, int] = {}
    for intent in domain_intents(root):
        n = counts[intent]
        if intent not in learned:
            if n < MIN_TRAIN:
                errors[intent] = n
        elif 0 < n < MIN_NEW_INTENT:
            errors[intent] = n
        elif 0 < n < RECOMMENDED_NEW_INTENT:
            warnings[intent] = n
    return errors, warnings


def thin_held_out(name: str, code: str, root: Path = ROOT) -> Dict[str, int]:
    counts: Dict[str, int] = defaultdict(int)
    for _, intent in held_out(name, code, root):
        counts[intent] += 1
    learned = learned_intents(root)
    return {i: counts[i] for i in domain_intents(root) if i not in learned and counts[i] < MIN_HOLDOUT}


def held_out_texts(root: Path = ROOT) -> Set[str]:
    """Every held-out text, lowercased."""
    return {t.lower() for name in HELD_OUT for c in lang_mod.codes() for t, _ in held_out(name, c, root)}


def leaks(root: Path = ROOT) -> List[Tuple[str, str, str]]:
    """(held-out set, language, text) for held-out examples that are also training examples."""
    seen = {t.lower() for c in lang_mod.codes() for t, _ in training(c, root)}
    return [
        (name, c, t)
        for name in HELD_OUT
        for c in lang_mod.codes()
        for t, _ in held_out(name, c, root)
        if t.lower() in seen
    ]


def label_clashes(root: Path = ROOT) -> Dict[str, List[str]]:
    """Texts labelled with more than one intent, in any languages."""
    labels: Dict[str, Set[str]] = defaultdict(set)
    for c in lang_mod.codes():
        for text, intent in training(c, root):
            labels[text.strip().lower()].add(intent)
    return {t: sorted(i) for t, i in labels.items() if len(i) > 1}


def crisis_false_alarms(root: Path = ROOT) -> List[Tuple[str, str, str, str]]:
    """(language, intent, text, phrase) for non-crisis examples the safety net fires on."""
    from bot.nlu.safety import SafetyNet

    net = SafetyNet.from_file(root / "content" / "safety" / "patterns.yml")
    out = []
    for c in lang_mod.codes():
        for text, intent in training(c, root):
            if intent.startswith("crisis_"):
                continue
            match = net.check(text)
            if match:
                out.append((c, intent, text, match.phrase))
    return out


def check(root: Path = ROOT, false_alarms: bool = True) -> Report:
    """Every check above, as errors and warnings a person can act on."""
    report = Report()
    learned = learned_intents(root)
    for c in lang_mod.codes():
        errors, warnings = thin_intents(c, root)
        for intent, n in errors.items():
            need = MIN_NEW_INTENT if intent in learned else MIN_TRAIN
            report.errors.append(f"{c}: {intent} has {n} training examples, needs at least {need}")
        for intent, n in warnings.items():
            report.warnings.append(
                f"{c}: {intent} has {n} training examples; {RECOMMENDED_NEW_INTENT} or more "
                "are recognised more reliably"
            )
        for name in HELD_OUT:
            if not (root / "tests" / name).is_dir():
                continue  # a copy of the project without that set (the maintainers' loop)
            for intent, n in thin_held_out(name, c, root).items():
                report.errors.append(f"{c}: tests/{name} has {n} examples of {intent}, needs {MIN_HOLDOUT}")
    for name, c, text in leaks(root):
        report.errors.append(f"{c}: {text!r} is in tests/{name} and in the training data")
    for text, intents in label_clashes(root).items():
        report.errors.append(f"{text!r} is labelled {' and '.join(intents)}")
    if false_alarms:
        for c, intent, text, phrase in crisis_false_alarms(root):
            report.warnings.append(f"{c}: the safety net fires on {text!r} ({intent}) with {phrase!r}")
    return report
