"""Tracker and lock stores configured from the environment (DATABASE_URL, REDIS_URL)."""

from __future__ import annotations

import asyncio
import itertools
import json
import os
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from rasa.core.lock_store import InMemoryLockStore, LockStore
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import SessionStarted
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY
from sqlalchemy import Table, func, insert, or_, select
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.sql.elements import ColumnElement

from bot.db.engine import SQLITE_BEGIN_OPTION, database_url, make_engine
from bot.runtime.redis_locks import CheckedRedisLockStore

REDIS_URL_ENV = "REDIS_URL"
# Senders whose last read is remembered (to save without recounting); the oldest are forgotten.
MAX_REMEMBERED_READS = 10_000


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
        self._reads: OrderedDict[str, _Read] = OrderedDict()
        self._saves: OrderedDict[str, _Saved] = OrderedDict()

    async def _retrieve(
        self, sender_id: str, fetch_events_from_all_sessions: bool
    ) -> DialogueStateTracker | None:
        """The sender's tracker from the stored events (latest session unless all are asked for).

        The database work runs in a thread: on SQLite a statement can wait for another writer's commit,
        and the event loop serves every other conversation meanwhile.
        """
        return await asyncio.to_thread(self._retrieve_now, sender_id, fetch_events_from_all_sessions)

    def _retrieve_now(
        self, sender_id: str, fetch_events_from_all_sessions: bool
    ) -> DialogueStateTracker | None:
        """_retrieve, blocking."""
        events = self._events
        query = select(events.c.id, events.c.data).where(events.c.sender_id == sender_id)
        if not fetch_events_from_all_sessions:
            query = query.where(_in_latest_session_of(events, sender_id))
        with self.engine.connect() as connection:
            rows = connection.execute(query.order_by(events.c.id)).all()
        if not fetch_events_from_all_sessions:
            self._remember_read(sender_id, rows[-1].id if rows else None, len(rows))
        if not rows or self.domain is None:
            return None
        stored = [json.loads(row.data) for row in rows]
        return DialogueStateTracker.from_dict(sender_id, stored, self.domain.slots)

    def _remember_read(self, sender_id: str, last_id: int | None, stored: int) -> None:
        """Note how many latest-session events the database held when the sender was last read."""
        self._reads[sender_id] = _Read(last_id, stored)
        self._reads.move_to_end(sender_id)
        if len(self._reads) > MAX_REMEMBERED_READS:
            self._reads.popitem(last=False)

    def _stored_count(self, connection: Connection, sender_id: str) -> int:
        """Events of the sender's latest session in the database.

        Rows are only ever appended, so when the sender's highest event id is still the one seen by
        the last read (the normal case: a turn reads its tracker, then saves it under the conversation
        lock), the count is the one that read saw; otherwise it is counted.
        """
        events = self._events
        read = self._reads.pop(sender_id, None)
        if read is not None:
            last_id = connection.execute(
                select(func.max(events.c.id)).where(events.c.sender_id == sender_id)
            ).scalar_one()
            if last_id == read.last_id:
                return read.stored
        condition = (events.c.sender_id == sender_id) & _in_latest_session_of(events, sender_id)
        return connection.execute(select(func.count()).select_from(events).where(condition)).scalar_one()

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Append the tracker's events that the latest session in the database does not have yet.

        In a thread, like _retrieve: waiting for SQLite's write lock and the commit's fsync must not stop
        the event loop (the caller holds the conversation's lock, so the tracker does not change meanwhile).
        """
        await self.stream_events(tracker)
        await asyncio.to_thread(self._append, tracker)

    def _append(self, tracker: DialogueStateTracker) -> None:
        """save, blocking."""
        with self._writer.begin() as connection:
            stored = self._stored_count(connection, tracker.sender_id)
            rows = [
                _event_row(tracker.sender_id, event.as_dict(), event.type_name)
                for event in itertools.islice(tracker.events, stored, None)
            ]
            if rows:
                connection.execute(insert(self._events), rows)
            last_id = self._last_id(connection, tracker.sender_id)
        self._remember_save(tracker.sender_id, last_id, tracker.current_slot_values())

    def _last_id(self, connection: Connection, sender_id: str) -> int | None:
        """The id of the sender's newest stored event (rows are only ever appended)."""
        events = self._events
        return connection.execute(
            select(func.max(events.c.id)).where(events.c.sender_id == sender_id)
        ).scalar_one()

    def _remember_save(self, sender_id: str, last_id: int | None, slots: dict[str, Any]) -> None:
        """Note the slots of the tracker just saved and the sender's newest row after the save."""
        self._saves[sender_id] = _Saved(last_id, slots)
        self._saves.move_to_end(sender_id)
        if len(self._saves) > MAX_REMEMBERED_READS:
            self._saves.popitem(last=False)

    async def saved_slot(self, sender_id: str, slot: str) -> tuple[bool, Any]:
        """(True, value) of a slot as this process last saved the sender's tracker, if nothing was stored
        for the sender since (by another process); else (False, None): read the tracker instead."""
        saved = self._saves.get(sender_id)
        if saved is None:
            return False, None
        last_id = await asyncio.to_thread(self._newest_id, sender_id)
        if last_id != saved.last_id:
            return False, None
        return True, saved.slots.get(slot)

    def _newest_id(self, sender_id: str) -> int | None:
        """_last_id on a connection of its own, blocking."""
        with self.engine.connect() as connection:
            return self._last_id(connection, sender_id)


@dataclass(frozen=True)
class _Read:
    """What the database held for a sender when its latest session was read."""

    last_id: int | None
    stored: int


@dataclass(frozen=True)
class _Saved:
    """The slots of the tracker this process last saved for a sender, and its newest row after the save."""

    last_id: int | None
    slots: dict[str, Any]


def _in_latest_session_of(events: Table, sender_id: str) -> ColumnElement[bool]:
    """Events at or after the sender's latest session start (all events if it never started one)."""
    started = (
        select(func.max(events.c.timestamp))
        .where(events.c.sender_id == sender_id, events.c.type_name == SessionStarted.type_name)
        .scalar_subquery()
    )
    return or_(started.is_(None), events.c.timestamp >= started)


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
    """Redis lock store when REDIS_URL is set, else the in-memory lock store (single process).

    With Redis, a message that finds Redis unreachable is refused (bot.runtime.redis_locks).
    """

    def __new__(cls, endpoint_config: Any = None) -> LockStore:  # type: ignore[misc]
        """Pick the lock store implementation from the environment."""
        redis_url = os.environ.get(REDIS_URL_ENV)
        if not redis_url:
            return InMemoryLockStore()
        url = make_url(redis_url.replace("redis://", "redis+py://", 1))
        return CheckedRedisLockStore(
            host=url.host or "localhost",
            port=url.port or 6379,
            db=int(url.database or 1),
            username=url.username,
            password=url.password,
            key_prefix=os.environ.get("REDIS_KEY_PREFIX"),
        )


async def current_slot(tracker_store: Any, sender_id: str, slot: str) -> Any:
    """A slot of the sender's conversation: as this process just saved it when nothing was stored since,
    else from the tracker (rebuilt from every event of the session)."""
    store = tracker_store
    while store is not None and not isinstance(store, UrlSQLTrackerStore):
        store = getattr(store, "_tracker_store", None)  # Rasa's fail-safe and awaitable wrappers
    if store is not None:
        found, value = await store.saved_slot(sender_id, slot)
        if found:
            return value
    tracker = await tracker_store.retrieve(sender_id)
    return tracker.get_slot(slot) if tracker is not None else None
