"""A throw-away SQLite database for the benchmark's conversations and tickets."""

from __future__ import annotations

import os
from pathlib import Path

DATABASE_URL_ENV = "DATABASE_URL"


def sqlite_url(directory: Path) -> str:
    """URL of a SQLite file in `directory` (so benchmark traffic never reaches var/bot.db)."""
    return f"sqlite:///{directory / 'bench.db'}"


def prepare_database(url: str) -> None:
    """Apply the project's migrations to `url` (DATABASE_URL points there for the duration)."""
    from bot.db.migrate import upgrade

    previous = os.environ.get(DATABASE_URL_ENV)
    os.environ[DATABASE_URL_ENV] = url
    try:
        upgrade()
    finally:
        if previous is None:
            os.environ.pop(DATABASE_URL_ENV, None)
        else:
            os.environ[DATABASE_URL_ENV] = previous
