"""`make bench` section: report page, `bot report` and the early-warning run over large demo histories.

Sizes: 100,000 tickets on SQLite and 1,000,000 on PostgreSQL (filled by `bot demo-data`'s generator);
`--quick` uses 5,000 and 20,000; ANALYTICS_BENCH_SQLITE_TICKETS / ANALYTICS_BENCH_PG_TICKETS override.
ANALYTICS_BENCH_SQLITE_URL / ANALYTICS_BENCH_PG_URL measure an existing database already filled by
`bot demo-data` instead (nothing is generated or dropped); a size of 0 skips that backend.
PostgreSQL is the server of TEST_POSTGRES_URL (a throw-away database is created and dropped); without it,
that half is reported as skipped.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import make_url

from bot.analytics.analytics_time import local_today
from bot.analytics.demo import fill
from bot.analytics.filters import ReportFilter
from bot.analytics.maintenance import analyze
from bot.analytics.report import build_report
from bot.analytics.warning.alerts import run_warnings
from bot.db.engine import dispose_shared_engine, make_engine
from bot.db.migrate import upgrade
from bot.runtime.settings import PROJECT_ROOT

FULL_SIZES = {"sqlite": 100_000, "postgresql": 1_000_000}
QUICK_SIZES = {"sqlite": 5_000, "postgresql": 20_000}
POSTGRES_ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
JSON_PATH = PROJECT_ROOT / "reports" / "benchmark_analytics.json"
PAGE_TARGET_S = 2.0
WARNING_TARGET_S = 30.0
_REPEATS = 3
_PASSWORD = "bench password 1"


def _say(message: str) -> None:
    """Progress on the terminal."""
    print(message, flush=True)


@contextmanager
def _database(backend: str, workdir: Path) -> Iterator[str]:
    """A fresh migrated database of the backend; dropped afterwards."""
    if backend == "sqlite":
        url = f"sqlite:///{workdir / 'analytics.db'}"
        upgrade(url)
        yield url
        return
    name = f"bot_bench_{uuid.uuid4().hex[:10]}"
    admin = make_engine(POSTGRES_ADMIN_URL).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    try:
        upgrade(url)
        yield url
    finally:
        dispose_shared_engine(url)
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _timed(work: Callable[[], Any], repeats: int = _REPEATS) -> tuple[float, float]:
    """Median and worst seconds of `repeats` runs (after one warm-up run)."""
    work()
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return statistics.median(times), max(times)


def _console_client(url: str) -> Any:
    """A Starlette test client of the real console app, logged in as a supervisor."""
    from starlette.testclient import TestClient

    from bot.console.app import ConsoleConfig, create_app
    from bot.console.passwords import hash_password
    from bot.handoff.models import AgentRole
    from bot.handoff.store import AgentExists, HandoffStore

    store = HandoffStore(url)
    with suppress(AgentExists):  # a database measured before
        store.add_agent("bench", "Bench", AgentRole.SUPERVISOR, hash_password(_PASSWORD))
    client = TestClient(
        create_app(ConsoleConfig(url, "http://127.0.0.1:9", "bench-secret-" + uuid.uuid4().hex), store)
    )
    client.__enter__()
    client.get("/login")
    token = client.cookies.get("csrftoken")
    answer = client.post("/login", data={"username": "bench", "password": _PASSWORD, "csrftoken": token})
    if answer.status_code >= 400:
        raise RuntimeError(f"bench login failed: {answer.status_code}")
    return client


@contextmanager
def _filled(backend: str, tickets: int, figures: dict[str, Any]) -> Iterator[str]:
    """The database to measure: an existing one from the environment, or a fresh one filled now."""
    existing = os.environ.get(f"ANALYTICS_BENCH_{'PG' if backend == 'postgresql' else 'SQLITE'}_URL")
    if existing:
        upgrade(existing)
        engine = make_engine(existing)
        with engine.connect() as connection:
            figures["tickets"] = connection.execute(text("SELECT COUNT(*) FROM tickets")).scalar_one()
        engine.dispose()
        figures["fill_s"] = None
        yield existing
        return
    with (
        tempfile.TemporaryDirectory(prefix="bot-bench-analytics-") as tmp,
        _database(backend, Path(tmp)) as url,
    ):
        engine = make_engine(url)
        _say(f"  {backend}: generating {tickets:,} tickets...")
        started = time.perf_counter()
        with engine.begin() as connection:
            counts = fill(connection, tickets, seed=11)
        analyze(engine)
        engine.dispose()
        figures["fill_s"] = time.perf_counter() - started
        figures["tickets"] = counts["tickets"]
        yield url


def _measure(backend: str, tickets: int) -> dict[str, Any]:
    """Fill (or take an existing database), then time the report page, `bot report` and the warning run."""
    figures: dict[str, Any] = {"backend": backend, "requested_tickets": tickets}
    with _filled(backend, tickets, figures) as url:
        engine = make_engine(url)
        today = local_today()
        ranges = {"90 days": today - dt.timedelta(days=89), "1 year": today - dt.timedelta(days=364)}
        for name, start in ranges.items():
            report = ReportFilter(start, today)

            def query(r: ReportFilter = report) -> None:
                with engine.connect() as connection:
                    build_report(connection, r)

            figures[f"query_{name}"] = _timed(query)
        client = _console_client(url)
        try:
            for name, start in ranges.items():
                query = f"/reports?from={start.isoformat()}&to={today.isoformat()}"
                response = client.get(query)
                if response.status_code != 200 or "<svg" not in response.text:
                    raise RuntimeError(f"report page failed: {response.status_code}")
                figures[f"page_{name}"] = _timed(lambda q=query: client.get(q))
            response = client.get("/warnings")
        finally:
            client.__exit__(None, None, None)
        env = {**os.environ, "DATABASE_URL": url}
        command = [sys.executable, "-m", "bot.cli", "report", "--json"]
        for name, start in ranges.items():
            args = [*command, "--from", start.isoformat(), "--to", today.isoformat()]
            figures[f"cli_{name}"] = _timed(
                lambda a=args: subprocess.run(a, env=env, cwd=PROJECT_ROOT, check=True, capture_output=True),
                2,
            )
        started = time.perf_counter()
        alerts = run_warnings(engine)
        figures["warning_run_s"] = time.perf_counter() - started
        figures["alerts"] = len(alerts)
        engine.dispose()
    return figures


def render(results: list[dict[str, Any]]) -> list[str]:
    """The section's table."""
    lines = [
        "",
        "Analytics at scale (median / worst of 3; page = GET /reports through the console app,"
        " CLI = a `bot report --json` process)",
    ]
    for r in results:
        if "skipped" in r:
            lines.append(f"  {r['backend']}: skipped ({r['skipped']})")
            continue
        filled = "an existing database" if r["fill_s"] is None else f"filled in {r['fill_s']:.0f} s"
        lines.append(f"  {r['backend']}: {r['tickets']:,} tickets ({filled})")
        for name in ("90 days", "1 year"):
            page, cli, query = r[f"page_{name}"], r[f"cli_{name}"], r[f"query_{name}"]
            verdict = "ok" if page[1] <= PAGE_TARGET_S else "over target"
            lines.append(
                f"    report page, {name:<8} {page[0]:6.2f} s / {page[1]:6.2f} s"
                f"  ({verdict}, target {PAGE_TARGET_S:.0f} s)"
                f"   bot report {cli[0]:6.2f} s / {cli[1]:6.2f} s   SQL only {query[0]:6.2f} s"
            )
        verdict = "ok" if r["warning_run_s"] <= WARNING_TARGET_S else "over target"
        lines.append(
            f"    early-warning run          {r['warning_run_s']:6.2f} s"
            f" ({verdict}, target {WARNING_TARGET_S:.0f} s), {r['alerts']} alerts"
        )
    return lines


def main(quick: bool = False) -> int:
    """Run both backends and print the section; figures also in reports/benchmark_analytics.json."""
    sizes = dict(QUICK_SIZES if quick else FULL_SIZES)
    for backend, env_name in (
        ("sqlite", "ANALYTICS_BENCH_SQLITE_TICKETS"),
        ("postgresql", "ANALYTICS_BENCH_PG_TICKETS"),
    ):
        if os.environ.get(env_name, "").isdigit():
            sizes[backend] = int(os.environ[env_name])
    _say("Analytics benchmark (demo histories, report page, bot report, early warning)...")
    results = []
    for backend, tickets in sizes.items():
        if tickets == 0 and not os.environ.get(
            f"ANALYTICS_BENCH_{'PG' if backend == 'postgresql' else 'SQLITE'}_URL"
        ):
            results.append({"backend": backend, "skipped": "size 0"})
            continue
        try:
            results.append(_measure(backend, tickets))
        except Exception as error:
            results.append({"backend": backend, "skipped": re.sub(r"\s+", " ", str(error))[:200]})
    JSON_PATH.parent.mkdir(parents=True, exist_ok=True)
    JSON_PATH.write_text(json.dumps(results, indent=2), encoding="utf-8")
    print("\n".join(render(results)), flush=True)
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    sys.exit(main(parser.parse_args().quick))
