"""`bot demo-data`, `bot report`, `bot warnings` and `bot tickets import`."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine

from bot.analytics.analytics_time import local_today
from bot.analytics.dialect import GRAINS
from bot.analytics.filters import ReportFilter
from bot.db.engine import database_url, make_engine

_DEFAULT_DAYS = 90


def _engine() -> Engine:
    """The configured database, migrated to the newest schema."""
    from bot.db.migrate import upgrade

    url = database_url()
    upgrade(url)
    return make_engine(url)


def _date(value: str) -> dt.date:
    """argparse type: an ISO date."""
    try:
        return dt.date.fromisoformat(value)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {value!r}") from error


def _print_json(document: Any) -> None:
    """Pretty JSON with Chinese kept readable."""
    json.dump(document, sys.stdout, ensure_ascii=False, indent=2, default=str)
    sys.stdout.write("\n")


def _demo_data(args: argparse.Namespace) -> int:
    """Fill the database with synthetic history."""
    from bot.analytics.demo import fill
    from bot.analytics.maintenance import analyze

    engine = _engine()
    started = time.monotonic()
    with engine.begin() as connection:
        counts = fill(connection, args.tickets, args.seed)
    analyze(engine)
    print(
        f"inserted {counts['tickets']} tickets and {counts['customers']} customers"
        f" in {time.monotonic() - started:.1f} s"
    )
    return 0


def _report(args: argparse.Namespace) -> int:
    """Print the report for a date range."""
    from bot.analytics.report import build_report, report_csv, report_text

    end = args.to or local_today()
    start = getattr(args, "from") or end - dt.timedelta(days=_DEFAULT_DAYS - 1)
    equal = {
        k: v
        for k, v in (("vehicle_model", args.model), ("dealer", args.dealer), ("category", args.category))
        if v
    }
    try:
        report = ReportFilter(start, end, equal)
    except ValueError as error:
        print(error, file=sys.stderr)
        return 2
    with _engine().connect() as connection:
        document = build_report(connection, report, args.grain, args.language)
    if args.json:
        _print_json(document)
    elif args.csv:
        sys.stdout.write(report_csv(document))
    else:
        print(report_text(document))
    return 0


def _warnings(args: argparse.Namespace) -> int:
    """Run the early warning and list active alerts; or acknowledge, dismiss, export outreach."""
    from bot.analytics.labels import label
    from bot.analytics.warning.alerts import alert_to_dict, get_alert, list_alerts, record, run_warnings
    from bot.analytics.warning.outreach import outreach_csv

    engine = _engine()
    for action, alert_id in (("acknowledged", args.acknowledge), ("dismissed", args.dismiss)):
        if alert_id is not None:
            try:
                alert = record(engine, alert_id, action, args.by, args.note)
            except LookupError as error:
                print(error, file=sys.stderr)
                return 1
            print(f"alert {alert.id} {alert.status} by {args.by}")
            return 0
    if args.outreach is not None:
        alert = get_alert(engine, args.outreach)
        if alert is None:
            print(f"no alert {args.outreach}", file=sys.stderr)
            return 1
        with engine.connect() as connection:
            sys.stdout.write(outreach_csv(connection, alert))
        record(engine, alert.id, "outreach_exported", args.by)
        return 0
    if not args.no_run:
        run_warnings(engine)
    alerts = list_alerts(engine)
    if args.json:
        _print_json([alert_to_dict(a) for a in alerts])
        return 0
    if not alerts:
        print("no active alerts")
        return 0
    for alert in alerts:
        what = (
            f"{label('vehicle_model', alert.vehicle_model, 'en')} / {label('part', alert.part, 'en')}"
            if alert.kind == "model_part"
            else f"{alert.dealer} / {label('category', alert.category, 'en')}"
        )
        print(
            f"#{alert.id:<4} week {alert.week}  {what:<45} observed {alert.observed:>4}"
            f" expected {alert.expected:>7.2f} "
            f"ratio {alert.rate_ratio:>5.2f}  q {alert.q_value:.2e} (<= {alert.threshold})  {alert.method}"
            f"  last {alert.window_weeks} wk"
        )
    return 0


def _import(args: argparse.Namespace) -> int:
    """Import a csv or NHTSA file; report what could not be imported or mapped."""
    from bot.analytics.importing import import_file

    path = Path(args.file)
    if not path.is_file():
        print(f"no file {path}", file=sys.stderr)
        return 1
    engine = _engine()
    try:
        with engine.begin() as connection:
            result = import_file(connection, path, args.format, args.source)
    except ValueError as error:
        print(error, file=sys.stderr)
        return 2
    if args.json:
        _print_json(result.as_dict())
        return 0
    print(
        f"read {result.read} rows: imported {result.imported}, already imported {result.already}, "
        f"skipped {len(result.skipped)}, imported without a mapping {len({n for n, _ in result.unmapped})}"
    )
    for number, reason in result.skipped[:50]:
        print(f"  line {number}: skipped, {reason}")
    for number, what in result.unmapped[:50]:
        print(f"  line {number}: could not map {what}")
    return 0


def register(subparsers: Any) -> None:
    """Add the analytics commands to `bot`."""
    demo = subparsers.add_parser("demo-data", help="fill the database with synthetic complaint history")
    demo.add_argument(
        "--tickets", type=int, default=20_000, help="background tickets (injected problems add a few)"
    )
    demo.add_argument("--seed", type=int, default=1, help="random seed")
    demo.set_defaults(func=_demo_data)

    report = subparsers.add_parser("report", help="complaint volume and service measures for a date range")
    report.add_argument(
        "--from", type=_date, default=None, help="first day (Beijing time), default 90 days ago"
    )
    report.add_argument("--to", type=_date, default=None, help="last day, default today")
    report.add_argument("--grain", choices=GRAINS, default="week")
    report.add_argument("--model", help="only this vehicle model id (e.g. Magotan)")
    report.add_argument("--dealer", help="only this dealer")
    report.add_argument("--category", help="only this category id")
    report.add_argument("--language", choices=("zh", "en"), default="en", help="display names")
    output = report.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true")
    output.add_argument("--csv", action="store_true")
    report.set_defaults(func=_report)

    warnings = subparsers.add_parser("warnings", help="run the early warning and list active alerts")
    warnings.add_argument("--json", action="store_true")
    warnings.add_argument("--no-run", action="store_true", help="list without testing the newest week")
    warnings.add_argument("--acknowledge", type=int, metavar="ID")
    warnings.add_argument("--dismiss", type=int, metavar="ID")
    warnings.add_argument("--outreach", type=int, metavar="ID", help="print the alert's outreach list as CSV")
    warnings.add_argument("--by", default="cli", help="who acknowledges or dismisses (audit trail)")
    warnings.add_argument("--note", default=None)
    warnings.set_defaults(func=_warnings)


def register_import(tickets_commands: Any) -> None:
    """Add `tickets import` to the `bot tickets` command."""
    importing = tickets_commands.add_parser(
        "import", help="import historic complaints (csv or NHTSA flat file)"
    )
    importing.add_argument("file")
    importing.add_argument("--format", choices=("csv", "nhtsa"), required=True)
    importing.add_argument("--source", default=None, help="name of the source (idempotency key prefix)")
    importing.add_argument("--json", action="store_true")
    importing.set_defaults(func=_import)
