"""Business hours in SQL: a calendar of desk days so a query can count open seconds between two times.

The desk's hours and holidays are the handoff's (bot/handoff/hours.py, hours.yml + holidays.yml). For a
time t (whole epoch seconds), B(t) = open seconds of the desk from the calendar's first day to t; the business
duration of a span is B(end) - B(start). The calendar is (local day number, open seconds before that day, open
that day?) for every day: on SQLite a temporary table `business_days` joined by day number, on PostgreSQL two
array parameters indexed by day number (no temporary table, no join). A day outside the calendar gives NULL
either way, so the whole computation stays in the database.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection

from bot.analytics.dialect import LOCAL_OFFSET_S, greatest, least
from bot.handoff.hours import BusinessHours, load_hours

_EPOCH_DAY = dt.date(1970, 1, 1)
_TEMP = {"sqlite": "temp", "postgresql": "pg_temp"}  # the schema of temporary tables


@dataclass(frozen=True)
class Calendar:
    """Desk days from `first` to `last` with the desk's daily opening window (seconds after midnight)."""

    first: dt.date
    last: dt.date
    opens_s: int
    closes_s: int
    open_days: frozenset[dt.date]

    def rows(self) -> list[tuple[int, int, int]]:
        """(local day number, open seconds before that day, open that day?) for every day."""
        rows, before = [], 0
        span = max(0, self.closes_s - self.opens_s)
        day = self.first
        while day <= self.last:
            is_open = 1 if day in self.open_days else 0
            rows.append(((day - _EPOCH_DAY).days, before, is_open))
            before += span * is_open
            day += dt.timedelta(days=1)
        return rows

    def create_table(self, connection: Connection) -> None:
        """SQLite: the calendar as a temporary table `business_days` by day (replacing one left over)."""
        if connection.dialect.name != "sqlite":
            return
        self.drop_table(connection)
        columns = "day INTEGER PRIMARY KEY, before_s BIGINT, is_open INTEGER"
        connection.execute(text(f"CREATE TEMPORARY TABLE business_days ({columns})"))
        connection.execute(
            text("INSERT INTO business_days (day, before_s, is_open) VALUES (:d, :b, :o)"),
            [{"d": d, "b": b, "o": o} for d, b, o in self.rows()],
        )

    @staticmethod
    def drop_table(connection: Connection) -> None:
        """SQLite: remove the temporary calendar."""
        if connection.dialect.name == "sqlite":
            connection.execute(text("DROP TABLE IF EXISTS temp.business_days"))

    def params(self, dialect: str) -> dict[str, Any]:
        """PostgreSQL: the calendar as array parameters (first day number, open seconds before, open?)."""
        if dialect == "sqlite":
            return {}
        rows = self.rows()
        return {
            "cal_first": rows[0][0] if rows else 0,
            "cal_before": [before for _, before, _ in rows],
            "cal_open": [is_open for _, _, is_open in rows],
        }

    def joins(self, dialect: str, times: dict[str, str]) -> str:
        """SQLite: LEFT JOIN the calendar once per time (alias -> epoch-seconds expression)."""
        if dialect != "sqlite":
            return ""
        return "\n".join(
            f"LEFT JOIN business_days {alias} ON {alias}.day = {self.day_of(seconds)}"
            for alias, seconds in times.items()
        )

    def seconds_at(self, dialect: str, seconds: str, alias: str) -> str:
        """B(t) for the epoch-seconds expression `seconds` (its calendar day joined as `alias` on SQLite)."""
        of_day = f"(({seconds} + {LOCAL_OFFSET_S}) % 86400)"
        within = least(
            dialect, greatest(dialect, f"{of_day} - {self.opens_s}", "0"), str(self.closes_s - self.opens_s)
        )
        if dialect == "sqlite":
            return f"({alias}.before_s + {alias}.is_open * {within})"
        # Out-of-range subscripts are NULL in PostgreSQL, as a day missing from the joined table is.
        index = f"({self.day_of(seconds)} - :cal_first + 1)"
        before = f"(CAST(:cal_before AS BIGINT[]))[{index}]"
        is_open = f"(CAST(:cal_open AS INTEGER[]))[{index}]"
        return f"({before} + {is_open} * {within})"

    @staticmethod
    def day_of(seconds: str) -> str:
        """The local day number (days since 1970-01-01 in Beijing time) of an epoch-seconds expression."""
        return f"(({seconds} + {LOCAL_OFFSET_S}) / 86400)"


def desk_calendar(first: dt.date, last: dt.date, hours: BusinessHours | None = None) -> Calendar:
    """The desk's calendar over `first`..`last` (local dates)."""
    hours = hours or load_hours()
    open_days = set()
    day = first
    while day <= last:
        opening = dt.datetime.combine(day, dt.time(), hours.timezone) + dt.timedelta(minutes=hours.opens)
        if hours.opens < hours.closes and hours.is_open(opening):
            open_days.add(day)
        day += dt.timedelta(days=1)
    return Calendar(first, last, hours.opens * 60, hours.closes * 60, frozenset(open_days))
