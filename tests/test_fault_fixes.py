"""Runtime fixes for faults (action server, database, Redis) against Rasa's own classes and real servers."""

from __future__ import annotations

import asyncio
import json
import threading
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiohttp import web
from rasa.core.actions.action import RemoteAction
from rasa.core.lock_store import RedisLockStore
from rasa.core.tracker_store import FailSafeTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.exceptions import RasaException
from rasa.utils.endpoints import EndpointConfig
from sqlalchemy import text

from bot.runtime import action_outage, tracker_store_failures
from bot.runtime.outage_markers import NOTICE_KEY, NOTICE_NAME, PENDING_KEY, REPLAY_OF_KEY
from bot.runtime.ports import free_port
from bot.runtime.redis_locks import CheckedRedisLockStore, LockStoreUnavailable
from bot.runtime.stores import UrlSQLTrackerStore
from tests.own_services import own_redis

DOMAIN = Domain.from_dict({"slots": {"phone": {"type": "text", "mappings": []}}})
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _tracker() -> DialogueStateTracker:
    return DialogueStateTracker.from_events("outage-test", [UserUttered("hi")], DOMAIN.slots)


async def _with_server(handler: Handler, port: int, work: Callable[[], Awaitable[Any]]) -> Any:
    """Run `work` while an aiohttp server answers POST /webhook on `port` with `handler`."""
    app = web.Application()
    app.router.add_post("/webhook", handler)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        return await work()
    finally:
        await runner.cleanup()


def _run_action(port: int) -> Awaitable[Any]:
    action = RemoteAction("action_test", EndpointConfig(f"http://127.0.0.1:{port}/webhook"))
    return action_outage.run_with_deadline(action, None, None, _tracker(), DOMAIN)  # type: ignore[arg-type]


def test_unreachable_action_server_is_an_outage_not_rasas_generic_failure() -> None:
    port = free_port()  # nobody listens
    action = RemoteAction("action_test", EndpointConfig(f"http://127.0.0.1:{port}/webhook"))
    with pytest.raises(RasaException, match="Couldn't connect"):  # Rasa's behaviour, for the record
        asyncio.run(action_outage._rasa_run(action, None, None, _tracker(), DOMAIN))  # type: ignore[arg-type]
    with pytest.raises(action_outage.ActionServerUnavailable, match="could not be reached"):
        asyncio.run(_run_action(port))


def test_slow_action_server_times_out_after_the_configured_seconds(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(action_outage.ACTION_TIMEOUT_ENV, "0.5")
    port = free_port()

    async def slow(request: web.Request) -> web.Response:
        await asyncio.sleep(30)
        return web.json_response({"events": [], "responses": []})

    with pytest.raises(action_outage.ActionServerUnavailable, match=r"within 0\.5 s"):
        asyncio.run(_with_server(slow, port, lambda: _run_action(port)))


def test_connection_is_retried_until_the_action_server_is_up() -> None:
    port = free_port()

    async def answer(request: web.Request) -> web.Response:
        return web.json_response({"events": [SlotSet("phone", "+8613812345678").as_dict()], "responses": []})

    async def scenario() -> Any:
        call = asyncio.ensure_future(_run_action(port))
        await asyncio.sleep(0.1)  # the first attempt fails: nothing listens yet
        return await _with_server(answer, port, lambda: call)

    (event,) = asyncio.run(scenario())
    assert event == SlotSet("phone", "+8613812345678")


def test_an_action_that_fails_keeps_rasas_behaviour() -> None:
    port = free_port()

    async def broken(request: web.Request) -> web.Response:
        return web.Response(status=500, text="boom")

    with pytest.raises(RasaException) as raised:
        asyncio.run(_with_server(broken, port, lambda: _run_action(port)))
    assert not isinstance(raised.value, action_outage.ActionServerUnavailable)


def test_kept_messages_are_pending_until_a_replay_of_them_is_kept() -> None:
    first = UserUttered("Bora", message_id="m1", metadata={PENDING_KEY: "down"})
    second = UserUttered("13812345678", message_id="m2", metadata={PENDING_KEY: "down"})
    assert action_outage.pending_messages([UserUttered("hi"), first, second]) == [first, second]
    replay = action_outage.replay_copy(first)
    assert replay.metadata == {REPLAY_OF_KEY: "m1"}
    assert replay.text == "Bora" and replay.timestamp > first.timestamp
    assert action_outage.pending_messages([first, second, replay]) == [second]
    unreachable = BotUttered("kept", metadata={NOTICE_KEY: NOTICE_NAME})
    timed_out = BotUttered(
        "kept", metadata={NOTICE_KEY: NOTICE_NAME, action_outage.TIMED_OUT_REPLAY_KEY: "m1"}
    )
    assert action_outage.pending_messages([first, *[unreachable] * 10]) == [first]  # a long outage
    given_up = [first, second, *[timed_out] * action_outage.MAX_REPLAYS]  # its own replay never answered
    assert action_outage.pending_messages(given_up) == [second]
    assert action_outage.pending_messages(given_up[:-1]) == [first, second]


def test_database_failure_refuses_the_turn_instead_of_using_memory(
    monkeypatch: pytest.MonkeyPatch, fresh_sqlite_url: str
) -> None:
    monkeypatch.setenv("DATABASE_URL", fresh_sqlite_url)
    primary = UrlSQLTrackerStore(DOMAIN)
    store = FailSafeTrackerStore(primary)
    tracker = _tracker()
    asyncio.run(store.save(tracker))
    with primary.engine.begin() as connection:
        connection.execute(text("DROP TABLE events"))  # the database fails every query from now on
    # Rasa's fail-safe store: a failed read looks like a new conversation, a failed save goes to memory.
    assert asyncio.run(store.retrieve(tracker.sender_id)) is None
    asyncio.run(store.save(tracker))
    assert asyncio.run(store.fallback_tracker_store.retrieve(tracker.sender_id)) is not None
    monkeypatch.setattr(FailSafeTrackerStore, "retrieve", tracker_store_failures.retrieve)
    monkeypatch.setattr(FailSafeTrackerStore, "save", tracker_store_failures.save)
    refused = FailSafeTrackerStore(primary)
    with pytest.raises(tracker_store_failures.TrackerStoreUnavailable):
        asyncio.run(refused.retrieve(tracker.sender_id))
    with pytest.raises(tracker_store_failures.TrackerStoreUnavailable):
        asyncio.run(refused.save(tracker))
    assert refused._fallback_tracker_store is None  # nothing was kept in memory


def test_redis_locks_are_exclusive_and_an_outage_refuses_clearly(caplog: pytest.LogCaptureFixture) -> None:
    with own_redis() as server:

        def store() -> CheckedRedisLockStore:
            return CheckedRedisLockStore(
                host="localhost", port=server.port, key_prefix=f"t{uuid.uuid4().hex[:6]}"
            )

        prefix = f"t{uuid.uuid4().hex[:6]}"
        stores = [CheckedRedisLockStore(port=server.port, key_prefix=prefix) for _ in range(4)]
        assert all(isinstance(s, RedisLockStore) for s in stores)
        tickets: list[int] = []

        def issue(lock_store: CheckedRedisLockStore) -> None:  # four processes taking tickets at once
            for _ in range(25):
                tickets.append(lock_store.issue_ticket("conversation-1"))

        threads = [threading.Thread(target=issue, args=(s,)) for s in stores]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(tickets) == list(range(100))  # no ticket issued twice: never two holders at once

        one = store()

        async def handle() -> str:
            async with one.lock("conversation-2"):
                return "handled"

        assert asyncio.run(handle()) == "handled"
        server.kill()
        started = time.monotonic()
        with pytest.raises(LockStoreUnavailable, match="Redis lock store at localhost:"):
            asyncio.run(handle())
        assert time.monotonic() - started < 30  # refused, not hanging
        assert any("unreachable" in r.getMessage() and r.levelname == "ERROR" for r in caplog.records)
        server.start()  # same port: the store reconnects by itself
        assert asyncio.run(handle()) == "handled"
        raw = one.red.get(one.key_prefix + "conversation-2")
        assert raw is None or json.loads(raw)["tickets"] == []
