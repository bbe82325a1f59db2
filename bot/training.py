"""Train the Rasa model only when what it is trained from has changed.

    python -m bot.training            # the model (make train, make run, make test)

The fingerprint covers config.yml, domain.yml, everything under data/ and the code that
shapes training (the tokenizer, text folding and the intent classifier; the other
components are not trained). A model is stored as models/kompis-<fingerprint>.tar.gz, so
a second run with unchanged inputs trains nothing. Training takes under two minutes.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, List, Optional

ROOT = Path(__file__).resolve().parent.parent
MODELS = ROOT / "models"


def _inputs(root: Path) -> List[Path]:
    nlu = ROOT / "bot" / "nlu"
    files = [root / "config.yml", root / "domain.yml", nlu / "tokenizer.py", nlu / "normalize.py",
             nlu / "classifier.py"]  # fmt: skip
    files += sorted(p for p in (root / "data").rglob("*") if p.is_file())
    return files


def fingerprint(root: Path = ROOT) -> str:
    """A hash of every training input (paths and contents)."""
    h = hashlib.sha256()
    for path in _inputs(root):
        h.update(
            path.name.encode() if not path.is_relative_to(root) else str(path.relative_to(root)).encode()
        )
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


def model_name(root: Path = ROOT) -> str:
    return f"kompis-{fingerprint(root)}"


def model_path(root: Path = ROOT, models: Path = MODELS) -> Path:
    return models / f"{model_name(root)}.tar.gz"


def rasa_env() -> Dict[str, str]:
    env = dict(os.environ)
    env.setdefault("RASA_TELEMETRY_ENABLED", "false")
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    env.setdefault("PYTHONWARNINGS", "ignore")
    env.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")
    return env


def ensure_model(quiet: bool = False, root: Path = ROOT, models: Path = MODELS) -> Path:
    """The model for the current inputs, trained first if it does not exist yet.

    `root` holds config.yml, domain.yml and data/ (the maintainers' loop trains from a
    working copy); models are written to `models`.
    """
    path = model_path(root, models)
    if path.exists():
        if not quiet:
            print(f"Model is up to date: {path.name}")
        return path
    models.mkdir(parents=True, exist_ok=True)
    config = root / "config.yml"
    cmd = [
        sys.executable, "-m", "rasa", "train",
        "--config", str(config),
        "--domain", str(root / "domain.yml"),
        "--data", str(root / "data"),
        "--out", str(models),
        "--fixed-model-name", model_name(root),
    ]  # fmt: skip
    print("Training the model (inputs changed) ...", flush=True)
    started = time.monotonic()
    result = subprocess.run(
        cmd,
        cwd=ROOT,
        env=rasa_env(),
        stdout=subprocess.DEVNULL if quiet else None,
        stderr=subprocess.PIPE if quiet else None,
        text=True,
    )
    if result.returncode != 0 or not path.exists():
        detail = (result.stderr or "")[-3000:] if quiet else ""
        raise RuntimeError(f"rasa train failed ({result.returncode}).\n{detail}")
    seconds = time.monotonic() - started
    print(f"Trained {path.name} in {seconds:.0f} s ({path.stat().st_size / 1e6:.1f} MB)")
    _prune(keep=path, models=models)
    return path


def _prune(keep: Path, models: Path = MODELS, keep_count: int = 3) -> None:
    """Keep the newest models (older ones allow going back)."""
    found = list(models.glob("kompis-*.tar.gz"))
    found.sort(key=lambda p: p.stat().st_mtime, reverse=True)
    for old in found[keep_count:]:
        if old != keep:
            old.unlink()


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.parse_args(argv)
    ensure_model()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
