"""Ticket references CMP-YYYY-NNNNNN: a per-year counter in the database, safe under concurrent filing."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.constants import TICKET_REF_PREFIX
from bot.tickets.models import ReferenceCounter

# References are read by Chinese customers and agents: the year turns over at midnight Beijing time.
REFERENCE_TIMEZONE = ZoneInfo("Asia/Shanghai")
REFERENCE_DIGITS = 6
REFERENCE_PATTERN = re.compile(rf"{TICKET_REF_PREFIX}-\d{{4}}-\d{{{REFERENCE_DIGITS}}}")


def reference_year(now: dt.datetime) -> int:
    """The year a ticket created at `now` (aware) is numbered in."""
    return now.astimezone(REFERENCE_TIMEZONE).year


def format_reference(year: int, number: int) -> str:
    """CMP-2026-000123."""
    return f"{TICKET_REF_PREFIX}-{year:04d}-{number:0{REFERENCE_DIGITS}d}"


def next_reference(session: Session, year: int) -> str:
    """Take the next number of `year` inside the caller's transaction.

    The counter row is locked (FOR UPDATE on PostgreSQL; SQLite writers hold the database lock from BEGIN
    IMMEDIATE), so concurrent filings get distinct numbers. The first ticket of a year inserts the row;
    two first tickets racing both insert and one fails on the primary key, which the caller retries.
    """
    counter = session.execute(
        select(ReferenceCounter).where(ReferenceCounter.year == year).with_for_update()
    ).scalar_one_or_none()
    if counter is None:
        counter = ReferenceCounter(year=year, last_value=0)
        session.add(counter)
    counter.last_value += 1
    session.flush()
    return format_reference(year, counter.last_value)
