"""Complaint volume: counts per period and per value of one dimension, and the tickets behind a bar.

Counts come from report_facts (one narrow row per ticket with its Beijing filing day, kept by triggers);
the ticket list reads the tickets themselves.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection

from bot.analytics.dialect import day_period
from bot.analytics.filters import DIMENSIONS, ReportFilter
from bot.analytics.maintenance import tune_report_transaction
from bot.analytics.together import run_together

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


# PostgreSQL counts the dimensions in two statements run at once (bot.analytics.together), each one scan
# with GROUPING SETS: the period and the few-valued dimensions, then the many-valued ones.
_STATEMENT_KEYS = (
    ("period", "category", "secondary_category", "channel", "language", "priority"),
    ("vehicle_model", "part", "dealer"),
)
_Volumes = tuple[list[dict[str, Any]], dict[str, list[dict[str, Any]]]]


@dataclass(frozen=True)
class VolumePlan:
    """The statements behind a report's volumes, and how their answers become the trend and the tables."""

    tasks: tuple[Callable[[Connection], Any], ...]
    dialect: str

    def assemble(self, answers: Sequence[Any]) -> _Volumes:
        """Trend (oldest period first) and per-dimension counts (largest first) from the tasks' answers."""
        if self.dialect != "postgresql":
            return answers[0]
        trend: list[dict[str, Any]] = []
        volumes: dict[str, list[dict[str, Any]]] = {d: [] for d in DIMENSIONS}
        for rows in answers:
            for key, value, count in rows:
                if key == "period":
                    trend.append({"period": value, "count": count})
                else:
                    volumes[key].append({"value": value, "count": count})
        trend.sort(key=lambda r: r["period"])
        for counted in volumes.values():
            counted.sort(key=lambda r: (-r["count"], r["value"] or ""))
        return trend, volumes


def volume_plan(dialect: str, report: ReportFilter, grain: str) -> VolumePlan:
    """PostgreSQL: two GROUPING SETS statements; SQLite: one task of one query per dimension."""
    if dialect != "postgresql":

        def on_sqlite(connection: Connection) -> _Volumes:
            trend = period_counts(connection, report, grain)
            return trend, {dimension: volume_by(connection, report, dimension) for dimension in DIMENSIONS}

        return VolumePlan((on_sqlite,), dialect)
    return VolumePlan(
        tuple(partial(_grouped_counts, report=report, grain=grain, names=names) for names in _STATEMENT_KEYS),
        dialect,
    )


def _grouped_counts(
    connection: Connection, report: ReportFilter, grain: str, names: Sequence[str]
) -> list[tuple[str, Any, int]]:
    """PostgreSQL: (dimension or "period", value, tickets) for each name, in one scan (GROUPING SETS;
    grouped by day number, the days then folded into periods)."""
    tune_report_transaction(connection)
    where, params = report.facts_where()
    keys = [("f.created_day" if name == "period" else f"f.{_dimension(name)}") for name in names]
    columns = ", ".join(f"{key} AS k{i}" for i, key in enumerate(keys))
    flags = ", ".join(f"GROUPING({key}) AS g{i}" for i, key in enumerate(keys))
    sets = ", ".join(f"({key})" for key in keys)
    grouped = f"""SELECT {columns}, {flags}, COUNT(*) AS n FROM report_facts f WHERE {where}
GROUP BY GROUPING SETS ({sets})"""
    parts = []
    for i, name in enumerate(names):
        if name == "period":
            parts.append(
                f"SELECT {i} AS d, {day_period('postgresql', f'g.k{i}', grain)} AS value,"
                f" CAST(SUM(g.n) AS BIGINT) AS n FROM g WHERE g.g{i} = 0 GROUP BY 2"
            )
        else:
            parts.append(f"SELECT {i} AS d, g.k{i} AS value, g.n FROM g WHERE g.g{i} = 0")
    query = f"WITH g AS MATERIALIZED ({grouped})\n" + "\nUNION ALL ".join(parts)
    return [(names[row.d], row.value, int(row.n)) for row in connection.execute(text(query), params)]


def all_volumes(connection: Connection, report: ReportFilter, grain: str) -> _Volumes:
    """Tickets per period and per value of every dimension (aggregated in SQL)."""
    plan = volume_plan(connection.dialect.name, report, grain)
    return plan.assemble(run_together(connection, plan.tasks))
