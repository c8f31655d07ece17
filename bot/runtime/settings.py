"""Runtime settings from the environment, with the documented defaults of .env.example."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Settings:
    """Where the servers listen and what they connect to."""

    rasa_host: str
    rasa_port: int
    actions_port: int
    models_dir: Path
    auth_token: str | None
    action_endpoint: str | None = None

    @property
    def action_endpoint_url(self) -> str:
        """URL Rasa calls for custom actions (the local action server unless configured)."""
        return self.action_endpoint or f"http://127.0.0.1:{self.actions_port}/webhook"

    @property
    def rasa_url(self) -> str:
        """Base URL of the Rasa server."""
        return f"http://{self.rasa_host}:{self.rasa_port}"


def load_settings() -> Settings:
    """Read the settings from environment variables."""
    return Settings(
        rasa_host=os.environ.get("RASA_HOST", "127.0.0.1"),
        rasa_port=int(os.environ.get("RASA_PORT", "5005")),
        actions_port=int(os.environ.get("ACTIONS_PORT", "5055")),
        models_dir=Path(os.environ.get("MODELS_DIR", PROJECT_ROOT / "models")),
        auth_token=os.environ.get("RASA_AUTH_TOKEN") or None,
        action_endpoint=os.environ.get("ACTION_ENDPOINT_URL") or None,
    )


def local_settings(models_dir: Path) -> Settings:
    """Settings for a private pair of servers on free localhost ports (benchmark, tests)."""
    from bot.runtime.ports import free_port

    actions_port = free_port()
    return Settings(
        rasa_host="127.0.0.1",
        rasa_port=free_port(),
        actions_port=actions_port,
        models_dir=models_dir,
        auth_token=None,
        action_endpoint=f"http://127.0.0.1:{actions_port}/webhook",
    )
