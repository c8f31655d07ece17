"""Drives N concurrent conversations against a server and records every request's latency."""

from __future__ import annotations

import asyncio
import itertools
import time
import uuid
from collections.abc import Sequence

import aiohttp

from bot.benchmark.client import Send
from bot.benchmark.stats import LoadResult

REQUEST_TIMEOUT_S = 120


def client_session(concurrency: int) -> aiohttp.ClientSession:
    """An HTTP client session with a connection per concurrent conversation."""
    return aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=concurrency + 4),
        timeout=aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_S),
    )


async def run_load(
    send: Send, conversations: Sequence[Sequence[str]], concurrency: int, total: int, target: str
) -> LoadResult:
    """`concurrency` customers send scripted conversations, each message after the previous reply.

    Every customer takes the next script (a new conversation id each time) until `total` messages
    have been sent between them. Throughput is successful requests over the wall time of the level.
    """
    result = LoadResult(target, concurrency)
    remaining = total
    numbers = itertools.count()
    run = uuid.uuid4().hex[:8]

    async def customer(session: aiohttp.ClientSession) -> None:
        nonlocal remaining
        while remaining > 0:
            n = next(numbers)
            sender = f"bench-{run}-{n}"
            for text in conversations[n % len(conversations)]:
                if remaining <= 0:
                    return
                remaining -= 1
                started = time.perf_counter()
                ok = await send(session, sender, text)
                if ok:
                    result.latencies_ms.append((time.perf_counter() - started) * 1000)
                else:
                    result.errors += 1

    async with client_session(concurrency) as session:
        started = time.perf_counter()
        await asyncio.gather(*(customer(session) for _ in range(concurrency)))
        result.wall_s = time.perf_counter() - started
    return result
