"""Complaint volume: counts per period and per value of one dimension, and the tickets behind a bar."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection

from bot.analytics.dialect import period
from bot.analytics.filters import DIMENSIONS, ReportFilter

TICKET_LIST_LIMIT = 500
# The ticket list shows every dimension a report can drill into.
_LIST_COLUMNS = ("reference", "created_at", *DIMENSIONS, "status")


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


def all_volumes(
    connection: Connection, report: ReportFilter, grain: str
) -> tuple[list[dict[str, Any]], dict[str, list[dict[str, Any]]]]:
    """Tickets per period and per value of every dimension: one scan with GROUPING SETS on PostgreSQL."""
    dialect = connection.dialect.name
    if dialect != "postgresql":
        trend = period_totals(volume_over_time(connection, report, "category", grain))
        return trend, {dimension: volume_by(connection, report, dimension) for dimension in DIMENSIONS}
    where, params = report.where(dialect)
    bucket = period(dialect, "t.created_at", grain)
    keys = [bucket, *(f"t.{d}" for d in DIMENSIONS)]
    flags = ", ".join(f"GROUPING({key}) AS g{i}" for i, key in enumerate(keys))
    sets = ", ".join(f"({key})" for key in keys)
    columns = ", ".join(f"{key} AS k{i}" for i, key in enumerate(keys))
    grouping = f"GROUP BY GROUPING SETS ({sets})"
    query = f"SELECT {columns}, {flags}, COUNT(*) AS n FROM tickets t WHERE {where} {grouping}"
    trend: list[dict[str, Any]] = []
    volumes: dict[str, list[dict[str, Any]]] = {d: [] for d in DIMENSIONS}
    for row in connection.execute(text(query), params).mappings():
        index = next(i for i in range(len(keys)) if row[f"g{i}"] == 0)
        if index == 0:
            trend.append({"period": row["k0"], "count": row["n"]})
        else:
            volumes[DIMENSIONS[index - 1]].append({"value": row[f"k{index}"], "count": row["n"]})
    trend.sort(key=lambda r: r["period"])
    for rows in volumes.values():
        rows.sort(key=lambda r: (-r["count"], r["value"] or ""))
    return trend, volumes
