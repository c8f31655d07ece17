"""Planner statistics after bulk loads (PostgreSQL chooses index-only scans only with fresh statistics), and
the settings of a report's transaction."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine


def analyze(engine: Engine) -> None:
    """VACUUM ANALYZE the tickets, customers and report facts on PostgreSQL; ANALYZE on SQLite."""
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            for table in ("tickets", "customers", "report_facts"):
                connection.execute(text(f"VACUUM ANALYZE {table}"))
    else:
        with engine.begin() as connection:
            connection.execute(text("ANALYZE"))


# A report's few statements each aggregate up to a few hundred thousand narrow rows: compiling them with JIT
# costs more than it saves (0.4 s of a 2 s page under load), and the default 4 MB sort memory spills the
# percentile sorts to disk.
_REPORT_SETTINGS = {"jit": "off", "work_mem": "64MB"}


def tune_report_transaction(connection: Connection) -> None:
    """PostgreSQL: settings for the report queries, for the current transaction only (SET LOCAL)."""
    if connection.dialect.name == "postgresql":
        for name, value in _REPORT_SETTINGS.items():
            connection.execute(text("SELECT set_config(:name, :value, true)"), {"name": name, "value": value})
