"""`make soak` / `bot soak`: concurrent customers complete intakes while the servers and the database fail.

Half the customers use the website chat (socket.io with the page's session cookie), half Telegram (the
tests' local Bot API server). During the run the action server is `kill -9`ed and restarted, the database
(a PostgreSQL of the run's own, so the machine's shared one is untouched) is stopped and started, and the
Rasa server is `kill -9`ed and restarted. The figures: messages sent, answered, lost (must be 0), tickets
expected vs filed vs duplicated (0), intakes completed and resumed, p95 latency outside the fault windows.
Exit status 1 when a message was lost or a ticket duplicated.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import random
import secrets
import statistics
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import aiohttp
import sqlalchemy as sa

from bot.benchmark.intake import EN_DETAILS, SCRIPTS, ZH_DETAILS
from bot.benchmark.soak_customers import SoakContext, SoakCounts, TelegramTurns, Turns, WebTurns
from bot.benchmark.soak_faults import FaultLog, ServerProcess
from bot.benchmark.telegram import WEBHOOK_PATH, telegram_bench
from bot.constants import Slot
from bot.runtime.servers import actions_command, child_environment, rasa_command
from bot.runtime.settings import PROJECT_ROOT, load_settings, local_settings
from bot.runtime.training import ensure_model

LOG_DIR = PROJECT_ROOT / "var" / "soak-logs"
JSON_PATH = PROJECT_ROOT / "reports" / "soak.json"
SECONDS_ENV = "SOAK_SECONDS"
FULL = {"seconds": 240, "customers": 50, "database_down_s": 20}
SHORT = {"seconds": 60, "customers": 10, "database_down_s": 10}
START_TIMEOUT_S = 600.0  # a Rasa start on the shared machine takes 50-90 s, more under load
DRAIN_S = 240.0  # after the run, intakes under way may finish for this long


def _say(text: str) -> None:
    """Progress on the terminal."""
    print(text, flush=True)


def _p95(values: Sequence[float]) -> float:
    """95th percentile (nan when empty)."""
    if len(values) < 2:
        return values[0] if values else float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[94]


async def _customer(
    ctx: SoakContext, number: int, stop: asyncio.Event, scripts: Any, update_ids: Any
) -> None:
    """One customer: intakes back to back until told to stop, on the website or Telegram."""
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as http:
        await asyncio.sleep(random.uniform(0, 5))  # customers do not all arrive in the same second
        while not stop.is_set():
            script = next(scripts)
            turns: Turns
            if number % 2 == 0:
                turns = web = WebTurns(ctx, http)
                try:
                    sender = await web.open_page()
                except (aiohttp.ClientError, asyncio.TimeoutError, KeyError):
                    await asyncio.sleep(2)  # the server is down: the customer tries the page again
                    continue
            else:
                turns = telegram = TelegramTurns(ctx, http, update_ids)
                sender = telegram.sender
            try:
                await turns.intake(sender, script)
            finally:
                if isinstance(turns, WebTurns):
                    await turns.close()
                else:
                    turns.close()  # type: ignore[attr-defined]


async def _faults(
    faults: FaultLog, rasa: ServerProcess, actions: ServerProcess, database: Any, plan: dict[str, int]
) -> None:
    """The three faults, spread over the run: action server, database, Rasa server."""
    seconds = plan["seconds"]
    began = time.monotonic()

    async def at(fraction: float) -> None:
        await asyncio.sleep(max(0.0, began + seconds * fraction - time.monotonic()))

    await at(0.15)
    window = await faults.restart_after_kill(actions, START_TIMEOUT_S)
    _say(f"  fault: {window.name}, back after {window.outage_s:.1f} s")
    await at(0.35)
    window = await faults.database_outage(database.stop, database.start, plan["database_down_s"])
    _say(f"  fault: {window.name}, back after {window.outage_s:.1f} s")
    await at(0.55)
    window = await faults.restart_after_kill(rasa, START_TIMEOUT_S)
    _say(f"  fault: {window.name}, back after {window.outage_s:.1f} s")
    await at(1.0)


async def _run(
    ctx: SoakContext, plan: dict[str, int], rasa: ServerProcess, actions: ServerProcess, db: Any
) -> float:
    """Customers and faults; returns the wall time."""
    stop = asyncio.Event()
    scripts = itertools.cycle(SCRIPTS)
    update_ids = itertools.count(random.randrange(10**6, 10**9) * 1000)
    started = time.monotonic()
    customers = [
        asyncio.ensure_future(_customer(ctx, n, stop, scripts, update_ids)) for n in range(plan["customers"])
    ]
    await _faults(ctx.faults, rasa, actions, db, plan)
    stop.set()  # no new intakes; those under way may finish
    _say(f"  {time.monotonic() - started:.0f} s: no new intakes; waiting for those under way")
    done, pending = await asyncio.wait(customers, timeout=DRAIN_S)
    for task in pending:
        task.cancel()
    for task in done:
        if task.exception() is not None:
            raise task.exception()  # type: ignore[misc]
    if pending:
        _say(f"  {len(pending)} customer(s) still in an intake after {DRAIN_S:.0f} s were stopped")
    return time.monotonic() - started


def _tickets(database_url: str, senders: Sequence[str]) -> dict[str, list[str]]:
    """Ticket references filed for each soak conversation."""
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                sa.text("SELECT sender_id, reference FROM tickets WHERE sender_id = ANY(:senders)"),
                {"senders": list(senders)},
            )
            filed: dict[str, list[str]] = {}
            for sender, reference in rows:
                filed.setdefault(sender, []).append(reference)
            return filed
    finally:
        engine.dispose()


def _clear_personal_data(log_dir: Path) -> int:
    """Lines of the servers' logs that show a phone, VIN or plate the customers sent, in clear."""
    values = [
        details[slot.value]
        for details in (ZH_DETAILS, EN_DETAILS)
        for slot in (Slot.PHONE, Slot.VIN, Slot.LICENSE_PLATE)
    ]
    found = 0
    for path in log_dir.glob("*.log"):
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            found += any(value in line for value in values)
    return found


def report(
    counts: SoakCounts, filed: dict[str, list[str]], faults: FaultLog, wall_s: float, log_dir: Path
) -> dict:
    """The figures as a dict (also printed)."""
    duplicated = sum(len(refs) - 1 for refs in filed.values() if len(refs) > 1)
    shown_not_filed = [
        ref for sender, ref in counts.completed_references.items() if ref not in filed.get(sender, [])
    ]
    return {
        "wall_s": round(wall_s, 1),
        "customers_messages_sent": counts.sent,
        "answered": counts.answered,
        "answered_after_a_fault": counts.answered_late,
        "written_again_by_the_customer": counts.rewritten,
        "lost": counts.lost,
        "unanswered": counts.unanswered,
        "intakes_started": counts.intakes_started,
        "intakes_completed": len(counts.completed_references),
        "intakes_completed_through_a_fault": counts.resumed,
        "tickets_expected": len(counts.completed_references),
        "tickets_filed": sum(len(refs) for refs in filed.values()),
        "tickets_duplicated": duplicated,
        "references_shown_but_not_filed": len(shown_not_filed),
        "p95_ms_outside_faults": round(_p95(counts.latencies_clear_ms), 1),
        "p50_ms_outside_faults": round(statistics.median(counts.latencies_clear_ms), 1)
        if counts.latencies_clear_ms
        else None,
        "turns_outside_faults": len(counts.latencies_clear_ms),
        "p95_ms_inside_fault_windows": round(_p95(counts.latencies_fault_ms), 1),
        "faults": [{"fault": w.name, "outage_s": round(w.outage_s, 1)} for w in faults.windows],
        "log_lines_with_clear_phone_vin_plate": _clear_personal_data(log_dir),
        "intakes_in_progress_at_the_end": len(counts.in_progress_at_end),
        "intakes_stalled": len(counts.stalled),
        "stalled_intakes": counts.stalled,
        "lost_messages": [
            {**lost, "during": _fault_at(faults, lost["sent_at"], lost["looked_up_at"])}
            for lost in counts.lost_messages
        ],
    }


def _fault_at(faults: FaultLog, start: float, end: float) -> str | None:
    """The fault whose window (with its recovery grace) overlaps `start`..`end`."""
    return next((w.name for w in faults.windows if w.covers(start, end)), None)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the soak and print the figures."""
    # The `bot` console script does not put the checkout on sys.path; the soak borrows two test helpers.
    if str(PROJECT_ROOT) not in sys.path:
        sys.path.insert(0, str(PROJECT_ROOT))
    from tests.own_services import own_postgres  # the fault tests' own PostgreSQL, stoppable
    from tests.telegram_api_server import BotApiServer

    parser = argparse.ArgumentParser(prog="bot soak")
    parser.add_argument("--short", action="store_true", help="10 customers for about a minute (CI)")
    parser.add_argument("--seconds", type=int, help=f"length of the run (else {SECONDS_ENV} or the default)")
    parser.add_argument("--customers", type=int)
    parser.add_argument("--model", type=Path, help="a trained model (else the current one)")
    args = parser.parse_args(argv)
    plan = dict(SHORT if args.short else FULL)
    seconds = args.seconds or int(os.environ.get(SECONDS_ENV) or 0)
    if seconds:
        plan["seconds"] = seconds
    if args.customers:
        plan["customers"] = args.customers
    model = args.model or ensure_model(load_settings().models_dir)
    settings = local_settings(model.parent)
    log_dir = LOG_DIR
    for old in log_dir.glob("*.log"):
        old.unlink()
    bench = telegram_bench()
    webchat_secret = secrets.token_urlsafe(32)
    token = secrets.token_urlsafe(24)
    _say(
        f"soak: {plan['customers']} customers for {plan['seconds']} s (website, Telegram); logs in {log_dir}"
    )
    with own_postgres() as database:
        from bot.db.migrate import upgrade

        upgrade(database.url)
        env = child_environment(
            settings, {"DATABASE_URL": database.url, "WEBCHAT_SECRET": webchat_secret, **bench.env()}
        )
        actions = ServerProcess(
            "action server",
            actions_command(settings),
            env,
            f"http://127.0.0.1:{settings.actions_port}/health",
            log_dir / "actions.log",
        )
        rasa = ServerProcess(
            "Rasa server",
            rasa_command(settings, model, token),
            env,
            f"{settings.rasa_url}/status?token={token}",
            log_dir / "rasa.log",
        )
        faults = FaultLog()
        counts = SoakCounts()
        ctx = SoakContext(
            settings.rasa_url,
            token,
            webchat_secret,
            f"{settings.rasa_url}{WEBHOOK_PATH}",
            bench.secret,
            faults,
            counts,
        )

        async def soak() -> float:
            api = BotApiServer(bench.token)
            api.listeners.append(ctx.on_bot_api_call)
            await api.start(bench.port)
            try:
                began = time.monotonic()
                actions.start()
                rasa.start()
                await actions.wait_up(START_TIMEOUT_S)
                await rasa.wait_up(START_TIMEOUT_S)
                _say(f"  servers up in {time.monotonic() - began:.0f} s")
                return await _run(ctx, plan, rasa, actions, database)
            finally:
                rasa.stop()
                actions.stop()
                await api.stop()

        wall_s = asyncio.run(soak())
        filed = _tickets(database.url, counts.conversations)
    figures = report(counts, filed, faults, wall_s, log_dir)
    JSON_PATH.parent.mkdir(parents=True, exist_ok=True)
    JSON_PATH.write_text(json.dumps({"plan": plan, **figures}, indent=2, ensure_ascii=False) + "\n")
    _say(render(figures))
    return 1 if figures["lost"] or figures["tickets_duplicated"] else 0


def render(figures: dict) -> str:
    """The figures as the lines `make soak` prints."""
    faults = ", ".join(f"{f['fault']} (back in {f['outage_s']} s)" for f in figures["faults"])
    return "\n".join(
        [
            f"Soak ({figures['wall_s']} s; faults: {faults})",
            f"  customer messages sent {figures['customers_messages_sent']}, answered {figures['answered']}"
            f" ({figures['answered_after_a_fault']} after a fault), lost {figures['lost']}"
            f", unanswered {figures['unanswered']}, written again {figures['written_again_by_the_customer']}",
            f"  tickets expected {figures['tickets_expected']}, filed {figures['tickets_filed']}"
            f", duplicated {figures['tickets_duplicated']}"
            f" (references shown but not filed: {figures['references_shown_but_not_filed']})",
            f"  intakes started {figures['intakes_started']}, completed {figures['intakes_completed']}"
            f" ({figures['intakes_completed_through_a_fault']} resumed through a fault)"
            f", still in progress when the run ended {figures['intakes_in_progress_at_the_end']}"
            f", stalled {figures['intakes_stalled']}",
            f"  reply latency outside fault windows: p50 {figures['p50_ms_outside_faults']} ms"
            f", p95 {figures['p95_ms_outside_faults']} ms over {figures['turns_outside_faults']} turns"
            f" (inside: p95 {figures['p95_ms_inside_fault_windows']} ms)",
            f"  clear phone/VIN/plate in logs: {figures['log_lines_with_clear_phone_vin_plate']}",
        ]
    )


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
