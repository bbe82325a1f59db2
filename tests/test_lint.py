"""Our own code stays clean: ruff (with bugbear) and mypy, as `make lint` runs them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def test_ruff() -> None:
    result = subprocess.run([str(BIN / "ruff"), "check", "bot", "actions", "tests"], cwd=ROOT,
                            capture_output=True, text=True)  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:]


@pytest.mark.slow
def test_mypy() -> None:
    result = subprocess.run(
        [
            str(
                BIN / "mypy",
            ),
            "bot",
            "actions",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout[-3000:]
