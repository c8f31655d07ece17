"""Base of the database stores: read sessions and write transactions on the process-wide engine."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.orm import Session, sessionmaker

from bot.db.engine import SQLITE_BEGIN_OPTION, shared_engine

T = TypeVar("T")


class DatabaseStore:
    """Runs units of work against the database at `url`; blocking calls, run in a thread."""

    def __init__(self, url: str) -> None:
        """Use the process-wide engine of `url`."""
        engine = shared_engine(url)
        self._sessions = sessionmaker(engine, future=True, expire_on_commit=False)
        # Writers take the SQLite write lock up front, so they queue rather than fail upgrading a read lock.
        self._writer_sessions = sessionmaker(
            engine.execution_options(**{SQLITE_BEGIN_OPTION: "IMMEDIATE"}),
            future=True,
            expire_on_commit=False,
        )

    def _write(self, work: Callable[[Session], T]) -> T:
        """Run `work` in one write transaction and commit it."""
        with self._writer_sessions() as session, session.begin():
            return work(session)

    def _read(self, work: Callable[[Session], T]) -> T:
        """Run `work` in a read-only session."""
        with self._sessions() as session:
            return work(session)
