"""Website chat figures: time from a customer's message to the reply shown, over socket.io.

Each simulated customer opens the support page (getting its session cookie), connects with
python-socketio's AsyncClient like the widget does, and sends scripted messages one after the other.
The latency of a turn is from emitting `message` to the first `bot` event (what the page shows); the
next message waits for the end of the turn (`typing` off), as a customer waits for the answer.
The client uses socket.io's long-polling transport (python-engineio's websocket client needs a newer
aiohttp than Rasa 3.6 allows); browsers use the websocket, so these figures are on the slow side.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Sequence

import aiohttp
import socketio

from bot.benchmark.messages import CONVERSATIONS
from bot.benchmark.stats import LoadResult, p95_target_line
from bot.channels.webchat import SOCKET_PATH
from bot.channels.webchat_session import COOKIE_NAME

TARGET = "web chat reply"
TURNS = {1: (60, 20), 10: (250, 80)}  # concurrency -> (turns in a full run, turns with --quick)
P95_TARGET_MS = 300.0
TURN_TIMEOUT_S = 60.0


class WebCustomer:
    """One customer on the support page: a session cookie and a socket."""

    def __init__(self, rasa_url: str) -> None:
        """A customer of the page at `rasa_url`/webhooks/webchat/."""
        self.rasa_url = rasa_url
        self.client = socketio.AsyncClient(reconnection=False)
        self._first_reply_at: float | None = None
        self._turn_over = asyncio.Event()
        self.client.on("bot", self._on_bot)
        self.client.on("typing", self._on_typing)

    async def _on_bot(self, message: object) -> None:
        if self._first_reply_at is None:
            self._first_reply_at = time.perf_counter()

    async def _on_typing(self, state: object) -> None:
        if isinstance(state, dict) and not state.get("on"):
            self._turn_over.set()

    async def connect(self, session: aiohttp.ClientSession) -> None:
        """Open the page (a new session cookie), then the socket with that cookie from the page's origin."""
        async with session.get(f"{self.rasa_url}/webhooks/webchat/") as page:
            page.raise_for_status()
            token = page.cookies[COOKIE_NAME].value
        headers = {"Cookie": f"{COOKIE_NAME}={token}", "Origin": self.rasa_url}
        await self.client.connect(
            self.rasa_url, headers=headers, transports=["polling"], socketio_path=SOCKET_PATH, wait_timeout=30
        )

    async def turn(self, text: str) -> float | None:
        """Send one message and wait for the turn to end; ms until the first reply, None if none came.

        No reply is not an error: a conversation handed to an agent waits for the agent.
        """
        self._first_reply_at = None
        self._turn_over.clear()
        started = time.perf_counter()
        await self.client.emit("message", {"text": text})
        await asyncio.wait_for(self._turn_over.wait(), TURN_TIMEOUT_S)
        return None if self._first_reply_at is None else (self._first_reply_at - started) * 1000

    async def close(self) -> None:
        """Disconnect the socket."""
        await self.client.disconnect()


async def run_web_load(
    rasa_url: str, concurrency: int, total: int, conversations: Sequence[Sequence[str]] = CONVERSATIONS
) -> LoadResult:
    """`concurrency` customers take scripted conversations (each a new session) until `total` turns."""
    result = LoadResult(TARGET, concurrency)
    remaining = total
    numbers = itertools.count()

    async def customer(session: aiohttp.ClientSession) -> None:
        nonlocal remaining
        while remaining > 0:
            script = conversations[next(numbers) % len(conversations)]
            web = WebCustomer(rasa_url)
            try:
                await web.connect(session)
            except (aiohttp.ClientError, socketio.exceptions.ConnectionError, asyncio.TimeoutError):
                result.errors += 1
                remaining -= 1
                continue
            try:
                for text in script:
                    if remaining <= 0:
                        return
                    remaining -= 1
                    try:
                        elapsed_ms = await web.turn(text)
                    except asyncio.TimeoutError:
                        result.errors += 1
                    else:
                        if elapsed_ms is not None:
                            result.latencies_ms.append(elapsed_ms)
            finally:
                await web.close()

    # No cookie jar: every page visit is a new customer (a shared jar would put everyone in one conversation).
    jar = aiohttp.DummyCookieJar()
    async with aiohttp.ClientSession(cookie_jar=jar, timeout=aiohttp.ClientTimeout(total=60)) as session:
        started = time.perf_counter()
        await asyncio.gather(*(customer(session) for _ in range(concurrency)))
        result.wall_s = time.perf_counter() - started
    return result


async def measure_webchat(rasa_url: str, quick: bool) -> list[LoadResult]:
    """The web chat latency at 1 and 10 concurrent customers (after a short warm-up)."""
    await run_web_load(rasa_url, 2, 10)
    results = []
    for concurrency, (full, short) in TURNS.items():
        results.append(await run_web_load(rasa_url, concurrency, short if quick else full))
    return results


def webchat_target_line(results: Sequence[LoadResult]) -> str | None:
    """PASS/MISS of the web chat target: p95 <= 300 ms at 10 concurrent customers."""
    return p95_target_line(results, TARGET, "web chat reply", P95_TARGET_MS)
