"""`bot tickets list|show`: read tickets from the store (DATABASE_URL, SQLite under var/ by default)."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from bot.constants import TicketStatus
from bot.db.engine import database_url
from bot.tickets.masking import mask_phone
from bot.tickets.serialize import ticket_to_dict
from bot.tickets.store import TicketStore

_LIST_COLUMNS = ("reference", "created_at", "category", "priority", "status", "vehicle_model", "phone")


def _store() -> TicketStore:
    """The store of the configured database, migrated to the newest schema."""
    from bot.db.migrate import upgrade

    url = database_url()
    upgrade(url)
    return TicketStore(url)


def _print_json(document: Any) -> None:
    """Pretty JSON with Chinese kept readable."""
    json.dump(document, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")


def _cell(column: str, value: Any) -> str:
    """A table cell: phones masked (the table is for screens), timestamps to the minute."""
    if value in (None, ""):
        return "-"
    if column == "phone":
        return mask_phone(str(value))
    if column == "created_at":
        return str(value)[:16].replace("T", " ")
    return str(value)


def _list(args: argparse.Namespace) -> int:
    """Print tickets newest first, as a table or JSON."""
    tickets = [ticket_to_dict(t) for t in _store().list(status=args.status, limit=args.limit)]
    if args.json:
        _print_json(tickets)
        return 0
    if not tickets:
        print("no tickets")
        return 0
    rows = [[_cell(column, t[column]) for column in _LIST_COLUMNS] for t in tickets]
    widths = [max(len(c), *(len(r[i]) for r in rows)) for i, c in enumerate(_LIST_COLUMNS)]
    print("  ".join(c.ljust(w) for c, w in zip(_LIST_COLUMNS, widths, strict=True)))
    for row in rows:
        print("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)))
    return 0


def _show(args: argparse.Namespace) -> int:
    """Print one ticket with its transcript."""
    ticket = _store().get(args.reference.strip().upper())
    if ticket is None:
        print(f"no ticket {args.reference}", file=sys.stderr)
        return 1
    document = ticket_to_dict(ticket)
    if args.json:
        _print_json(document)
        return 0
    transcript = document.pop("transcript")
    width = max(len(k) for k in document)
    for key, value in document.items():
        print(f"{key.ljust(width)}  {'-' if value is None else value}")
    print("\ntranscript:")
    for line in transcript:
        print(f"  [{line['at'][:19]}] {line['role']}: {line['text']}")
    return 0


def register(subparsers: Any) -> None:
    """Add `tickets list` and `tickets show` to the `bot` command."""
    tickets = subparsers.add_parser("tickets", help="list and show tickets")
    commands = tickets.add_subparsers(dest="tickets_command", required=True)
    listing = commands.add_parser("list", help="tickets, newest first")
    listing.add_argument(
        "--status", choices=[s.value for s in TicketStatus], help="only tickets in this status"
    )
    listing.add_argument("--limit", type=int, default=None, help="at most this many")
    listing.add_argument("--json", action="store_true", help="JSON instead of a table")
    listing.set_defaults(func=_list)
    show = commands.add_parser("show", help="one ticket with its transcript")
    show.add_argument("reference", help="CMP-YYYY-NNNNNN")
    show.add_argument("--json", action="store_true", help="JSON instead of text")
    show.set_defaults(func=_show)
    from bot.analytics.cli import register_import

    register_import(commands)
