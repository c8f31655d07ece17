"""A throw-away SQLite database for the benchmark's conversations and tickets."""

from __future__ import annotations

from pathlib import Path


def sqlite_url(directory: Path) -> str:
    """URL of a SQLite file in `directory` (so benchmark traffic never reaches var/bot.db)."""
    return f"sqlite:///{directory / 'bench.db'}"
