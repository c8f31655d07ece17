"""`bot customers export|forget PHONE` and `bot retention run` (DATABASE_URL)."""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from pathlib import Path
from typing import Any

from bot.db.engine import database_url
from bot.privacy.subject import UnknownPhone


def _url() -> str:
    """The configured database, migrated to the newest schema."""
    from bot.db.migrate import upgrade

    url = database_url()
    upgrade(url)
    return url


def _actor(args: argparse.Namespace) -> str:
    """Who acts: --actor, else the operating-system user."""
    return args.actor or f"cli:{getpass.getuser()}"


def _export(args: argparse.Namespace) -> int:
    """Write everything held about the customer as JSON (stdout or --output)."""
    from bot.privacy.export import export_customer

    try:
        document = export_customer(_url(), args.phone, _actor(args))
    except UnknownPhone as error:
        print(error, file=sys.stderr)
        return 2
    text = json.dumps(document, ensure_ascii=False, indent=2) + "\n"
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
        print(
            f"wrote {args.output}: {len(document['tickets'])} tickets, "
            f"{len(document['conversations'])} conversations",
            file=sys.stderr,
        )
    else:
        sys.stdout.write(text)
    return 0


def _forget(args: argparse.Namespace) -> int:
    """Erase the customer's personal data (asks for confirmation unless --yes)."""
    from bot.privacy.forget import forget_customer

    if not args.yes:
        answer = input(f"Erase every personal detail and conversation of {args.phone}? Type 'forget': ")
        if answer.strip() != "forget":
            print("nothing erased", file=sys.stderr)
            return 1
    try:
        counts = forget_customer(_url(), args.phone, _actor(args))
    except UnknownPhone as error:
        print(error, file=sys.stderr)
        return 2
    print(json.dumps(counts))
    return 0


def _retention(args: argparse.Namespace) -> int:
    """Apply the retention periods once."""
    from bot.privacy.retention import Periods, run_retention

    configured = Periods.from_env()
    periods = Periods(
        args.events_days or configured.events_days, args.tickets_years or configured.tickets_years
    )
    print(json.dumps(run_retention(_url(), periods)))
    return 0


def register(subparsers: Any) -> None:
    """Add `customers export|forget` and `retention run` to the `bot` command."""
    customers = subparsers.add_parser("customers", help="a customer's personal data: copy or erase")
    commands = customers.add_subparsers(dest="customers_command", required=True)
    export = commands.add_parser("export", help="everything held about a customer, as JSON")
    export.add_argument("phone", help="the customer's phone (13812345678 or +8613812345678)")
    export.add_argument("--output", "-o", help="write to this file instead of stdout")
    export.add_argument("--actor", help="who asks (recorded in the privacy audit)")
    export.set_defaults(func=_export)
    forget = commands.add_parser("forget", help="erase a customer's personal fields and conversations")
    forget.add_argument("phone", help="the customer's phone")
    forget.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    forget.add_argument("--actor", help="who asks (recorded in the privacy audit)")
    forget.set_defaults(func=_forget)
    retention = subparsers.add_parser("retention", help="retention periods for personal data")
    retention_commands = retention.add_subparsers(dest="retention_command", required=True)
    run = retention_commands.add_parser("run", help="delete old conversations, anonymise long-closed tickets")
    run.add_argument("--events-days", type=float, help="keep conversation events this many days (180)")
    run.add_argument("--tickets-years", type=float, help="keep closed tickets' personal fields (3 years)")
    run.set_defaults(func=_retention)
