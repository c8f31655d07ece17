"""Website chat figures: time from a customer's message to the reply shown, over socket.io.

Each simulated customer opens the support page (getting its session cookie), connects with
python-socketio's AsyncClient over a websocket, as the widget in a browser does, and sends scripted
messages one after the other. The latency of a turn is from emitting `message` to the first `bot` event
(what the page shows); the next message waits for the end of the turn (`typing` off), as a customer waits
for the answer, and then, at the think-time level, for the customer to read and type (bot.benchmark.think).
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Sequence
from dataclasses import dataclass

import aiohttp
import socketio

from bot.benchmark.messages import CONVERSATIONS
from bot.benchmark.stats import LoadResult, p95_target_line
from bot.benchmark.think import THINKING, ThinkTime
from bot.channels.webchat import SOCKET_PATH
from bot.channels.webchat_session import COOKIE_NAME

TARGET = "web chat reply"  # closed loop, no think time
THINK_TARGET = "web chat + think"  # customers who read the reply and type (the target's figure)
P95_TARGET_MS = 300.0
TURN_TIMEOUT_S = 60.0
WEBSOCKET_CLOSE_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class Level:
    """One load level of a channel: customers, their think time (None: none) and turns (full, --quick)."""

    concurrency: int
    think: ThinkTime | None
    turns: int
    quick_turns: int


LEVELS = (Level(1, None, 60, 20), Level(10, None, 250, 80), Level(10, THINKING, 120, 40))


def allow_websocket_client() -> None:
    """Let python-engineio's websocket client run on the aiohttp that Rasa 3.6 pins (3.9).

    python-engineio builds `aiohttp.ClientWSTimeout` (aiohttp 3.10 and later) as the default close timeout
    of `ws_connect`; the customers pass that timeout as a number (their websocket options take precedence),
    so the placeholder defined here for older aiohttp is built and thrown away, never used.
    """
    if not hasattr(aiohttp, "ClientWSTimeout"):
        aiohttp.ClientWSTimeout = lambda **_: None  # type: ignore[attr-defined]


class WebCustomer:
    """One customer on the support page: a session cookie and a socket."""

    def __init__(self, rasa_url: str) -> None:
        """A customer of the page at `rasa_url`/webhooks/webchat/."""
        allow_websocket_client()
        self.rasa_url = rasa_url
        self.client = socketio.AsyncClient(
            reconnection=False, websocket_extra_options={"timeout": WEBSOCKET_CLOSE_TIMEOUT_S}
        )
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

    async def connect(self, session: aiohttp.ClientSession) -> str:
        """Open the page (a new session cookie), then the socket with that cookie from the page's origin.

        Returns the session token (it names the conversation).
        """
        async with session.get(f"{self.rasa_url}/webhooks/webchat/") as page:
            page.raise_for_status()
            token = page.cookies[COOKIE_NAME].value
        headers = {"Cookie": f"{COOKIE_NAME}={token}", "Origin": self.rasa_url}
        await self.client.connect(
            self.rasa_url,
            headers=headers,
            transports=["websocket"],
            socketio_path=SOCKET_PATH,
            wait_timeout=30,
        )
        return token

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
    rasa_url: str,
    concurrency: int,
    total: int,
    conversations: Sequence[Sequence[str]] = CONVERSATIONS,
    think: ThinkTime | None = None,
) -> LoadResult:
    """`concurrency` customers take scripted conversations (each a new session) until `total` turns.

    With `think`, each customer pauses before every message (the first pause, up to the longest, spreads
    the customers' arrivals instead of starting them all at once).
    """
    result = LoadResult(THINK_TARGET if think else TARGET, concurrency)
    remaining = total
    numbers = itertools.count()

    async def customer(session: aiohttp.ClientSession, index: int) -> None:
        nonlocal remaining
        draws = think.for_customer(index) if think else None
        if think and draws:
            await asyncio.sleep(draws.uniform(0, think.high_s))
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
                for number, text in enumerate(script):
                    if remaining <= 0:
                        return
                    remaining -= 1
                    if think and draws and number:
                        await asyncio.sleep(think.pause(draws))
                    try:
                        elapsed_ms = await web.turn(text)
                    except asyncio.TimeoutError:
                        result.errors += 1
                    else:
                        if elapsed_ms is not None:
                            result.latencies_ms.append(elapsed_ms)
            finally:
                await web.close()
            if think and draws:
                await asyncio.sleep(think.pause(draws))

    # No cookie jar: every page visit is a new customer (a shared jar would put everyone in one conversation).
    jar = aiohttp.DummyCookieJar()
    async with aiohttp.ClientSession(cookie_jar=jar, timeout=aiohttp.ClientTimeout(total=60)) as session:
        started = time.perf_counter()
        await asyncio.gather(*(customer(session, index) for index in range(concurrency)))
        result.wall_s = time.perf_counter() - started
    return result


async def measure_webchat(rasa_url: str, quick: bool) -> list[LoadResult]:
    """The web chat latency at each level (after a short warm-up)."""
    await run_web_load(rasa_url, 2, 10)
    results = []
    for level in LEVELS:
        turns = level.quick_turns if quick else level.turns
        results.append(await run_web_load(rasa_url, level.concurrency, turns, think=level.think))
    return results


def webchat_target_lines(results: Sequence[LoadResult]) -> list[str]:
    """PASS/MISS of the web chat target (p95 <= 300 ms at 10 customers who read and type), and the same
    limit applied to the no-think stress level, which is shown but not the target."""
    return channel_target_lines(results, THINK_TARGET, TARGET, "web chat reply")


def channel_target_lines(
    results: Sequence[LoadResult], think_target: str, stress_target: str, label: str
) -> list[str]:
    """The target line (think time) and the stress line (no think time) of one channel."""
    lines = []
    judged = p95_target_line(results, think_target, f"{label} ({THINKING.label()})", P95_TARGET_MS)
    stress = p95_target_line(
        results, stress_target, f"{label} (no think time: stress, not the target)", P95_TARGET_MS
    )
    for line in (judged, stress):
        if line is not None:
            lines.append(line)
    return lines


def print_results(results: Sequence[LoadResult], target_lines: Sequence[str]) -> None:
    """The levels of one channel and its target lines, on the terminal."""
    for result in results:
        print(
            f"{result.target} at {result.concurrency} concurrent: p50 {result.p(50):.1f} ms, "
            f"p95 {result.p(95):.1f} ms, {result.requests} turns, {result.errors} errors, "
            f"{result.per_second:.1f} msg/s"
        )
    for line in target_lines:
        print(line)


def main(quick: bool = False) -> int:
    """Only the web chat figures (`python -m bot.benchmark.webchat [--quick]`); `make bench` has all."""
    import tempfile
    from pathlib import Path

    from bot.benchmark.database import sqlite_url
    from bot.runtime.servers import running_servers
    from bot.runtime.settings import PROJECT_ROOT, load_settings, local_settings
    from bot.runtime.training import ensure_model

    model = ensure_model(load_settings().models_dir)
    with tempfile.TemporaryDirectory(prefix="bot-bench-db-") as tmp:
        env = {"DATABASE_URL": sqlite_url(Path(tmp))}
        log_dir = PROJECT_ROOT / "var" / "bench-logs" / "webchat"
        with running_servers(local_settings(model.parent), model, extra_env=env, log_dir=log_dir) as servers:
            results = asyncio.run(measure_webchat(servers.settings.rasa_url, quick))
    print_results(results, webchat_target_lines(results))
    return 1 if any(r.errors for r in results) else 0


if __name__ == "__main__":
    import sys

    sys.exit(main("--quick" in sys.argv))
