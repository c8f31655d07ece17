"""Tracker and lock stores configured from the environment (DATABASE_URL, REDIS_URL)."""

from __future__ import annotations

import itertools
import json
import os
from typing import Any

from rasa.core.lock_store import InMemoryLockStore, LockStore, RedisLockStore
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import SessionStarted
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY
from sqlalchemy import Table, func, insert, select
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.sql.elements import ColumnElement

from bot.db.engine import SQLITE_BEGIN_OPTION, database_url, make_engine

REDIS_URL_ENV = "REDIS_URL"


class UrlSQLTrackerStore(SQLTrackerStore):
    """Rasa's SQL tracker store on the same database as the tickets (DATABASE_URL, SQLite by default).

    Same table and rows as Rasa's store; the two queries of every turn (read the latest session, append
    the new events) are lean Core statements on a pooled engine. Rasa's versions build ORM objects for
    every stored event and count the session's events through a subquery of whole rows, which took a
    quarter of a turn's time.
    """

    def __init__(
        self, domain: Domain | None = None, host: str | None = None, event_broker: Any = None, **kwargs: Any
    ) -> None:
        """Connect to DATABASE_URL; `host` from endpoints.yml is ignored."""
        url = make_url(database_url())
        dialect = url.get_backend_name()
        super().__init__(
            domain=domain,
            dialect=dialect,
            host=url.host,
            port=url.port,
            db=url.database,
            username=url.username,
            password=url.password,
            event_broker=event_broker,
            query=dict(url.query),
            **kwargs,
        )
        # Rasa's engine created the tables; ours pools connections and sets SQLite's WAL and busy timeout.
        self.engine.dispose()
        self.engine = make_engine(url, pooled=True)
        self.sessionmaker.configure(bind=self.engine)
        # Appending reads the stored count first; on SQLite the write lock is taken up front (no upgrade).
        self._writer = self.engine.execution_options(**{SQLITE_BEGIN_OPTION: "IMMEDIATE"})
        self._events: Table = self.SQLEvent.__table__

    def _in_latest_session(self, connection: Connection, sender_id: str) -> ColumnElement[bool]:
        """Condition for the sender's events since their latest session start (all if none)."""
        events = self._events
        started = connection.execute(
            select(func.max(events.c.timestamp)).where(
                events.c.sender_id == sender_id, events.c.type_name == SessionStarted.type_name
            )
        ).scalar_one()
        condition = events.c.sender_id == sender_id
        return condition if started is None else condition & (events.c.timestamp >= started)

    async def _retrieve(
        self, sender_id: str, fetch_events_from_all_sessions: bool
    ) -> DialogueStateTracker | None:
        """The sender's tracker from the stored events (latest session unless all are asked for)."""
        events = self._events
        with self.engine.connect() as connection:
            condition = (
                events.c.sender_id == sender_id
                if fetch_events_from_all_sessions
                else self._in_latest_session(connection, sender_id)
            )
            rows = connection.execute(select(events.c.data).where(condition).order_by(events.c.id)).scalars()
            stored = [json.loads(data) for data in rows]
        if not stored or self.domain is None:
            return None
        return DialogueStateTracker.from_dict(sender_id, stored, self.domain.slots)

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Append the tracker's events that the latest session in the database does not have yet."""
        await self.stream_events(tracker)
        events = self._events
        with self._writer.begin() as connection:
            condition = self._in_latest_session(connection, tracker.sender_id)
            stored = connection.execute(
                select(func.count()).select_from(events).where(condition)
            ).scalar_one()
            rows = [
                _event_row(tracker.sender_id, event.as_dict(), event.type_name)
                for event in itertools.islice(tracker.events, stored, None)
            ]
            if rows:
                connection.execute(insert(events), rows)


def _event_row(sender_id: str, data: dict[str, Any], type_name: str) -> dict[str, Any]:
    """The `events` row Rasa's SQL tracker store writes for one event."""
    return {
        "sender_id": sender_id,
        "type_name": type_name,
        "timestamp": data.get("timestamp"),
        "intent_name": data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
        "action_name": data.get("name"),
        "data": json.dumps(data),
    }


class EnvLockStore(LockStore):
    """Redis lock store when REDIS_URL is set, else the in-memory lock store (single process)."""

    def __new__(cls, endpoint_config: Any = None) -> LockStore:  # type: ignore[misc]
        """Pick the lock store implementation from the environment."""
        redis_url = os.environ.get(REDIS_URL_ENV)
        if not redis_url:
            return InMemoryLockStore()
        url = make_url(redis_url.replace("redis://", "redis+py://", 1))
        return RedisLockStore(
            host=url.host or "localhost",
            port=url.port or 6379,
            db=int(url.database or 1),
            username=url.username,
            password=url.password,
            key_prefix=os.environ.get("REDIS_KEY_PREFIX"),
        )
