"""Telegram figures: time from a customer's update to the bot's sendMessage arriving at a local Bot API
server.

The servers run the Telegram channel against the Bot API test server (tests/telegram_api_server.py) on a
port chosen before they start. Each simulated customer (a private chat) posts updates to the webhook as
Telegram does; a turn's latency is from the POST to the first sendMessage for that chat. The next message
waits until the update is handled (its state in the update log, read for all customers at once by one
watcher), as a customer waits for the answer, and then, at the think-time level, for the customer to read
and type (bot.benchmark.think). A turn handled without any reply (the script asks for a human and the
handoff gate holds the conversation) is counted apart, not as a latency.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import random
import secrets
import time
from collections.abc import Sequence
from dataclasses import dataclass

import aiohttp

from bot.benchmark.messages import CONVERSATIONS
from bot.benchmark.stats import LoadResult
from bot.benchmark.think import ThinkTime
from bot.benchmark.webchat import LEVELS, channel_target_lines, print_results
from bot.channels.channel_store import ChannelStore
from bot.channels.models import UpdateState
from bot.channels.telegram import SECRET_HEADER
from bot.runtime.ports import free_port

TARGET = "Telegram reply"  # closed loop, no think time
THINK_TARGET = "Telegram + think"  # customers who read the reply and type (the target's figure)
TURN_TIMEOUT_S = 60.0
WATCH_INTERVAL_S = 0.02
WEBHOOK_PATH = "/webhooks/telegram/webhook"


@dataclass(frozen=True)
class TelegramBench:
    """The fake Bot API's port and the bot's credentials, fixed before the servers start."""

    port: int
    token: str
    secret: str

    def env(self) -> dict[str, str]:
        """Environment for the servers: the Telegram channel on the local Bot API server."""
        return {
            "TELEGRAM_BOT_TOKEN": self.token,
            "TELEGRAM_WEBHOOK_SECRET": self.secret,
            "TELEGRAM_API_URL": f"http://127.0.0.1:{self.port}/bot",
        }


def telegram_bench() -> TelegramBench:
    """Credentials and a free port for one benchmark run."""
    return TelegramBench(
        free_port(), f"{random.randrange(10**9)}:{secrets.token_urlsafe(24)}", secrets.token_urlsafe(24)
    )


class Chats:
    """Futures resolved when the Bot API server receives a sendMessage for a chat."""

    def __init__(self) -> None:
        self.waiting: dict[int, asyncio.Future[float]] = {}

    def on_call(self, call: object) -> None:
        """Listener of the Bot API server (runs in the benchmark's event loop)."""
        if getattr(call, "method", "") != "sendMessage":
            return
        try:
            chat = int(getattr(call, "params", {}).get("chat_id"))
        except (TypeError, ValueError):
            return
        future = self.waiting.get(chat)
        if future is not None and not future.done():
            future.set_result(getattr(call, "at", time.perf_counter()))


class HandledWatcher:
    """Tells when updates are handled: one task reads the states of all awaited updates in one query."""

    def __init__(self, store: ChannelStore) -> None:
        """Read the update log through `store`."""
        self.store = store
        self._waiting: dict[int, asyncio.Future[None]] = {}
        self._task: asyncio.Task[None] | None = None

    async def handled(self, update_id: int) -> None:
        """Wait until the assistant finished handling an update (TimeoutError after TURN_TIMEOUT_S)."""
        future = self._waiting[update_id] = asyncio.get_running_loop().create_future()
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._watch())
        try:
            await asyncio.wait_for(asyncio.shield(future), TURN_TIMEOUT_S)
        finally:
            self._waiting.pop(update_id, None)

    async def _watch(self) -> None:
        """Poll while anyone waits."""
        while self._waiting:
            ids = list(self._waiting)
            states = await asyncio.to_thread(self.store.update_states, ids)
            for update_id in ids:
                future = self._waiting.get(update_id)
                finished = states.get(update_id) not in (None, UpdateState.RECEIVED)
                if future is not None and not future.done() and finished:
                    future.set_result(None)
            await asyncio.sleep(WATCH_INTERVAL_S)


async def run_telegram_load(
    webhook_url: str,
    secret: str,
    chats: Chats,
    watcher: HandledWatcher,
    concurrency: int,
    total: int,
    conversations: Sequence[Sequence[str]] = CONVERSATIONS,
    think: ThinkTime | None = None,
) -> LoadResult:
    """`concurrency` customers (a new chat per script) send scripted messages until `total` turns.

    With `think`, each customer pauses before every message (the first pause, up to the longest, spreads
    the customers' arrivals instead of starting them all at once).
    """
    result = LoadResult(THINK_TARGET if think else TARGET, concurrency)
    remaining = total
    silent = 0  # turns that got no reply by design (a conversation waiting for an agent)
    numbers = itertools.count()
    update_ids = itertools.count(random.randrange(10**6, 10**9) * 1000)

    async def customer(http: aiohttp.ClientSession, index: int) -> None:
        nonlocal remaining, silent
        draws = think.for_customer(index) if think else None
        if think and draws:
            await asyncio.sleep(draws.uniform(0, think.high_s))
        first = True
        while remaining > 0:
            script = conversations[next(numbers) % len(conversations)]
            chat = random.randrange(10**9, 10**10)
            for text in script:
                if remaining <= 0:
                    return
                remaining -= 1
                if think and draws and not first:
                    await asyncio.sleep(think.pause(draws))
                first = False
                update_id = next(update_ids)
                update = {
                    "update_id": update_id,
                    "message": {
                        "message_id": update_id % 10**6,
                        "date": int(time.time()),
                        "chat": {"id": chat, "type": "private"},
                        "from": {"id": chat, "is_bot": False, "first_name": "Bench"},
                        "text": text,
                    },
                }
                reply = chats.waiting[chat] = asyncio.get_running_loop().create_future()
                started = time.perf_counter()
                try:
                    async with http.post(
                        webhook_url, data=json.dumps(update), headers={SECRET_HEADER: secret}
                    ) as response:
                        if response.status != 200:
                            result.errors += 1
                            continue
                    handled = asyncio.ensure_future(watcher.handled(update_id))
                    await asyncio.wait({reply, handled}, return_when=asyncio.FIRST_COMPLETED)
                    if reply.done():  # the reply arrives within the turn, before it is marked handled
                        result.latencies_ms.append((reply.result() - started) * 1000)
                        await handled
                    else:  # handled without a reply: the handoff gate holds it for an agent
                        await handled
                        silent += 1
                except (aiohttp.ClientError, asyncio.TimeoutError):
                    result.errors += 1
                finally:
                    chats.waiting.pop(chat, None)

    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=TURN_TIMEOUT_S)) as http:
        started = time.perf_counter()
        await asyncio.gather(*(customer(http, index) for index in range(concurrency)))
        result.wall_s = time.perf_counter() - started
    if silent:
        print(f"  ({silent} Telegram turn(s) at {concurrency} concurrent were held for an agent, no reply)")
    return result


async def measure_telegram(
    bench: TelegramBench, rasa_url: str, database_url: str, quick: bool
) -> list[LoadResult]:
    """Telegram latency at 1 and 10 concurrent customers (after a short warm-up)."""
    from tests.telegram_api_server import BotApiServer  # the tests' Bot API server doubles as the bench's

    chats = Chats()
    watcher = HandledWatcher(ChannelStore(database_url))
    webhook_url = f"{rasa_url}{WEBHOOK_PATH}"
    api = BotApiServer(bench.token)
    api.listeners.append(chats.on_call)
    await api.start(bench.port)
    try:
        await run_telegram_load(webhook_url, bench.secret, chats, watcher, 2, 10)
        results = []
        for level in LEVELS:
            turns = level.quick_turns if quick else level.turns
            results.append(
                await run_telegram_load(
                    webhook_url, bench.secret, chats, watcher, level.concurrency, turns, think=level.think
                )
            )
        return results
    finally:
        await api.stop()


def telegram_target_lines(results: Sequence[LoadResult]) -> list[str]:
    """PASS/MISS of the Telegram target (p95 <= 300 ms at 10 customers who read and type), and the same
    limit applied to the no-think stress level, which is shown but not the target."""
    return channel_target_lines(results, THINK_TARGET, TARGET, "Telegram reply")


def main(quick: bool = False) -> int:
    """Only the Telegram figures (`python -m bot.benchmark.telegram [--quick]`); `make bench` has all."""
    import tempfile
    from pathlib import Path

    from bot.benchmark.database import sqlite_url
    from bot.runtime.servers import running_servers
    from bot.runtime.settings import PROJECT_ROOT, load_settings, local_settings
    from bot.runtime.training import ensure_model

    model = ensure_model(load_settings().models_dir)
    bench = telegram_bench()
    with tempfile.TemporaryDirectory(prefix="bot-bench-db-") as tmp:
        database = sqlite_url(Path(tmp))
        env = {"DATABASE_URL": database, **bench.env()}
        log_dir = PROJECT_ROOT / "var" / "bench-logs" / "telegram"
        with running_servers(local_settings(model.parent), model, extra_env=env, log_dir=log_dir) as servers:
            results = asyncio.run(measure_telegram(bench, servers.settings.rasa_url, database, quick))
    print_results(results, telegram_target_lines(results))
    return 1 if any(r.errors for r in results) else 0


if __name__ == "__main__":
    import sys

    sys.exit(main("--quick" in sys.argv))
