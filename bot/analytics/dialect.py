"""SQL fragments that differ between SQLite and PostgreSQL: epoch seconds, local periods, LEAST/GREATEST.

Reports count days, weeks and months in Beijing time (UTC+8 all year; China has no daylight saving).
"""

from __future__ import annotations

LOCAL_OFFSET_S = 8 * 3600
LOCAL_ZONE = "Asia/Shanghai"
GRAINS = ("day", "week", "month")


def epoch(dialect: str, column: str) -> str:
    """Whole seconds since 1970 (UTC) of a timestamp column."""
    if dialect == "sqlite":
        return f"CAST(strftime('%s', {column}) AS INTEGER)"
    return f"CAST(EXTRACT(EPOCH FROM {column}) AS BIGINT)"


def period(dialect: str, column: str, grain: str) -> str:
    """The local day, week (its Monday) or month (its first day) of a timestamp, as 'YYYY-MM-DD' text."""
    if grain not in GRAINS:
        raise ValueError(f"grain must be one of {GRAINS}")
    if dialect == "sqlite":
        local = f"{column}, '+{LOCAL_OFFSET_S // 3600} hours'"
        return {
            "day": f"date({local})",
            "week": f"date({local}, '-6 days', 'weekday 1')",
            "month": f"strftime('%Y-%m-01', {local})",
        }[grain]
    return f"to_char(date_trunc('{grain}', {column} AT TIME ZONE '{LOCAL_ZONE}'), 'YYYY-MM-DD')"


def day_period(dialect: str, day: str, grain: str) -> str:
    """The day, week (its Monday) or month (its first day) of a local day number, as 'YYYY-MM-DD' text.

    Day 0 (1970-01-01) was a Thursday, so (day + 3) % 7 counts the days since Monday.
    """
    if grain not in GRAINS:
        raise ValueError(f"grain must be one of {GRAINS}")
    start = {"day": day, "week": f"({day} - ({day} + 3) % 7)", "month": day}[grain]
    if dialect == "sqlite":
        pattern = "%Y-%m-01" if grain == "month" else "%Y-%m-%d"
        return f"strftime('{pattern}', {start} * 86400, 'unixepoch')"
    as_date = f"(DATE '1970-01-01' + {start})"
    if grain == "month":
        as_date = f"date_trunc('month', {as_date})"
    return f"to_char({as_date}, 'YYYY-MM-DD')"


def least(dialect: str, *values: str) -> str:
    """The smallest of several expressions."""
    return f"{'MIN' if dialect == 'sqlite' else 'LEAST'}({', '.join(values)})"


def greatest(dialect: str, *values: str) -> str:
    """The largest of several expressions."""
    return f"{'MAX' if dialect == 'sqlite' else 'GREATEST'}({', '.join(values)})"
