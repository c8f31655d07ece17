"""Database URL from the environment and SQLAlchemy engines tuned per backend (SQLite WAL, PostgreSQL)."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.pool import QueuePool

DATABASE_URL_ENV = "DATABASE_URL"
DEFAULT_DATABASE_URL = "sqlite:///var/bot.db"
SQLITE_BUSY_TIMEOUT_S = 30
# Execution option naming the SQLite BEGIN mode ("IMMEDIATE" for writers); see make_engine.
SQLITE_BEGIN_OPTION = "sqlite_begin"

_shared: dict[str, Engine] = {}
_shared_lock = threading.Lock()


def _sqlite_file(url: URL) -> Path | None:
    """The database file of a SQLite URL, or None for other backends and in-memory databases."""
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    if url.database.startswith("file:"):  # URI filenames are passed through untouched
        return None
    return Path(url.database)


def _ensure_parent_dir(url: URL) -> None:
    """Create the directory of a SQLite file (var/ by default) so the first connect does not fail."""
    path = _sqlite_file(url)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)


def database_url() -> str:
    """DATABASE_URL, or SQLite at var/bot.db relative to the working directory (the repo root)."""
    url = os.environ.get(DATABASE_URL_ENV) or DEFAULT_DATABASE_URL
    _ensure_parent_dir(make_url(url))
    return url


def _configure_sqlite(engine: Engine) -> None:
    """WAL, foreign keys and a busy timeout on every connection; SQLAlchemy emits BEGIN itself.

    pysqlite opens transactions lazily and never for SELECT, which breaks transactional DDL and lets
    two writers both read before either writes; the documented SQLAlchemy recipe turns that off and
    emits BEGIN from the "begin" event, so writers can ask for BEGIN IMMEDIATE and queue on the busy
    timeout instead of failing with "database is locked" when they upgrade a read lock.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_S * 1000}")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        mode = connection.get_execution_options().get(SQLITE_BEGIN_OPTION, "")
        connection.exec_driver_sql(f"BEGIN {mode}".strip())


def make_engine(url: str | URL, *, pooled: bool = False) -> Engine:
    """A new engine for `url` (SQLite file or PostgreSQL), 2.0-style (future=True).

    SQLAlchemy 1.4 opens a new connection per checkout for SQLite files; `pooled` keeps them open
    (SQLAlchemy 2.0's default), for a process that touches the database on every request.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        _ensure_parent_dir(parsed)
        engine = create_engine(
            parsed,
            future=True,
            connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S, "check_same_thread": False},
            poolclass=QueuePool if pooled else None,
        )
        _configure_sqlite(engine)
        return engine
    return create_engine(parsed, future=True, pool_pre_ping=True)


def shared_engine(url: str) -> Engine:
    """One engine per URL per process (engines own connection pools; one per database is the norm).

    Pooled: the stores on it (tickets, channel records) are used on every message, and opening a SQLite
    connection (with its PRAGMAs) cost more than the statement it was opened for.
    """
    with _shared_lock:
        engine = _shared.get(url)
        if engine is None:
            engine = _shared[url] = make_engine(url, pooled=True)
        return engine


def dispose_shared_engine(url: str) -> None:
    """Close the pooled connections of the shared engine for `url` and forget it (before a DROP DATABASE)."""
    with _shared_lock:
        engine = _shared.pop(url, None)
    if engine is not None:
        engine.dispose()
