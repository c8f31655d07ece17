"""Planner statistics after bulk loads (PostgreSQL chooses index-only scans only with fresh statistics)."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.engine import Engine


def analyze(engine: Engine) -> None:
    """VACUUM ANALYZE the tickets and customers on PostgreSQL; ANALYZE on SQLite."""
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE tickets"))
            connection.execute(text("VACUUM ANALYZE customers"))
    else:
        with engine.begin() as connection:
            connection.execute(text("ANALYZE"))
