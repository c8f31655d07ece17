"""Tracker and lock stores chosen from the environment, against the real servers they name."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from rasa.core.lock_store import InMemoryLockStore, RedisLockStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.runtime.stores import EnvLockStore, UrlSQLTrackerStore, current_slot

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


@pytest.mark.parametrize("database", ["sqlite", "postgres"])
def test_tracker_store_appends_each_event_once_and_reads_the_latest_session(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, database: str
) -> None:
    monkeypatch.setenv("DATABASE_URL", request.getfixturevalue(f"{database}_url"))
    store = UrlSQLTrackerStore(DOMAIN)
    sender = f"store-{uuid.uuid4().hex[:8]}"
    first_session = [SessionStarted(timestamp=1.0), UserUttered("hi", timestamp=2.0)]
    tracker = DialogueStateTracker.from_events(sender, first_session, DOMAIN.slots)
    asyncio.run(store.save(tracker))
    asyncio.run(store.save(tracker))  # saving again adds nothing
    tracker.update(SlotSet("phone", "+8613812345678", timestamp=3.0))
    asyncio.run(store.save(tracker))
    assert [e.as_dict()["event"] for e in asyncio.run(store.retrieve(sender)).events] == [
        "session_started",
        "user",
        "slot",
    ]
    # A new session: the conversation continues from it, the full history keeps both.
    tracker.update(SessionStarted(timestamp=10.0))
    tracker.update(UserUttered("我的车坏了", timestamp=11.0))
    asyncio.run(store.save(tracker))
    latest = asyncio.run(store.retrieve(sender))
    assert [e.as_dict()["event"] for e in latest.events] == ["session_started", "user"]
    assert latest.latest_message.text == "我的车坏了"
    full = asyncio.run(store.retrieve_full_tracker(sender))
    assert len(full.events) == 5
    assert asyncio.run(store.retrieve(f"{sender}-unknown")) is None


def test_tracker_store_recounts_when_another_process_wrote_since_the_read(
    monkeypatch: pytest.MonkeyPatch, sqlite_url: str
) -> None:
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    ours, theirs = UrlSQLTrackerStore(DOMAIN), UrlSQLTrackerStore(DOMAIN)  # two server processes
    sender = f"store-{uuid.uuid4().hex[:8]}"
    asyncio.run(ours.save(DialogueStateTracker.from_events(sender, [UserUttered("hi")], DOMAIN.slots)))
    mine = asyncio.run(ours.retrieve(sender))
    other = asyncio.run(theirs.retrieve(sender))
    other.update(SlotSet("phone", "+8613812345678"))
    asyncio.run(theirs.save(other))
    # Our copy is now behind by one stored event; like Rasa's store, only events beyond the stored
    # count are appended, so nothing the other process wrote is duplicated.
    mine.update(UserUttered("my car broke down"))
    mine.update(UserUttered("on the highway"))
    asyncio.run(ours.save(mine))
    stored = asyncio.run(theirs.retrieve(sender))
    assert [e.as_dict()["event"] for e in stored.events] == ["user", "slot", "user"]
    assert stored.latest_message.text == "on the highway"


def test_current_slot_is_the_saved_one_until_another_process_stores_more(
    monkeypatch: pytest.MonkeyPatch, sqlite_url: str
) -> None:
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    ours, theirs = UrlSQLTrackerStore(DOMAIN), UrlSQLTrackerStore(DOMAIN)  # two server processes
    sender = f"store-{uuid.uuid4().hex[:8]}"
    assert asyncio.run(current_slot(ours, sender, "phone")) is None  # no conversation yet
    tracker = DialogueStateTracker.from_events(sender, [UserUttered("hi")], DOMAIN.slots)
    tracker.update(SlotSet("phone", "+8613812345678"))
    asyncio.run(ours.save(tracker))
    assert asyncio.run(ours.saved_slot(sender, "phone")) == (True, "+8613812345678")
    # Another process changes the slot: our remembered tracker is stale and the stored one is read.
    other = asyncio.run(theirs.retrieve(sender))
    other.update(SlotSet("phone", "+8613900000000"))
    asyncio.run(theirs.save(other))
    assert asyncio.run(ours.saved_slot(sender, "phone")) == (False, None)
    assert asyncio.run(current_slot(ours, sender, "phone")) == "+8613900000000"
    assert asyncio.run(current_slot(theirs, sender, "phone")) == "+8613900000000"
