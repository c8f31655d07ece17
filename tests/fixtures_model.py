"""Session-scoped `trained_model` fixture: the real full model, trained once if models/ has none."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.runtime.settings import load_settings
from bot.runtime.training import ensure_model


@pytest.fixture(scope="session")
def trained_model() -> Path:
    """The full model (config.yml) for the current sources; training takes a few minutes when missing."""
    return ensure_model(load_settings().models_dir)
