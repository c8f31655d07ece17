"""Handoff figure: time from a ticket entering the agent queue to its row in an open console.

A console process (uvicorn, as `bot run` starts it) runs on a throw-away SQLite database. One agent is
logged in with the queue open: a client holds the page's server-sent-event stream and, on every `change`
event, fetches the queue fragment as the page script does. The clock starts just before the handoff
(HandoffStore.enqueue, what the Rasa-side gate calls) and stops when the fetched queue shows the ticket.
Run alone with `python -m bot.benchmark.console_live [--quick]`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import re
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx

from bot.benchmark.stats import LoadResult
from bot.db.column_types import utc_now
from bot.db.migrate import upgrade
from bot.handoff.models import AgentRole
from bot.handoff.store import HandoffStore
from bot.runtime.ports import free_port
from bot.runtime.settings import PROJECT_ROOT
from bot.tickets.store import TicketDraft

TARGET = "handoff → console queue"
HANDOFFS = (40, 15)  # in a full run, with --quick
P95_TARGET_MS = 1000.0
APPEAR_TIMEOUT_S = 10.0
START_TIMEOUT_S = 60.0
_PASSWORD = "bench-password-123"
_CSRF = re.compile(r'name="csrftoken" value="([^"]+)"')


def _file_ticket(store: HandoffStore) -> str:
    """A complaint from a new web conversation, not yet queued; its reference."""
    sender = f"bench-{uuid.uuid4().hex[:10]}"
    draft = TicketDraft(
        conversation_key=f"{sender}:1",
        category="pricing_dispute",
        channel="webchat",
        sender_id=sender,
        language="zh",
        transcript=[{"role": "customer", "text": "鼓风机报价200,收了1000", "at": utc_now()}],
        secondary_category="repair_complaint",
        quoted_amount="200",
        charged_amount="1000",
    )
    return store.file_ticket(draft).reference


def _wait_up(url: str, process: subprocess.Popen[bytes]) -> None:
    """Until the console's login page answers."""
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the console exited with {process.returncode}")
        try:
            if httpx.get(f"{url}/login", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise TimeoutError("the console did not come up")


async def _measure(url: str, store: HandoffStore, handoffs: int) -> LoadResult:
    """Log in, hold the event stream, queue tickets one by one and time their appearance."""
    result = LoadResult(TARGET, 1)
    changed = asyncio.Event()
    async with httpx.AsyncClient(base_url=url, timeout=30) as client:
        login_page = await client.get("/login")
        token = _CSRF.search(login_page.text)
        if token is None:
            raise RuntimeError("no CSRF token on the login page")
        answer = await client.post(
            "/login", data={"username": "bench", "password": _PASSWORD, "csrftoken": token.group(1)}
        )
        if answer.status_code not in (200, 303) or "console_session" not in client.cookies:
            raise RuntimeError(f"login failed ({answer.status_code})")

        async def listen() -> None:
            async with client.stream("GET", "/events", timeout=None) as stream:
                async for line in stream.aiter_lines():
                    if line.startswith("event: change"):
                        changed.set()

        listener = asyncio.create_task(listen())
        try:
            await asyncio.wait_for(changed.wait(), APPEAR_TIMEOUT_S)  # the stream's first event
            started_all = time.perf_counter()
            for _ in range(handoffs):
                reference = await asyncio.to_thread(_file_ticket, store)
                await asyncio.sleep(0.4)  # the filing's own change event has come and gone
                changed.clear()
                started = time.perf_counter()
                await asyncio.to_thread(store.enqueue, reference, "request_human")
                deadline = started + APPEAR_TIMEOUT_S
                shown = False
                while not shown and time.perf_counter() < deadline:
                    try:
                        await asyncio.wait_for(changed.wait(), max(0.01, deadline - time.perf_counter()))
                    except asyncio.TimeoutError:
                        break
                    changed.clear()
                    fragment = await client.get("/partials/queue")
                    shown = f'data-reference="{reference}"' in fragment.text
                if shown:
                    result.latencies_ms.append((time.perf_counter() - started) * 1000)
                else:
                    result.errors += 1
                await asyncio.to_thread(store.claim, reference, "bench")  # keep the queue short
            result.wall_s = time.perf_counter() - started_all
        finally:
            listener.cancel()
            with contextlib.suppress(asyncio.CancelledError, httpx.HTTPError):
                await listener
    return result


def measure_console_live(quick: bool) -> LoadResult:
    """Start a console on a temporary database and measure handoff-to-queue times (p50/p95)."""
    with tempfile.TemporaryDirectory(prefix="bot-bench-console-") as tmp:
        database = f"sqlite:///{Path(tmp) / 'bot.db'}"
        upgrade(database)
        from bot.console.passwords import hash_password

        store = HandoffStore(database, Path(tmp) / "attachments")
        store.add_agent("bench", "压测坐席", AgentRole.AGENT, hash_password(_PASSWORD))
        port = free_port()
        env = {
            **os.environ,
            "DATABASE_URL": database,
            "CONSOLE_PORT": str(port),
            "CONSOLE_RASA_URL": "http://127.0.0.1:9",  # no customer is answered here
            "BOT_SECRETS_DIR": str(Path(tmp) / "secrets"),
        }
        process = subprocess.Popen(
            [sys.executable, "-m", "bot.console.server"],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            _wait_up(url, process)
            return asyncio.run(_measure(url, store, HANDOFFS[1] if quick else HANDOFFS[0]))
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


def console_lines(result: LoadResult) -> list[str]:
    """The figure and its target, for the benchmark's output."""
    p95 = result.p(95)
    mark = "ok" if p95 <= P95_TARGET_MS and not result.errors else "MISSED"
    return [
        f"Agent console: {TARGET} (SSE + queue fragment), {result.requests} handoffs, "
        f"{result.errors} errors: "
        f"p50 {result.p(50):.0f} ms, p95 {p95:.0f} ms",
        f"  [{mark}] {TARGET} p95 <= {P95_TARGET_MS:.0f} ms: {p95:.0f} ms",
    ]


def main() -> int:
    """Print the figure."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    result = measure_console_live(parser.parse_args().quick)
    print("\n".join(console_lines(result)))
    return 1 if result.errors else 0


if __name__ == "__main__":
    sys.exit(main())
