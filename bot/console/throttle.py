"""Brute-force protection for the console login: failed attempts per username and per address."""

from __future__ import annotations

import datetime as dt
import math

from bot.db.column_types import utc_now
from bot.handoff.store import HandoffStore

WINDOW = dt.timedelta(minutes=15)
MAX_FAILURES_PER_USER = 5
MAX_FAILURES_PER_ADDRESS = 20


def minutes_blocked(store: HandoffStore, username: str, ip: str) -> int:
    """0 when a login may be tried; otherwise how many minutes to wait (the window's length)."""
    since = utc_now() - WINDOW
    if (
        store.failed_logins(since, username=username) >= MAX_FAILURES_PER_USER
        or store.failed_logins(since, ip=ip) >= MAX_FAILURES_PER_ADDRESS
    ):
        return math.ceil(WINDOW.total_seconds() / 60)
    return 0
