"""The maintainers' loop: from labelled questions to a better model, without breaking
what worked. The console runs the same steps (Questions page, "Train and evaluate").

    python -m bot.maintain status              # what is waiting to be exported
    python -m bot.maintain loop [--tolerance 0.02]
    python -m bot.maintain rollback            # back to the previous model and data
    python -m bot.maintain check-data          # the data checks (bot/datacheck.py)

`loop` does, in order:
1. snapshot the training data (var/releases/<time>/) so any step can be undone;
2. export labelled questions into data/nlu/<lang>/learned.yml (keeping the file's order
   and comments), and give each new intent its domain entry and a rule to
   `action_answer_learned`, whose answer is marked unreviewed in every language;
3. the data checks of bot/datacheck.py (a new intent needs at least 8 examples in each
   language it has any in), then `rasa data validate --fail-on-warnings`;
4. train a model (only from local files);
5. evaluate the running model and the new one on the held-out sets, per language;
6. load the new model into the running Rasa server only if no language's macro-F1 fell
   by more than the tolerance; otherwise restore the data and keep the old model.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import shutil
import subprocess
import sys
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional

import sqlalchemy as sa
from ruamel.yaml import YAML
from ruamel.yaml.scalarstring import LiteralScalarString

from bot import datacheck
from bot import language as lang_mod
from bot.settings import ROOT, VAR, get_settings
from bot.storage import models
from bot.storage.db import session_scope

RELEASES = VAR / "releases"
PLACEHOLDER = re.compile(r"\[(?:email|link|personnummer|phone|number|address|postcode)\]")
LEARNED_FILE = "learned.yml"


def _yaml() -> YAML:
    y = YAML()  # round-trip: keeps order and comments
    y.preserve_quotes = True  # type: ignore[assignment]
    y.width = 4096  # type: ignore[assignment]
    y.indent(mapping=2, sequence=2, offset=0)  # the style of data/nlu, so diffs show only additions
    return y


@dataclass
class Release:
    """What one run of the loop did."""

    exported: int = 0
    new_intents: List[str] = field(default_factory=list)
    model: Optional[str] = None
    previous_model: Optional[str] = None
    before: Dict[str, float] = field(default_factory=dict)
    after: Dict[str, float] = field(default_factory=dict)
    promoted: bool = False
    reason: str = ""
    release_id: Optional[int] = None
    exported_ids: List[int] = field(default_factory=list)

    def as_dict(self) -> Dict[str, Any]:
        return dict(self.__dict__)


# --- export -------------------------------------------------------------------------------


def snapshot(root: Path = ROOT) -> Path:
    """Copy what export changes (data/, domain.yml) to var/releases/<time>/."""
    target = RELEASES / dt.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    shutil.copytree(root / "data", target / "data")
    shutil.copy2(root / "domain.yml", target / "domain.yml")
    return target


def restore(snapshot_dir: Path, root: Path = ROOT) -> None:
    """Put back the training data of a snapshot."""
    shutil.rmtree(root / "data")
    shutil.copytree(snapshot_dir / "data", root / "data")
    shutil.copy2(snapshot_dir / "domain.yml", root / "domain.yml")


def _append_examples(path: Path, additions: Dict[str, List[str]]) -> None:
    """Add examples to intents in a Rasa NLU file, creating blocks and the file as needed."""
    y = _yaml()
    if path.exists():
        doc = y.load(path.read_text(encoding="utf-8"))
    else:
        doc = y.load(
            '# Examples maintainers labelled from real questions (bot/maintain.py adds to this file).\n'
            'version: "3.1"\nnlu: []\n'
        )  # fmt: skip
    blocks = {b["intent"]: b for b in doc["nlu"]}
    for intent, texts in additions.items():
        block = blocks.get(intent)
        existing = []
        if block is not None:
            existing = [
                line[2:].strip() for line in str(block["examples"]).splitlines() if line.startswith("- ")
            ]
        new = [t for t in texts if t not in existing]
        if not new:
            continue
        body = "".join(f"- {t}\n" for t in existing + new)
        if block is None:
            doc["nlu"].append({"intent": intent, "examples": LiteralScalarString(body)})
            blocks[intent] = doc["nlu"][-1]
        else:
            block["examples"] = LiteralScalarString(body)
    with path.open("w", encoding="utf-8") as f:
        y.dump(doc, f)


def _training_texts(root: Path) -> Dict[str, str]:
    """Every training text (lowercased) and its intent, to avoid contradicting labels."""
    out: Dict[str, str] = {}
    for code in lang_mod.codes():
        for text, intent in datacheck.training(code, root):
            out.setdefault(text.lower(), intent)
    return out


def _add_intents(root: Path, names: List[str]) -> None:
    """Domain entries and rules for new intents (comments and order kept)."""
    y = _yaml()
    domain_path = root / "domain.yml"
    domain = y.load(domain_path.read_text(encoding="utf-8"))
    for name in names:
        if name not in domain["intents"]:
            domain["intents"].append(name)
    with domain_path.open("w", encoding="utf-8") as f:
        y.dump(domain, f)
    rules_path = root / "data" / "rules.yml"
    rules = y.load(rules_path.read_text(encoding="utf-8"))
    present = {r["rule"] for r in rules["rules"]}
    for name in names:
        if f"learned {name}" not in present:
            rules["rules"].append(
                {"rule": f"learned {name}", "steps": [{"intent": name}, {"action": "action_answer_learned"}]}
            )
    with rules_path.open("w", encoding="utf-8") as f:
        y.dump(rules, f)


def export(root: Path = ROOT) -> Release:
    """Write labelled questions into the training data; new intents get their scaffolding."""
    release = Release()
    with session_scope() as s:
        rows = list(
            s.execute(sa.select(models.QuestionLog).where(models.QuestionLog.status == "labelled")).scalars()
        )
        learned = {r.name for r in s.execute(sa.select(models.LearnedIntent)).scalars()}
    domain_intents = set(_yaml().load((root / "domain.yml").read_text(encoding="utf-8"))["intents"])
    new_intents = sorted({r.label for r in rows if r.label in learned and r.label not in domain_intents})
    if new_intents:
        _add_intents(root, new_intents)
    known = _training_texts(root)
    held_out = datacheck.held_out_texts(root)
    by_language: Dict[str, Dict[str, List[str]]] = {}
    exported_ids: List[int] = []
    for r in rows:
        # Placeholders left by scrubbing ([phone], [address]) are not how people write.
        text = " ".join(PLACEHOLDER.sub(" ", r.text).split())
        if not text or known.get(text.lower(), r.label) != r.label:
            continue  # would contradict an existing example
        if text.lower() in held_out:
            continue  # an evaluation example: training on it would flatter the gate
        by_language.setdefault(r.language, {}).setdefault(r.label, []).append(text)
        exported_ids.append(r.id)
    for code, additions in by_language.items():
        target = root / "data" / "nlu" / code
        target.mkdir(parents=True, exist_ok=True)
        _append_examples(target / LEARNED_FILE, additions)
    release.exported = len(exported_ids)
    release.new_intents = new_intents
    release.exported_ids = exported_ids
    return release


def validate(root: Path = ROOT) -> None:
    """The data checks of bot/datacheck.py (a new intent with too few examples, say), then
    `rasa data validate`."""
    from bot.training import rasa_env

    report = datacheck.check(root, false_alarms=False)
    if not report.ok:
        raise RuntimeError("the training data has problems:\n" + "\n".join(report.errors[:30]))

    result = subprocess.run(
        [sys.executable, "-m", "rasa", "data", "validate", "--domain", str(root / "domain.yml"),
         "--data", str(root / "data"), "--fail-on-warnings"],
        cwd=ROOT, env=rasa_env(), capture_output=True, text=True,
    )  # fmt: skip
    if result.returncode != 0:
        raise RuntimeError("rasa data validate failed:\n" + (result.stdout + result.stderr)[-3000:])


# --- models -------------------------------------------------------------------------------


def running_model(rasa_url: str, token: str) -> Optional[str]:
    """The model file the running Rasa server uses (from GET /status)."""
    with urllib.request.urlopen(f"{rasa_url}/status?token={token}", timeout=10) as r:
        status = json.loads(r.read())
    name = status.get("model_file")
    if not name:
        return None
    path = Path(name)
    return str(path if path.is_absolute() else get_settings().model_dir / path.name)


def load_model(rasa_url: str, token: str, model_path: Path) -> None:
    """Make the running server use a model file from the local disk."""
    if not model_path.is_file():
        raise FileNotFoundError(model_path)
    request = urllib.request.Request(
        f"{rasa_url}/model?token={token}", data=json.dumps({"model_file": str(model_path.resolve())}).encode(),
        headers={"Content-Type": "application/json"}, method="PUT",
    )  # fmt: skip
    with urllib.request.urlopen(request, timeout=300) as r:
        if r.status not in (200, 204):
            raise RuntimeError(f"Rasa did not load the model: {r.status}")


def macro_f1_per_language(model: Path, holdout_dir: Path) -> Dict[str, float]:
    from bot.evaluate import evaluate

    result = evaluate(model, lang_mod.codes(), holdout_dir)
    return {code: r["raw_macro_f1"] for code, r in result["languages"].items()}


def loop(root: Path = ROOT, tolerance: float = 0.02, by: str = "cli",
         rasa_url: Optional[str] = None, token: Optional[str] = None,
         models_dir: Optional[Path] = None) -> Release:  # fmt: skip
    """Export, validate, train, evaluate, and promote or roll back (see the module docstring)."""
    from bot.training import ensure_model

    s = get_settings()
    rasa_url = rasa_url or s.rasa_url
    token = token or s.rasa_token
    snap = snapshot(root)
    release = export(root)
    exported_ids = release.exported_ids
    try:
        validate(root)
        previous = running_model(rasa_url, token)
        release.previous_model = previous
        candidate = ensure_model(quiet=True, root=root, models=models_dir or s.model_dir)
        release.model = str(candidate)
        holdout_dir = root / "tests" / "nlu_holdout"
        release.after = macro_f1_per_language(candidate, holdout_dir)
        release.before = macro_f1_per_language(Path(previous), holdout_dir) if previous else {}
        worse = {c: (release.before[c], f) for c, f in release.after.items()
                 if c in release.before and f < release.before[c] - tolerance}  # fmt: skip
        if worse:
            release.reason = "worse in " + ", ".join(
                f"{c} ({b:.3f} -> {a:.3f})" for c, (b, a) in worse.items()
            )
        else:
            load_model(rasa_url, token, candidate)
            release.promoted = True
            release.reason = "no language got worse beyond the tolerance"
    except Exception as e:
        release.reason = f"failed: {e}"
        restore(snap, root)
        _record(release, snap, by, exported_ids)
        raise
    if not release.promoted:
        restore(snap, root)
    _record(release, snap, by, exported_ids)
    return release


def _record(release: Release, snap: Path, by: str, exported_ids: List[int]) -> None:
    with session_scope() as s:
        row = models.ModelRelease(
            model_path=release.model or "", previous_model_path=release.previous_model, snapshot_dir=str(snap),
            status="promoted" if release.promoted else "rejected",
            metrics={"before": release.before, "after": release.after, "reason": release.reason,
                     "exported": release.exported, "new_intents": release.new_intents},
            created_at=models.utcnow(), created_by=by,
        )  # fmt: skip
        s.add(row)
        s.flush()
        release.release_id = int(row.id)
        if release.promoted and exported_ids:
            s.execute(
                sa.update(models.QuestionLog)
                .where(models.QuestionLog.id.in_(exported_ids))
                .values(status="exported", release_id=row.id)
            )


def rollback(root: Path = ROOT, rasa_url: Optional[str] = None, token: Optional[str] = None) -> str:
    """Undo the last promoted release: its data snapshot and the model before it."""
    s = get_settings()
    with session_scope() as session:
        row = (
            session.execute(
                sa.select(models.ModelRelease)
                .where(models.ModelRelease.status == "promoted")
                .order_by(models.ModelRelease.id.desc())
            )
            .scalars()
            .first()
        )
        if row is None or not row.previous_model_path:
            raise RuntimeError("there is no promoted release to roll back")
        previous, snap = Path(row.previous_model_path), Path(row.snapshot_dir or "")
        load_model(rasa_url or s.rasa_url, token or s.rasa_token, previous)
        if snap.exists():
            restore(snap, root)
        row.status = "rolled_back"
        session.execute(
            sa.update(models.QuestionLog).where(models.QuestionLog.release_id == row.id)
            .values(status="labelled", release_id=None)
        )  # fmt: skip
    return str(previous)


def status() -> Dict[str, int]:
    with session_scope() as s:
        counts = dict(
            s.execute(
                sa.select(models.QuestionLog.status, sa.func.count()).group_by(models.QuestionLog.status)
            ).all()
        )
    return {k: int(v) for k, v in counts.items()}


def check_data(root: Path = ROOT, quiet: bool = False) -> int:
    """Print the data checks; 1 if there are errors."""
    report = datacheck.check(root, false_alarms=not quiet)
    for line in report.errors:
        print(f"error: {line}")
    if not quiet:
        for line in report.warnings:
            print(f"warning: {line}")
    print(f"{len(report.errors)} errors, {len(report.warnings)} warnings")
    return 0 if report.ok else 1


def main(argv: Optional[List[str]] = None) -> int:
    from bot.storage.db import upgrade

    parser = argparse.ArgumentParser(prog="python -m bot.maintain", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    sub = parser.add_subparsers(dest="cmd", required=True)
    run = sub.add_parser("loop")
    run.add_argument("--tolerance", type=float, default=0.02)
    sub.add_parser("rollback")
    sub.add_parser("status")
    check = sub.add_parser("check-data", help="check training data and held-out sets (no database)")
    check.add_argument("--quiet", action="store_true", help="errors only, no warnings")
    args = parser.parse_args(argv)
    if args.cmd == "check-data":
        return check_data(quiet=args.quiet)
    upgrade()
    if args.cmd == "loop":
        release = loop(tolerance=args.tolerance)
        print(json.dumps(release.as_dict(), indent=2, ensure_ascii=False))
        return 0 if release.promoted else 3
    if args.cmd == "rollback":
        print(f"running model is now {rollback()}")
        return 0
    print(json.dumps(status(), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
