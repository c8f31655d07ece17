"""Tracker and lock stores configured from the environment (DATABASE_URL, REDIS_URL)."""

from __future__ import annotations

import os
from typing import Any

from rasa.core.lock_store import InMemoryLockStore, LockStore, RedisLockStore
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from sqlalchemy.engine import make_url

from bot.db.engine import database_url

REDIS_URL_ENV = "REDIS_URL"


class UrlSQLTrackerStore(SQLTrackerStore):
    """Rasa's SQL tracker store on the same database as the tickets (DATABASE_URL, SQLite by default)."""

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
