"""Runs the agent console under uvicorn (`python -m bot.console.server`, started by `bot run`)."""

from __future__ import annotations

import logging
import os

import uvicorn

from bot.console.app import ConsoleConfig, create_app
from bot.db.engine import database_url
from bot.runtime.secrets import secret
from bot.runtime.settings import load_settings

CONSOLE_HOST_ENV = "CONSOLE_HOST"
CONSOLE_PORT_ENV = "CONSOLE_PORT"
DEFAULT_CONSOLE_PORT = 5006
SESSION_SECRET_ENV = "CONSOLE_SESSION_SECRET"
SECURE_COOKIES_ENV = "CONSOLE_SECURE_COOKIES"


def console_port() -> int:
    """CONSOLE_PORT, 5006 by default."""
    return int(os.environ.get(CONSOLE_PORT_ENV) or DEFAULT_CONSOLE_PORT)


def console_host() -> str:
    """CONSOLE_HOST, 127.0.0.1 by default."""
    return os.environ.get(CONSOLE_HOST_ENV) or "127.0.0.1"


def config_from_environment() -> ConsoleConfig:
    """The console's configuration from the environment (secrets generated once when unset)."""
    return ConsoleConfig(
        database_url=database_url(),
        rasa_url=os.environ.get("CONSOLE_RASA_URL") or load_settings().rasa_url,
        session_secret=secret(SESSION_SECRET_ENV),
        secure_cookies=os.environ.get(SECURE_COOKIES_ENV, "") in ("1", "true", "yes"),
    )


def main() -> None:
    """Serve the console until interrupted."""
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    uvicorn.run(
        create_app(config_from_environment()),
        host=console_host(),
        port=console_port(),
        log_level="warning",
        ws="none",  # SSE only; Rasa pins a websockets release older than uvicorn's sans-io protocol
        timeout_graceful_shutdown=3,
    )


if __name__ == "__main__":
    main()
