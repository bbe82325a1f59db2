"""Training data and held-out sets: complete for every language, and kept apart.

The checks live in bot/datacheck.py, which `python -m bot.maintain check-data` and the
maintainers' loop run too; the last tests here show that each check can fail."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from bot import datacheck
from bot.language import codes

ROOT = Path(__file__).resolve().parent.parent


def test_contract_intents_are_all_in_the_domain() -> None:
    topics = yaml.safe_load((ROOT / "spec" / "topics.yml").read_text(encoding="utf-8"))
    contract = {i for section, items in topics.items() if section != "entities" for i in items}
    assert contract <= set(datacheck.domain_intents()), sorted(contract - set(datacheck.domain_intents()))


@pytest.mark.parametrize("code", codes())
def test_every_intent_has_enough_examples_in_every_language(code: str) -> None:
    thin, _ = datacheck.thin_intents(code)
    assert not thin, f"{code}: fewer than {datacheck.MIN_TRAIN} training examples: {thin}"
    for held_out in datacheck.HELD_OUT:
        thin = datacheck.thin_held_out(held_out, code)
        assert not thin, f"{code}: fewer than {datacheck.MIN_HOLDOUT} examples in tests/{held_out}: {thin}"


def test_held_out_examples_never_appear_in_training() -> None:
    leaks = datacheck.leaks()
    assert not leaks, f"held-out examples found in training data: {leaks[:10]}"


def test_no_example_carries_two_intents_across_languages() -> None:
    clashes = datacheck.label_clashes()
    assert not clashes, f"the same text is labelled with different intents: {clashes}"


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    """A copy of what the checks read, to break on purpose."""
    for name in ("data", "tests/nlu_test", "tests/nlu_holdout", "content/safety"):
        shutil.copytree(ROOT / name, tmp_path / name)
    shutil.copy2(ROOT / "domain.yml", tmp_path / "domain.yml")
    return tmp_path


def _add(project: Path, code: str, intent: str, texts: list) -> None:
    path = project / "data" / "nlu" / code / f"extra_{intent}.yml"
    body = "".join(f"    - {t}\n" for t in texts)
    path.write_text(f'version: "3.1"\nnlu:\n- intent: {intent}\n  examples: |\n{body}', encoding="utf-8")


def test_the_checks_find_a_leak_a_clash_and_a_thin_new_intent(project: Path) -> None:
    assert datacheck.check(project, false_alarms=False).ok
    held_text = datacheck.held_out("nlu_test", "sv", project)[0][0]
    _add(project, "sv", "greet", [held_text, "hur söker jag ett jobb", "jobb"])
    # a new intent, as the maintainers' loop adds it: domain entry and a "learned" rule
    domain = yaml.safe_load((project / "domain.yml").read_text(encoding="utf-8"))
    domain["intents"].append("job_search")
    (project / "domain.yml").write_text(yaml.safe_dump(domain, allow_unicode=True), encoding="utf-8")
    rules = yaml.safe_load((project / "data" / "rules.yml").read_text(encoding="utf-8"))
    rules["rules"].append({"rule": "learned job_search", "steps": [{"intent": "job_search"}]})
    (project / "data" / "rules.yml").write_text(yaml.safe_dump(rules, allow_unicode=True), encoding="utf-8")
    _add(project, "fa", "job_search", ["چطور کار پیدا کنم"] + [f"کار پیدا کردن {i}" for i in range(6)])
    report = datacheck.check(project, false_alarms=False)
    text = "\n".join(report.errors)
    assert f"{held_text!r} is in tests/nlu_test" in text
    assert "'hur söker jag ett jobb' is labelled" not in text  # one label only: fine
    assert "fa: job_search has 7 training examples, needs at least 8" in text
    # languages without any example of a new intent are not errors (the loop adds what it has)
    assert "sv: job_search" not in text
    _add(project, "en", "goodbye", ["jobb"])  # "jobb" is greet in sv
    assert "'jobb' is labelled goodbye and greet" in "\n".join(datacheck.check(project, False).errors)


def test_false_alarms_of_the_safety_net_are_reported(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "content" / "safety", tmp_path / "content" / "safety")
    (tmp_path / "data" / "nlu" / "en").mkdir(parents=True)
    _add(tmp_path, "en", "rights_work", ["my boss says he will kill me if i quit", "can i work while i wait"])
    _add(tmp_path, "en", "crisis_violence", ["he says he will kill me"])
    alarms = [(intent, text) for _, intent, text, _ in datacheck.crisis_false_alarms(tmp_path)]
    assert alarms == [("rights_work", "my boss says he will kill me if i quit")]


@pytest.mark.slow
def test_rasa_data_validate_is_clean() -> None:
    from bot.training import rasa_env

    result = subprocess.run(
        [sys.executable, "-m", "rasa", "data", "validate", "--domain", "domain.yml", "--data", "data",
         "--fail-on-warnings"],
        cwd=ROOT, env=rasa_env(), capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, (result.stdout + result.stderr)[-4000:]
