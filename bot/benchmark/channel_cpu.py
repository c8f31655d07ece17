"""REST, website chat and Telegram side by side on one pair of servers, with the servers' CPU per turn.

`python -m bot.benchmark.channel_cpu [--quick]`: the customers of the channel figures (bot.benchmark.webchat,
bot.benchmark.telegram) and the REST turns of bot.benchmark.load, at 1 and 10 concurrent customers without
think time and at 10 with it. Next to each latency it prints the CPU the Rasa server and the action server
used per turn (utime + stime from /proc), which does not depend on how busy the shared machine is, and the
load client's own CPU per turn (the Telegram client also runs the local Bot API server).
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from bot.benchmark.client import webhook_sender
from bot.benchmark.database import sqlite_url
from bot.benchmark.load import run_load
from bot.benchmark.messages import CONVERSATIONS
from bot.benchmark.stats import LoadResult
from bot.benchmark.telegram import (
    WEBHOOK_PATH,
    Chats,
    HandledWatcher,
    TelegramBench,
    run_telegram_load,
    telegram_bench,
)
from bot.benchmark.think import THINKING, ThinkTime
from bot.benchmark.webchat import run_web_load
from bot.channels.channel_store import ChannelStore
from bot.runtime.servers import RunningServers

Level = Callable[[int, int, ThinkTime | None], Awaitable[LoadResult]]


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU seconds the processes used so far."""
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def _line(result: LoadResult, server_cpu_s: float, client_cpu_s: float) -> str:
    """One level: latency, rate, CPU per turn and the load average at its end."""
    turns = max(1, result.requests)
    return (
        f"  {result.target:<18}{result.concurrency:>5}{result.requests:>6}{result.errors:>7}"
        f"{result.p(50):>8.1f}{result.p(95):>8.1f}{result.per_second:>7.1f}"
        f"{server_cpu_s / turns * 1000:>12.1f}{client_cpu_s / turns * 1000:>12.1f}{os.getloadavg()[0]:>7.1f}"
    )


async def measure(servers: RunningServers, bench: TelegramBench, database: str, turns: int) -> list[str]:
    """Every level of every channel, one after the other; the printed lines."""
    from tests.telegram_api_server import BotApiServer  # the tests' Bot API server doubles as the bench's

    pids = [servers.rasa.pid, servers.actions.pid]
    rasa_url = servers.settings.rasa_url
    rest = webhook_sender(servers.webhook_url, servers.web_api_token)
    chats, watcher = Chats(), HandledWatcher(ChannelStore(database))
    api = BotApiServer(bench.token)
    api.listeners.append(chats.on_call)
    await api.start(bench.port)
    hook = f"{rasa_url}{WEBHOOK_PATH}"
    channels: list[tuple[str, Level]] = [
        ("REST", lambda c, n, t: run_load(rest, CONVERSATIONS, c, n, "REST turn")),
        ("web", lambda c, n, t: run_web_load(rasa_url, c, n, think=t)),
        ("telegram", lambda c, n, t: run_telegram_load(hook, bench.secret, chats, watcher, c, n, think=t)),
    ]
    lines = [
        f"  {'latency (ms)':<18}{'conc':>5}{'turns':>6}{'errors':>7}{'p50':>8}{'p95':>8}{'msg/s':>7}"
        f"{'server CPU':>12}{'client CPU':>12}{'load':>7}",
    ]
    try:
        await run_load(rest, CONVERSATIONS, 2, 20, "warm-up")
        await run_web_load(rasa_url, 2, 10)
        await run_telegram_load(hook, bench.secret, chats, watcher, 2, 10)
        for concurrency, count, think in ((1, turns // 3, None), (10, turns, None), (10, turns, THINKING)):
            for name, run in channels:
                if think is not None and name == "REST":
                    continue  # REST callers are systems, not people typing
                server, client = cpu_seconds(pids), time.process_time()
                result = await run(concurrency, count, think)
                lines.append(_line(result, cpu_seconds(pids) - server, time.process_time() - client))
                print(lines[-1], flush=True)
    finally:
        await api.stop()
    lines.append(
        "  (server CPU: ms of CPU per turn of the Rasa server and the action server together; client CPU: the"
    )
    lines.append(
        "   load client's, with the local Bot API server; `+ think` rows: 10 customers reading and typing)"
    )
    return lines


def main(quick: bool = False) -> int:
    """Start the servers on a throw-away SQLite database and print the comparison."""
    from bot.runtime.servers import running_servers
    from bot.runtime.settings import PROJECT_ROOT, load_settings, local_settings
    from bot.runtime.training import ensure_model

    model = ensure_model(load_settings().models_dir)
    bench = telegram_bench()
    with tempfile.TemporaryDirectory(prefix="bot-bench-db-") as tmp:
        database = sqlite_url(Path(tmp))
        env = {"DATABASE_URL": database, **bench.env()}
        log_dir = PROJECT_ROOT / "var" / "bench-logs" / "channel-cpu"
        settings = local_settings(model.parent)
        with running_servers(settings, model, extra_env=env, log_dir=log_dir, web_api=True) as servers:
            lines = asyncio.run(measure(servers, bench, database, 50 if quick else 150))
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    import sys

    sys.exit(main("--quick" in sys.argv))
