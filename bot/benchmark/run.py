"""`bot bench`: the real servers on free ports, a throw-away database, and the figures in one table."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import platform
import shutil
import tempfile
import time
from pathlib import Path

from bot.benchmark.agent_replies import measure_agent_replies
from bot.benchmark.client import parse_sender, webhook_sender
from bot.benchmark.console_live import console_lines, measure_console_live
from bot.benchmark.database import sqlite_url
from bot.benchmark.intake import SCRIPTS, run_intakes
from bot.benchmark.load import run_load
from bot.benchmark.memory import tree_rss_mb
from bot.benchmark.messages import CONVERSATIONS
from bot.benchmark.plan import CONCURRENCY_LEVELS, FULL, INTAKE_CONCURRENCY, QUICK, Plan
from bot.benchmark.render import Figures, render
from bot.benchmark.telegram import measure_telegram, telegram_bench
from bot.benchmark.webchat import measure_webchat
from bot.runtime.servers import RunningServers, running_servers
from bot.runtime.settings import PROJECT_ROOT, load_settings, local_settings
from bot.runtime.training import ensure_model, model_path

LOG_DIR = PROJECT_ROOT / "var" / "bench-logs"
JSON_PATH = PROJECT_ROOT / "reports" / "benchmark.json"
FORMS_PATH = PROJECT_ROOT / "domain" / "forms.yml"
INTAKE_UNAVAILABLE = "intake dialogue not available yet"


def _say(text: str) -> None:
    """Progress on the terminal."""
    print(text, flush=True)


def _machine() -> str:
    """CPU count and versions, so figures from different machines are not compared blindly."""
    import rasa

    return f"{os.cpu_count()} CPUs, Python {platform.python_version()}, Rasa {rasa.__version__}"


def _memory(servers: RunningServers) -> dict[str, float]:
    """RSS (MB) of the Rasa server and of the action server, each with any children."""
    return {
        f"Rasa server (pid {servers.rasa.pid})": tree_rss_mb(servers.rasa.pid),
        f"action server (pid {servers.actions.pid})": tree_rss_mb(servers.actions.pid),
    }


async def _measure(servers: RunningServers, plan: Plan, figures: Figures) -> None:
    """Warm up, then /model/parse and REST turns at each concurrency level, then scripted intakes."""
    parse = parse_sender(servers.settings.rasa_url, servers.auth_token)
    turn = webhook_sender(servers.webhook_url, servers.web_api_token)
    _say("Warming up...")
    await run_load(parse, CONVERSATIONS, 1, plan.warmup_requests, "warm-up")
    await run_load(turn, CONVERSATIONS, 2, plan.warmup_requests, "warm-up")
    warm = _memory(servers)
    for concurrency in CONCURRENCY_LEVELS:
        _say(f"/model/parse at {concurrency} concurrent conversation(s)...")
        requests = plan.parse_requests[concurrency]
        figures.parse.append(await run_load(parse, CONVERSATIONS, concurrency, requests, "/model/parse"))
    for concurrency in CONCURRENCY_LEVELS:
        _say(f"REST turns at {concurrency} concurrent conversation(s)...")
        turns = plan.rest_turns[concurrency]
        figures.rest.append(await run_load(turn, CONVERSATIONS, concurrency, turns, "REST turn"))
    if FORMS_PATH.exists():
        _say(f"Scripted complaint intakes at {INTAKE_CONCURRENCY} concurrent customers...")
        figures.intake = await run_intakes(
            servers.webhook_url,
            servers.settings.rasa_url,
            servers.auth_token,
            SCRIPTS,
            INTAKE_CONCURRENCY,
            plan.intakes_per_customer,
            servers.web_api_token,
        )
        if not figures.intake.completed:
            figures.intake_note = f"{INTAKE_UNAVAILABLE} or failing; server logs in {LOG_DIR}"
    else:
        figures.intake_note = INTAKE_UNAVAILABLE
    _say("Website chat turns over socket.io at 1 and 10 concurrent customers...")
    figures.channels.extend(await measure_webchat(servers.settings.rasa_url, quick=not plan.train))
    loaded = _memory(servers)
    figures.memory_mb = {name: {"after_warmup": warm[name], "after_load": loaded[name]} for name in warm}


def _serve_and_measure(model: Path, plan: Plan, figures: Figures) -> None:
    """Start the servers against a temporary SQLite database and take every server-side figure."""
    shutil.rmtree(LOG_DIR, ignore_errors=True)
    with tempfile.TemporaryDirectory(prefix="bot-bench-db-") as tmp:
        database = sqlite_url(Path(tmp))
        _say(f"Starting the servers on free ports (database {database}, logs in {LOG_DIR})...")
        settings = local_settings(model.parent)
        telegram = telegram_bench()  # the channel talks to a local Bot API server on a port fixed now
        with running_servers(
            settings,
            model,
            extra_env={"DATABASE_URL": database, **telegram.env()},
            log_dir=LOG_DIR,
            quiet=True,
            web_api=True,
        ) as servers:
            figures.startup_s = servers.started_in_s
            asyncio.run(_measure(servers, plan, figures))
            _say("Telegram turns through a local Bot API server at 1 and 10 concurrent customers...")
            rasa_url, quick = servers.settings.rasa_url, not plan.train
            figures.channels.extend(asyncio.run(measure_telegram(telegram, rasa_url, database, quick)))
            _say("Agent replies (handoff) to the website chat and to Telegram...")
            figures.channels.extend(asyncio.run(measure_agent_replies(telegram, rasa_url, quick)))


def _previous_training() -> dict[str, object] | None:
    """The training time of the last full run, from reports/benchmark.json."""
    try:
        previous = json.loads(JSON_PATH.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    training = previous.get("training") or {}
    return training if training.get("seconds") is not None else None


def _time_training() -> float:
    """Seconds to train the full model from scratch into a temporary models dir."""
    with tempfile.TemporaryDirectory(prefix="bot-bench-models-") as tmp:
        started = time.monotonic()
        ensure_model(Path(tmp), force=True)
        return time.monotonic() - started


def _training(plan: Plan, figures: Figures, trained_now_s: float | None) -> dict[str, object] | None:
    """Fill in the training figure; the record to keep in the JSON report."""
    today = dt.date.today().isoformat()
    if trained_now_s is not None:
        figures.training_s, figures.training_note = trained_now_s, "models/ had no current model"
        return {"seconds": trained_now_s, "measured_at": today}
    if plan.train:
        _say("Timing a full training run into a temporary models dir (a few minutes)...")
        figures.training_s = _time_training()
        return {"seconds": figures.training_s, "measured_at": today}
    previous = _previous_training()
    if previous is None:
        figures.training_note = "skipped with --quick"
        return None
    figures.training_note = f"skipped with --quick; last full run measured {previous['seconds']:.1f} s"
    figures.training_note += f" on {previous['measured_at']}"
    return previous


def _write_json(figures: Figures, training: dict[str, object] | None, quick: bool) -> None:
    """All figures in reports/benchmark.json."""
    report = {
        "machine": figures.machine,
        "model": figures.model,
        "quick": quick,
        "startup_s": figures.startup_s,
        "memory_mb": figures.memory_mb,
        "parse": [r.as_dict() for r in figures.parse],
        "rest": [r.as_dict() for r in figures.rest],
        "channels": [r.as_dict() for r in figures.channels],
        "intake": figures.intake.as_dict() if figures.intake else None,
        "intake_note": figures.intake_note,
        "training": training,
    }
    JSON_PATH.parent.mkdir(parents=True, exist_ok=True)
    JSON_PATH.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")


def main(args: argparse.Namespace | None = None) -> int:
    """Run the benchmark (shorter with --quick); print the table; non-zero if any request failed."""
    quick = bool(getattr(args, "quick", False))
    plan = QUICK if quick else FULL
    models_dir = load_settings().models_dir
    trained_now_s = None
    if not model_path(models_dir).exists():
        _say("No model for the current sources in models/; training one (timed)...")
        started = time.monotonic()
        ensure_model(models_dir)
        trained_now_s = time.monotonic() - started
    model = ensure_model(models_dir)
    figures = Figures(machine=_machine(), model=model.name, startup_s=0.0)
    _serve_and_measure(model, plan, figures)
    _say("Handoff to an open agent console (a console process of its own)...")
    console = measure_console_live(quick)
    training = _training(plan, figures, trained_now_s)
    _write_json(figures, training, quick)
    print("\n".join(render(figures)), flush=True)
    print("\n".join(console_lines(console)), flush=True)
    print(f"\nWrote {JSON_PATH.relative_to(PROJECT_ROOT)}", flush=True)
    # reports and early warning at scale (issue 10)
    from bot.benchmark.analytics import main as analytics_bench

    analytics_bench(quick)
    from bot.benchmark.scale import main as scale_bench  # 1 vs 2 Rasa processes behind nginx (issue 11)

    errors = scale_bench(quick)
    errors += console.errors + sum(r.errors for r in figures.parse + figures.rest + figures.channels)
    if errors:
        print(f"{errors} request(s) failed; server logs in {LOG_DIR}", flush=True)
    return 1 if errors else 0
