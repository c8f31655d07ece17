"""Secrets from the environment, or a random one generated on first use and kept under var/secrets/."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from bot.runtime.settings import PROJECT_ROOT

SECRETS_DIR_ENV = "BOT_SECRETS_DIR"


def _secrets_dir() -> Path:
    """Where generated secrets live (var/secrets by default; tests point it elsewhere)."""
    return Path(os.environ.get(SECRETS_DIR_ENV) or PROJECT_ROOT / "var" / "secrets")


def secret(env_name: str, nbytes: int = 32) -> str:
    """The value of `env_name`, or a generated secret stored (mode 0600) so every process shares it."""
    value = os.environ.get(env_name)
    if value:
        return value
    path = _secrets_dir() / env_name.lower()
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        candidate = secrets.token_urlsafe(nbytes)
        try:
            # O_EXCL: when two processes start at once, exactly one writes and both read its value.
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(candidate)
    return path.read_text().strip()
