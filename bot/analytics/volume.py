"""Complaint volume: counts per period and per value of one dimension, and the tickets behind a bar."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection

from bot.analytics.dialect import period
from bot.analytics.filters import DIMENSIONS, ReportFilter

TICKET_LIST_LIMIT = 500
_LIST_COLUMNS = (
    "reference",
    "created_at",
    "category",
    "secondary_category",
    "vehicle_model",
    "part",
    "dealer",
    "channel",
    "language",
    "priority",
    "status",
)


def _dimension(name: str) -> str:
    """A dimension checked against the known columns (it is spliced into SQL)."""
    if name not in DIMENSIONS:
        raise ValueError(f"unknown dimension {name!r}")
    return name


def volume_over_time(
    connection: Connection, report: ReportFilter, dimension: str, grain: str
) -> list[dict[str, Any]]:
    """Tickets per period and dimension value, oldest period first."""
    dialect = connection.dialect.name
    column = _dimension(dimension)
    where, params = report.where(dialect)
    query = f"""SELECT {period(dialect, "t.created_at", grain)} AS period, t.{column} AS value, COUNT(*) AS n
FROM tickets t WHERE {where} GROUP BY 1, 2 ORDER BY 1, 3 DESC"""
    return [
        {"period": row.period, "value": row.value, "count": row.n}
        for row in connection.execute(text(query), params)
    ]


def volume_by(connection: Connection, report: ReportFilter, dimension: str) -> list[dict[str, Any]]:
    """Tickets per value of a dimension, largest first."""
    column = _dimension(dimension)
    where, params = report.where(connection.dialect.name)
    query = (
        f"SELECT t.{column} AS value, COUNT(*) AS n FROM tickets t WHERE {where} GROUP BY 1 ORDER BY 2 DESC"
    )
    return [{"value": row.value, "count": row.n} for row in connection.execute(text(query), params)]


def period_totals(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per-period totals of volume_over_time rows (no second query)."""
    totals: dict[str, int] = {}
    for row in rows:
        totals[row["period"]] = totals.get(row["period"], 0) + row["count"]
    return [{"period": p, "count": n} for p, n in totals.items()]


def ticket_list(
    connection: Connection, report: ReportFilter, limit: int = TICKET_LIST_LIMIT
) -> tuple[list[dict[str, Any]], int]:
    """The tickets behind a bar (newest first, at most `limit`) and how many there are in all."""
    where, params = report.where(connection.dialect.name)
    total = connection.execute(text(f"SELECT COUNT(*) FROM tickets t WHERE {where}"), params).scalar_one()
    columns = ", ".join(f"t.{c}" for c in _LIST_COLUMNS)
    order = f"ORDER BY t.created_at DESC, t.id DESC LIMIT {int(limit)}"
    query = f"SELECT {columns} FROM tickets t WHERE {where} {order}"
    rows = [dict(row) for row in connection.execute(text(query), params).mappings()]
    for row in rows:
        row["created_at"] = str(row["created_at"])[:16].replace("T", " ")
    return rows, int(total)
