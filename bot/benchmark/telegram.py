"""Telegram figures: time from a customer's update to the bot's sendMessage arriving at a local Bot API
server.

The servers run the Telegram channel against the Bot API test server (tests/telegram_api_server.py) on a
port chosen before they start. Each simulated customer (a private chat) posts updates to the webhook as
Telegram does; a turn's latency is from the POST to the first sendMessage for that chat. The next message
waits until the update is handled (its state in the update log), as a customer waits for the answer; a turn
handled without any reply (the script asks for a human and the handoff gate holds the conversation) is
counted apart, not as a latency.
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
from bot.benchmark.stats import LoadResult, p95_target_line
from bot.channels.channel_store import ChannelStore
from bot.channels.models import UpdateState
from bot.channels.telegram import SECRET_HEADER
from bot.runtime.ports import free_port

TARGET = "Telegram reply"
TURNS = {1: (60, 20), 10: (250, 80)}  # concurrency -> (turns in a full run, turns with --quick)
P95_TARGET_MS = 300.0
TURN_TIMEOUT_S = 60.0
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


async def _handled(store: ChannelStore, update_id: int) -> None:
    """Wait until the assistant finished handling an update."""
    deadline = time.monotonic() + TURN_TIMEOUT_S
    while time.monotonic() < deadline:
        if await asyncio.to_thread(store.update_state, update_id) not in (None, UpdateState.RECEIVED):
            return
        await asyncio.sleep(0.02)
    raise asyncio.TimeoutError


async def run_telegram_load(
    webhook_url: str,
    secret: str,
    chats: Chats,
    store: ChannelStore,
    concurrency: int,
    total: int,
    conversations: Sequence[Sequence[str]] = CONVERSATIONS,
) -> LoadResult:
    """`concurrency` customers (a new chat per script) send scripted messages until `total` turns."""
    result = LoadResult(TARGET, concurrency)
    remaining = total
    silent = 0  # turns that got no reply by design (a conversation waiting for an agent)
    numbers = itertools.count()
    update_ids = itertools.count(random.randrange(10**6, 10**9) * 1000)

    async def customer(http: aiohttp.ClientSession) -> None:
        nonlocal remaining, silent
        while remaining > 0:
            script = conversations[next(numbers) % len(conversations)]
            chat = random.randrange(10**9, 10**10)
            for text in script:
                if remaining <= 0:
                    return
                remaining -= 1
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
                    handled = asyncio.ensure_future(_handled(store, update_id))
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
        await asyncio.gather(*(customer(http) for _ in range(concurrency)))
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
    store = ChannelStore(database_url)
    webhook_url = f"{rasa_url}{WEBHOOK_PATH}"
    api = BotApiServer(bench.token)
    api.listeners.append(chats.on_call)
    await api.start(bench.port)
    try:
        await run_telegram_load(webhook_url, bench.secret, chats, store, 2, 10)
        results = []
        for concurrency, (full, short) in TURNS.items():
            load = await run_telegram_load(
                webhook_url, bench.secret, chats, store, concurrency, short if quick else full
            )
            results.append(load)
        return results
    finally:
        await api.stop()


def telegram_target_line(results: Sequence[LoadResult]) -> str | None:
    """PASS/MISS of the Telegram target: p95 <= 300 ms at 10 concurrent customers."""
    return p95_target_line(results, TARGET, "Telegram reply", P95_TARGET_MS)


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
    for result in results:
        print(
            f"{result.target} at {result.concurrency} concurrent: p50 {result.p(50):.1f} ms, "
            f"p95 {result.p(95):.1f} ms, {result.requests} turns, {result.errors} errors, "
            f"{result.per_second:.1f} msg/s"
        )
    line = telegram_target_line(results)
    if line:
        print(line)
    return 1 if any(r.errors for r in results) else 0


if __name__ == "__main__":
    import sys

    sys.exit(main("--quick" in sys.argv))
