"""Complaint volume: counts per period and per value of one dimension, and the tickets behind a bar.

Counts come from report_facts (one narrow row per ticket with its Beijing filing day, kept by triggers);
the ticket list reads the tickets themselves.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection

from bot.analytics.dialect import day_period
from bot.analytics.filters import DIMENSIONS, ReportFilter
from bot.analytics.maintenance import tune_report_transaction

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
    column = _dimension(dimension)
    where, params = report.facts_where()
    query = f"""SELECT {day_period(connection.dialect.name, "f.created_day", grain)} AS period,
f.{column} AS value, COUNT(*) AS n
FROM report_facts f WHERE {where} GROUP BY 1, 2 ORDER BY 1, 3 DESC"""
    return [
        {"period": row.period, "value": row.value, "count": row.n}
        for row in connection.execute(text(query), params)
    ]


def volume_by(connection: Connection, report: ReportFilter, dimension: str) -> list[dict[str, Any]]:
    """Tickets per value of a dimension, largest first."""
    column = _dimension(dimension)
    where, params = report.facts_where()
    query = f"""SELECT f.{column} AS value, COUNT(*) AS n FROM report_facts f WHERE {where}
GROUP BY 1 ORDER BY 2 DESC, 1"""
    return [{"value": row.value, "count": row.n} for row in connection.execute(text(query), params)]


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


def period_counts(connection: Connection, report: ReportFilter, grain: str) -> list[dict[str, Any]]:
    """Tickets per period, oldest first."""
    where, params = report.facts_where()
    bucket = day_period(connection.dialect.name, "f.created_day", grain)
    query = (
        f"SELECT {bucket} AS period, COUNT(*) AS n FROM report_facts f WHERE {where} GROUP BY 1 ORDER BY 1"
    )
    return [{"period": row.period, "count": row.n} for row in connection.execute(text(query), params)]


def all_volumes(
    connection: Connection, report: ReportFilter, grain: str
) -> tuple[list[dict[str, Any]], dict[str, list[dict[str, Any]]]]:
    """Tickets per period and per value of every dimension: one scan with GROUPING SETS on PostgreSQL
    (grouped by day number, the days then folded into periods), one query per dimension on SQLite."""
    dialect = connection.dialect.name
    if dialect != "postgresql":
        trend = period_counts(connection, report, grain)
        return trend, {dimension: volume_by(connection, report, dimension) for dimension in DIMENSIONS}
    tune_report_transaction(connection)
    where, params = report.facts_where()
    keys = ["f.created_day", *(f"f.{d}" for d in DIMENSIONS)]
    columns = ", ".join(f"{key} AS k{i}" for i, key in enumerate(keys))
    flags = ", ".join(f"GROUPING({key}) AS g{i}" for i, key in enumerate(keys))
    sets = ", ".join(f"({key})" for key in keys)
    grouped = f"""SELECT {columns}, {flags}, COUNT(*) AS n FROM report_facts f WHERE {where}
GROUP BY GROUPING SETS ({sets})"""
    parts = [
        f"SELECT 0 AS d, {day_period(dialect, 'g.k0', grain)} AS value, CAST(SUM(g.n) AS BIGINT) AS n"
        " FROM g WHERE g.g0 = 0 GROUP BY 2"
    ]
    parts += [f"SELECT {i} AS d, g.k{i} AS value, g.n FROM g WHERE g.g{i} = 0" for i in range(1, len(keys))]
    query = f"WITH g AS MATERIALIZED ({grouped})\n" + "\nUNION ALL ".join(parts)
    trend: list[dict[str, Any]] = []
    volumes: dict[str, list[dict[str, Any]]] = {d: [] for d in DIMENSIONS}
    for row in connection.execute(text(query), params):
        if row.d == 0:
            trend.append({"period": row.value, "count": int(row.n)})
        else:
            volumes[DIMENSIONS[row.d - 1]].append({"value": row.value, "count": int(row.n)})
    trend.sort(key=lambda r: r["period"])
    for rows in volumes.values():
        rows.sort(key=lambda r: (-r["count"], r["value"] or ""))
    return trend, volumes
