"""Handoff figures: time from an agent's reply (the console's push to the Rasa server) to its appearance in
the customer's channel. Website: a socket.io client on the support page, like the widget, receives the
`bot` event carrying the agent's name. Telegram: the local Bot API server receives the sendMessage."""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections.abc import Sequence

import aiohttp

from bot.benchmark.stats import LoadResult
from bot.benchmark.telegram import WEBHOOK_PATH as TELEGRAM_WEBHOOK
from bot.benchmark.telegram import TelegramBench
from bot.benchmark.webchat import WebCustomer
from bot.channels.telegram import SECRET_HEADER
from bot.channels.webchat import SOCKET_PATH
from bot.channels.webchat_session import COOKIE_NAME, SessionSigner, conversation_id
from bot.runtime.secrets import secret

WEB_TARGET = "agent reply → web"
TELEGRAM_TARGET = "agent reply → Telegram"
REPLIES = (40, 15)  # replies in a full run, with --quick
P95_TARGET_MS = 1000.0
APPEAR_TIMEOUT_S = 30.0
AGENT_NAME = "王丽"


async def push(session: aiohttp.ClientSession, rasa_url: str, sender_id: str, text: str) -> dict[str, object]:
    """POST an agent message to the Rasa server's internal handoff route, as the console does."""
    headers = {"Authorization": f"Bearer {secret('INTERNAL_API_TOKEN')}", "Content-Type": "application/json"}
    body = {"sender_id": sender_id, "kind": "agent_message", "text": text, "agent_name": AGENT_NAME}
    async with session.post(
        f"{rasa_url}/webhooks/handoff/push", data=json.dumps(body), headers=headers
    ) as answer:
        return dict(await answer.json())


async def _time_replies(
    session: aiohttp.ClientSession,
    rasa_url: str,
    sender_id: str,
    arrived: dict[str, float],
    signal: asyncio.Event,
    result: LoadResult,
    quick: bool,
) -> None:
    """Push the agent's replies one at a time; record ms until each is in `arrived` (set by the channel)."""
    started_all = time.perf_counter()
    for number in range(REPLIES[1] if quick else REPLIES[0]):
        text = f"您好,我是客服王丽,这是第 {number + 1} 条回复。"
        signal.clear()
        started = time.perf_counter()
        outcome = await push(session, rasa_url, sender_id, text)
        try:
            while text not in arrived:
                await asyncio.wait_for(signal.wait(), APPEAR_TIMEOUT_S)
                signal.clear()
        except asyncio.TimeoutError:
            result.errors += 1
            continue
        if not outcome.get("delivered"):
            result.errors += 1
            continue
        result.latencies_ms.append((arrived[text] - started) * 1000)
    result.wall_s = time.perf_counter() - started_all


async def measure_web_agent_replies(rasa_url: str, quick: bool) -> LoadResult:
    """One customer with the page open; the agent replies one line at a time; ms until the page gets each."""
    result = LoadResult(WEB_TARGET, 1)
    arrived: dict[str, float] = {}
    signal = asyncio.Event()
    customer = WebCustomer(rasa_url)

    bot_replied = asyncio.Event()

    async def on_bot(message: object) -> None:
        if isinstance(message, dict) and message.get("agent_name") == AGENT_NAME:
            arrived[str(message.get("text"))] = time.perf_counter()
            signal.set()
        else:
            bot_replied.set()

    customer.client.on("bot", on_bot)
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as session:
        # As WebCustomer.connect, keeping the session token: it names the conversation the agent writes to.
        async with session.get(f"{rasa_url}/webhooks/webchat/") as page:
            page.raise_for_status()
            token = page.cookies[COOKIE_NAME].value
        headers = {"Cookie": f"{COOKIE_NAME}={token}", "Origin": rasa_url}
        # Long-polling, like the web chat figures: this engineio's websocket client needs a newer aiohttp.
        await customer.client.connect(
            rasa_url, headers=headers, transports=["polling"], socketio_path=SOCKET_PATH, wait_timeout=30
        )
        sender = conversation_id(SessionSigner().customer(token) or "")
        try:
            await customer.client.emit("message", {"text": "转人工"})  # the conversation goes to the queue
            await asyncio.wait_for(bot_replied.wait(), APPEAR_TIMEOUT_S * 4)
            await _time_replies(session, rasa_url, sender, arrived, signal, result, quick)
        finally:
            await customer.close()
    return result


def agent_reply_target_lines(results: Sequence[LoadResult]) -> list[str]:
    """PASS/MISS per channel: p95 from the agent's reply to its appearance <= 1 s."""
    lines = []
    for result in results:
        if result.target.startswith("agent reply"):
            p95 = result.p(95)
            mark = "PASS" if p95 <= P95_TARGET_MS else "MISS"
            lines.append(f"  [{mark}] {result.target} p95 <= {P95_TARGET_MS:.0f} ms: {p95:.1f} ms")
    return lines


async def measure_telegram_agent_replies(bench: TelegramBench, rasa_url: str, quick: bool) -> LoadResult:
    """A Telegram customer in the queue; ms from each agent reply to its sendMessage at the Bot API server."""
    from tests.telegram_api_server import BotApiServer  # the tests' Bot API server doubles as the bench's

    result = LoadResult(TELEGRAM_TARGET, 1)
    arrived: dict[str, float] = {}
    signal = asyncio.Event()
    chat = random.randrange(10**9, 10**10)

    def on_call(call: object) -> None:
        params = getattr(call, "params", {}) or {}
        if getattr(call, "method", "") == "sendMessage" and str(params.get("chat_id")) == str(chat):
            arrived[str(params.get("text"))] = getattr(call, "at", time.perf_counter())
            signal.set()

    api = BotApiServer(bench.token)
    api.listeners.append(on_call)
    await api.start(bench.port)
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as session:
            update = {
                "update_id": random.randrange(10**6, 10**9),
                "message": {
                    "message_id": 1,
                    "date": int(time.time()),
                    "chat": {"id": chat, "type": "private"},
                    "from": {"id": chat, "is_bot": False, "first_name": "Bench"},
                    "text": "转人工",
                },
            }
            signal.clear()
            async with session.post(
                f"{rasa_url}{TELEGRAM_WEBHOOK}",
                data=json.dumps(update),
                headers={SECRET_HEADER: bench.secret},
            ) as answer:
                answer.raise_for_status()
            await asyncio.wait_for(signal.wait(), APPEAR_TIMEOUT_S)  # the queue message: the handoff is on
            await _time_replies(session, rasa_url, f"tg-{chat}", arrived, signal, result, quick)
    finally:
        await api.stop()
    return result


async def measure_agent_replies(bench: TelegramBench, rasa_url: str, quick: bool) -> list[LoadResult]:
    """Agent reply to its appearance, website then Telegram."""
    return [
        await measure_web_agent_replies(rasa_url, quick),
        await measure_telegram_agent_replies(bench, rasa_url, quick),
    ]


def main(quick: bool = False) -> int:
    """Only the handoff figures (`python -m bot.benchmark.agent_replies [--quick]`); `make bench` has all."""
    import tempfile
    from pathlib import Path

    import bot.runtime.servers
    from bot.benchmark.database import sqlite_url
    from bot.benchmark.telegram import telegram_bench
    from bot.runtime.servers import running_servers
    from bot.runtime.settings import PROJECT_ROOT, load_settings, local_settings
    from bot.runtime.training import ensure_model

    # Run alone on a shared machine, a model can take minutes to load.
    bot.runtime.servers.START_TIMEOUT_S = max(bot.runtime.servers.START_TIMEOUT_S, 600.0)
    model = ensure_model(load_settings().models_dir)
    bench = telegram_bench()
    with tempfile.TemporaryDirectory(prefix="bot-bench-db-") as tmp:
        env = {"DATABASE_URL": sqlite_url(Path(tmp)), "HANDOFF_HOURS": "00:00-24:00", **bench.env()}
        log_dir = PROJECT_ROOT / "var" / "bench-logs" / "agent-replies"
        with running_servers(local_settings(model.parent), model, extra_env=env, log_dir=log_dir) as servers:
            results = asyncio.run(measure_agent_replies(bench, servers.settings.rasa_url, quick))
    for result in results:
        print(
            f"{result.target}: p50 {result.p(50):.1f} ms, p95 {result.p(95):.1f} ms, "
            f"{result.requests} replies, {result.errors} errors"
        )
    print("\n".join(agent_reply_target_lines(results)))
    return 1 if any(r.errors for r in results) else 0


if __name__ == "__main__":
    import sys

    sys.exit(main("--quick" in sys.argv))
