"""`rasa test core` on the test stories (tests/test_stories.yml) with the trained model."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from bot.training import rasa_env

ROOT = Path(__file__).resolve().parent.parent
pytestmark = [pytest.mark.slow, pytest.mark.model]


def test_stories_pass(test_model: Path, tmp_path: Path) -> None:
    out = tmp_path / "results"
    result = subprocess.run(
        [sys.executable, "-m", "rasa", "test", "core", "--model", str(test_model),
         "--stories", str(ROOT / "tests" / "test_stories.yml"), "--out", str(out),
         "--endpoints", str(ROOT / "endpoints.yml")],
        cwd=ROOT, env={**rasa_env(), "ACTION_ENDPOINT_URL": "http://127.0.0.1:9/webhook"},
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    failed = out / "failed_test_stories.yml"
    text = failed.read_text(encoding="utf-8") if failed.exists() else ""
    stories = (yaml.safe_load(text) or {}).get("stories") if text.strip() else None
    assert not stories, f"failed test stories:\n{text}"
    report = (
        yaml.safe_load((out / "story_report.json").read_text())
        if (out / "story_report.json").exists()
        else {}
    )
    assert report.get("conversation_accuracy", {}).get("accuracy", 1.0) == 1.0
