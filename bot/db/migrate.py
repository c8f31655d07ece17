"""Applies the Alembic migrations shipped in bot/db/migrations (what `bot db upgrade` runs)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import Connection, make_url

from bot.db.engine import SQLITE_BEGIN_OPTION, database_url, make_engine
from bot.db.schema import Base

ALEMBIC_INI = Path(__file__).resolve().with_name("alembic.ini")
# Any constant; PostgreSQL advisory lock serialising concurrent upgrades (several servers starting at once).
_PG_MIGRATION_LOCK = 0x7469636B  # "tick"

logger = logging.getLogger(__name__)


def owned_by_us(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    """Alembic `include_object`: only our tables; Rasa's tracker store keeps its `events` table here too."""
    if type_ == "table":
        return not reflected or name in Base.metadata.tables
    table = getattr(obj, "table", None)
    return table is None or table.name in Base.metadata.tables


def alembic_config(url: str | None = None) -> Config:
    """The Alembic configuration, located next to this module (works from an installed package)."""
    config = Config(str(ALEMBIC_INI))
    config.set_main_option("sqlalchemy.url", (url or database_url()).replace("%", "%%"))
    return config


def current_revision(connection: Connection) -> str | None:
    """The revision the database is at (None before the first upgrade)."""
    return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str | None:
    """The newest revision shipped with the code."""
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def upgrade(url: str | None = None) -> str | None:
    """Bring the database at `url` (default DATABASE_URL) to the newest revision; return that revision."""
    url = url or database_url()
    config = alembic_config(url)
    # BEGIN IMMEDIATE on SQLite and an advisory lock on PostgreSQL: concurrent upgrades queue.
    engine = make_engine(url).execution_options(**{SQLITE_BEGIN_OPTION: "IMMEDIATE"})
    try:
        with engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_MIGRATION_LOCK})
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
            revision = current_revision(connection)
    finally:
        engine.dispose()
    logger.info("database %s at revision %s", make_url(url).render_as_string(hide_password=True), revision)
    return revision
