"""Tracker and lock stores chosen from the environment, against the real servers they name."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from rasa.core.lock_store import InMemoryLockStore, RedisLockStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.runtime.stores import EnvLockStore, UrlSQLTrackerStore

DOMAIN = Domain.from_dict({"slots": {"phone": {"type": "text", "mappings": []}}})


def test_lock_store_is_in_memory_without_redis(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("REDIS_URL", raising=False)
    assert isinstance(EnvLockStore(), InMemoryLockStore)


def test_lock_store_uses_redis_when_configured(monkeypatch: pytest.MonkeyPatch, redis_url: str) -> None:
    monkeypatch.setenv("REDIS_URL", redis_url)
    monkeypatch.setenv("REDIS_KEY_PREFIX", f"test{uuid.uuid4().hex[:6]}")
    store = EnvLockStore()
    assert isinstance(store, RedisLockStore)

    async def lock_twice() -> None:
        async with store.lock("conversation-1"):
            assert store.get_lock("conversation-1") is not None  # the lock lives in Redis while held
        assert store.get_lock("conversation-1") is None

    asyncio.run(lock_twice())


@pytest.mark.parametrize("database", ["sqlite", "postgres"])
def test_tracker_store_keeps_conversations_in_the_database(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, database: str
) -> None:
    monkeypatch.setenv("DATABASE_URL", request.getfixturevalue(f"{database}_url"))
    sender = f"store-{uuid.uuid4().hex[:8]}"
    tracker = DialogueStateTracker.from_events(
        sender, [UserUttered("我的电话是13812345678"), SlotSet("phone", "+8613812345678")], DOMAIN.slots
    )
    asyncio.run(UrlSQLTrackerStore(DOMAIN).save(tracker))
    # A second store object (a restarted server) reads the same conversation back.
    restored = asyncio.run(UrlSQLTrackerStore(DOMAIN).retrieve(sender))
    assert restored is not None
    assert restored.get_slot("phone") == "+8613812345678"
