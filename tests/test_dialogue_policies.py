"""Rasa's own checks: the training data validates, and the test stories are predicted without error."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from bot.runtime.settings import PROJECT_ROOT


def rasa(*args: str) -> subprocess.CompletedProcess[str]:
    """Run the rasa CLI of this environment in the project root."""
    return subprocess.run(
        [sys.executable, "-m", "rasa", *args], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=900
    )


def test_rasa_data_validate_passes() -> None:
    result = rasa("data", "validate", "--domain", "domain", "--data", "data", "--config", "config.yml")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


def test_test_stories_are_predicted_without_errors(trained_model: Path, tmp_path: Path) -> None:
    result = rasa(
        "test",
        "core",
        "--model",
        str(trained_model),
        "--stories",
        "tests/test_stories.yml",
        "--out",
        str(tmp_path),
        "--fail-on-prediction-errors",
    )
    failed = tmp_path / "failed_test_stories.yml"
    details = failed.read_text() if failed.exists() else ""
    assert result.returncode == 0, details or (result.stdout[-3000:] + result.stderr[-3000:])
    report = json.loads((tmp_path / "story_report.json").read_text())
    assert report["weighted avg"]["f1-score"] == 1.0
