"""Service measures of a report (defined in the README, "Analytics"), aggregated in SQL.

Every measure is over the tickets filed in the report's range (a cohort): their first responses,
resolutions, ratings and reopenings, whenever those happened.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache, partial
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import text
from sqlalchemy.engine import Connection

from bot.analytics.business_calendar import Calendar, desk_calendar
from bot.analytics.filters import ReportFilter
from bot.analytics.maintenance import tune_report_transaction
from bot.analytics.together import run_together

SLA_PATH = Path(__file__).with_name("sla.yml")
# Resolutions and responses of a cohort can come after its range ends; the calendar covers this much more.
_CALENDAR_TAIL_DAYS = 120
# One-touch: resolved within a day of the first agent answer (one contact), never reopened.
ONE_TOUCH_S = 24 * 3600
OPEN_STATUSES = ("waiting_agent", "assigned", "reopened", "open")
_DURATIONS = ("frt_s", "frt_bs", "res_s", "res_bs")


@dataclass(frozen=True)
class SlaTarget:
    """First-response target of one priority."""

    priority: str
    minutes: int
    clock: str  # business | calendar


@lru_cache(maxsize=1)
def sla_targets(path: Path = SLA_PATH) -> tuple[SlaTarget, ...]:
    """Targets per priority from sla.yml."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    return tuple(
        SlaTarget(priority, int(entry["first_response_minutes"]), str(entry.get("clock", "business")))
        for priority, entry in raw.items()
    )


def _spans_sql(dialect: str, calendar: Calendar, where: str) -> str:
    """WITH clause: per ticket its durations (calendar and business seconds), SLA result and flags.

    Read from report_facts, whose whole epoch seconds are those the tickets' timestamps give.
    """
    business = calendar.seconds_at
    times = {"b1": "f.queued_s", "b2": "f.first_response_s", "b3": "f.created_s", "b4": "f.resolved_s"}
    frt_b = f"{business(dialect, times['b2'], 'b2')} - {business(dialect, times['b1'], 'b1')}"
    res_b = f"{business(dialect, times['b4'], 'b4')} - {business(dialect, times['b3'], 'b3')}"
    met_cases = " ".join(
        f"WHEN '{target.priority}' THEN "
        f"CASE WHEN ({'frt_bs' if target.clock == 'business' else 'frt_s'}) <= {target.minutes * 60} "
        "THEN 1 ELSE 0 END"
        for target in sla_targets()
    )
    answered = "f.handed = 1 AND f.first_response_s IS NOT NULL"
    inline = " NOT MATERIALIZED" if dialect == "postgresql" else ""  # each use scans only what it needs
    return f"""
WITH raw AS{inline} (
  SELECT f.priority, f.assigned_to, f.status, f.csat, f.reopened_count, f.handed,
         CASE WHEN f.resolved_s IS NOT NULL THEN 1 ELSE 0 END AS resolved,
         CASE WHEN {answered} THEN f.first_response_s - f.queued_s END AS frt_s,
         CASE WHEN {answered} THEN {frt_b} END AS frt_bs,
         CASE WHEN f.resolved_s IS NOT NULL THEN f.resolved_s - f.created_s END AS res_s,
         CASE WHEN f.resolved_s IS NOT NULL THEN {res_b} END AS res_bs,
         CASE WHEN f.first_response_s IS NOT NULL THEN f.resolved_s - f.first_response_s END AS after_first_s
  FROM report_facts f
  {calendar.joins(dialect, times)}
  WHERE {where}
),
spans AS{inline} (
  SELECT raw.*, CASE WHEN frt_s IS NULL THEN NULL ELSE CASE priority {met_cases} ELSE NULL END END AS sla_met
  FROM raw
)
"""


def _sqlite_percentiles(connection: Connection) -> dict[str, Any]:
    """SQLite: median and 90th percentile of each duration in temp.spans (nearest rank: the smallest value
    with at least p% at or below it)."""
    result: dict[str, Any] = {}
    for measure in _DURATIONS:
        query = f"""SELECT MIN(CASE WHEN rn * 100 >= 50 * n THEN v END) AS p50,
       MIN(CASE WHEN rn * 100 >= 90 * n THEN v END) AS p90
FROM (SELECT {measure} AS v, ROW_NUMBER() OVER (ORDER BY {measure}) AS rn, COUNT(*) OVER () AS n
      FROM spans WHERE {measure} IS NOT NULL) ranked"""
        row = connection.execute(text(query)).mappings().one()
        result[f"{measure}_p50"], result[f"{measure}_p90"] = row["p50"], row["p90"]
    return result


def _rate(part: int, whole: int) -> float | None:
    """part / whole, or None when there is nothing to divide."""
    return round(part / whole, 4) if whole else None


def _int(value: Any) -> int | None:
    """A percentile as whole seconds."""
    return None if value is None else int(value)


def _sla_row(target: SlaTarget, row: Any) -> dict[str, Any]:
    """One priority's SLA compliance: answered within target among answered, and still unanswered."""
    answered, met = int(row.get("answered", 0)), int(row.get("met", 0))
    return {
        "priority": target.priority,
        "target_minutes": target.minutes,
        "clock": target.clock,
        "answered": answered,
        "met": met,
        "unanswered": int(row.get("unanswered", 0)),
        "rate": _rate(met, answered),
    }


@dataclass(frozen=True)
class ServicePlan:
    """The statements behind a report's service measures, and how their answers become the figures."""

    tasks: tuple[Callable[[Connection], Any], ...]
    dialect: str

    def assemble(self, answers: Sequence[Any]) -> dict[str, Any]:
        """The figures from the tasks' answers (in task order)."""
        if self.dialect != "postgresql":
            return _assemble(*answers[0])
        groups, *percentile_parts = answers
        pct: dict[str, Any] = {}
        for part in percentile_parts:
            pct.update(part)
        return _assemble(*_split_groups(groups), pct)


def service_plan(dialect: str, report: ReportFilter) -> ServicePlan:
    """PostgreSQL: the counts and each duration's percentiles as five statements (they can run at once:
    bot.analytics.together); SQLite: one task over a temporary table of spans."""
    where, params = report.facts_where()
    last = min(report.end + dt.timedelta(days=_CALENDAR_TAIL_DAYS), dt.date.today() + dt.timedelta(days=1))
    calendar = desk_calendar(
        report.start - dt.timedelta(days=1), max(last, report.end + dt.timedelta(days=1))
    )
    spans = _spans_sql(dialect, calendar, where)
    params = {**params, **calendar.params(dialect)}
    if dialect != "postgresql":

        def on_sqlite(connection: Connection) -> _Figures:
            calendar.create_table(connection)
            try:
                return _figures_from_temporary(connection, spans, params)
            finally:
                calendar.drop_table(connection)

        return ServicePlan((on_sqlite,), dialect)
    return ServicePlan(
        (
            partial(_pg_groups, spans=spans, params=params),
            # Business-hour and resolution sorts are the longer ones: started first when connections are few.
            *(
                partial(_pg_percentiles, spans=spans, params=params, measure=m)
                for m in ("res_bs", "frt_bs", "res_s", "frt_s")
            ),
        ),
        dialect,
    )


def service_measures(connection: Connection, report: ReportFilter) -> dict[str, Any]:
    """Response and resolution times, SLA per priority, CSAT, survey response, reopen and one-touch rates."""
    plan = service_plan(connection.dialect.name, report)
    return plan.assemble(run_together(connection, plan.tasks))


_TOTALS = f"""COUNT(*) AS tickets, COALESCE(SUM(handed), 0) AS handed, COALESCE(SUM(resolved), 0) AS resolved,
  COUNT(frt_s) AS responded, COUNT(res_s) AS resolved_timed,
  COUNT(csat) AS answers, COALESCE(SUM(CASE WHEN csat >= 4 THEN 1 ELSE 0 END), 0) AS satisfied,
  COALESCE(SUM(CASE WHEN resolved = 1 AND reopened_count > 0 THEN 1 ELSE 0 END), 0) AS reopened,
  COALESCE(SUM(CASE WHEN resolved = 1 AND reopened_count = 0
            AND (after_first_s IS NULL OR after_first_s <= {ONE_TOUCH_S}) THEN 1 ELSE 0 END), 0)
  AS one_touch"""
_SLA = """COUNT(sla_met) AS answered, COALESCE(SUM(sla_met), 0) AS met,
  COALESCE(SUM(CASE WHEN handed = 1 AND frt_s IS NULL THEN 1 ELSE 0 END), 0) AS unanswered"""
_OPEN = ", ".join(f"'{s}'" for s in OPEN_STATUSES)
_AGENT = f"COALESCE(SUM(CASE WHEN status IN ({_OPEN}) THEN 1 ELSE 0 END), 0) AS open_now"
_Figures = tuple[Any, list[Any], list[Any], dict[str, Any]]  # totals, per priority, per agent, percentiles


# Column names of _TOTALS, _SLA and _AGENT: PostgreSQL sums them per (priority, agent) cell, then over cells.
_COUNTS = (
    "tickets",
    "handed",
    "resolved",
    "responded",
    "resolved_timed",
    "answers",
    "satisfied",
    "reopened",
    "one_touch",
    "answered",
    "met",
    "unanswered",
    "open_now",
)


def _pg_groups(connection: Connection, spans: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    """PostgreSQL: the counts grouped once per (priority, agent) cell, then rolled up to priorities, agents
    and the total (GROUPING SETS over those few cells)."""
    tune_report_transaction(connection)
    sums = ", ".join(f"SUM({name}) AS {name}" for name in _COUNTS)
    query = f"""{spans},
cells AS (SELECT priority, assigned_to, {_TOTALS}, {_SLA}, {_AGENT} FROM spans GROUP BY priority, assigned_to)
SELECT json_agg(y) FROM (
  SELECT GROUPING(priority) AS not_priority, GROUPING(assigned_to) AS not_agent, priority,
         assigned_to AS agent, {sums}
  FROM cells GROUP BY GROUPING SETS ((), (priority), (assigned_to))) y"""
    return connection.execute(text(query), params).scalar_one() or []


def _pg_percentiles(
    connection: Connection, spans: str, params: dict[str, Any], measure: str
) -> dict[str, Any]:
    """PostgreSQL: median and 90th percentile of one duration, sorted once for both."""
    tune_report_transaction(connection)
    query = f"{spans} SELECT percentile_disc(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY {measure}) FROM spans"
    values = connection.execute(text(query), params).scalar_one() or [None, None]
    return {f"{measure}_p50": values[0], f"{measure}_p90": values[1]}


def _split_groups(groups: list[dict[str, Any]]) -> tuple[dict[str, Any], list[Any], list[Any]]:
    """The rolled-up cells as totals, per-priority rows and per-agent rows (busiest agent first)."""
    empty = {name: 0 for name in _COUNTS}
    totals = next((g for g in groups if g["not_priority"] == 1 and g["not_agent"] == 1), empty)
    totals = {name: 0 if value is None else value for name, value in totals.items()}
    sla_rows = [g for g in groups if g["not_priority"] == 0]
    agent_rows = sorted(
        (g for g in groups if g["not_agent"] == 0 and g["agent"] is not None),
        key=lambda r: (-r["tickets"], r["agent"]),
    )
    return totals, sla_rows, agent_rows


def _figures_from_temporary(connection: Connection, spans: str, params: dict[str, Any]) -> _Figures:
    """SQLite: the per-ticket spans once into a temporary table, then each figure from it."""
    connection.execute(text("DROP TABLE IF EXISTS temp.spans"))
    connection.execute(text(f"CREATE TEMPORARY TABLE spans AS {spans} SELECT * FROM spans"), params)
    try:
        totals = connection.execute(text(f"SELECT {_TOTALS} FROM spans")).mappings().one()
        pct = _sqlite_percentiles(connection)
        sla_rows = (
            connection.execute(text(f"SELECT priority, {_SLA} FROM spans GROUP BY priority")).mappings().all()
        )
        agent_rows = (
            connection.execute(
                text(
                    f"""SELECT assigned_to AS agent, {_TOTALS}, {_AGENT} FROM spans
WHERE assigned_to IS NOT NULL GROUP BY assigned_to ORDER BY COUNT(*) DESC, assigned_to"""
                )
            )
            .mappings()
            .all()
        )
        return totals, list(sla_rows), list(agent_rows), pct
    finally:
        connection.execute(text("DROP TABLE IF EXISTS temp.spans"))


def _assemble(totals: Any, sla_rows: list[Any], agent_rows: list[Any], pct: dict[str, Any]) -> dict[str, Any]:
    """The figures as the report shows them."""
    by_priority = {row["priority"]: row for row in sla_rows}
    return {
        "tickets": totals["tickets"],
        "handed_off": totals["handed"],
        "first_response": {
            "count": totals["responded"],
            "median_s": _int(pct["frt_s_p50"]),
            "p90_s": _int(pct["frt_s_p90"]),
            "median_business_s": _int(pct["frt_bs_p50"]),
            "p90_business_s": _int(pct["frt_bs_p90"]),
        },
        "resolution": {
            "count": totals["resolved_timed"],
            "median_s": _int(pct["res_s_p50"]),
            "p90_s": _int(pct["res_s_p90"]),
            "median_business_s": _int(pct["res_bs_p50"]),
            "p90_business_s": _int(pct["res_bs_p90"]),
        },
        "sla": [_sla_row(target, by_priority.get(target.priority, {})) for target in sla_targets()],
        "csat": {
            "answers": totals["answers"],
            "satisfied": int(totals["satisfied"]),
            "score": _rate(int(totals["satisfied"]), totals["answers"]),
        },
        "survey_response": {
            "resolved": int(totals["resolved"]),
            "answers": totals["answers"],
            "rate": _rate(totals["answers"], int(totals["resolved"])),
        },
        "reopen": {
            "resolved": int(totals["resolved"]),
            "reopened": int(totals["reopened"]),
            "rate": _rate(int(totals["reopened"]), int(totals["resolved"])),
        },
        "one_touch": {
            "resolved": int(totals["resolved"]),
            "one_touch": int(totals["one_touch"]),
            "rate": _rate(int(totals["one_touch"]), int(totals["resolved"])),
        },
        "agents": [
            {
                "agent": row["agent"],
                "tickets": row["tickets"],
                "resolved": int(row["resolved"]),
                "open_now": int(row["open_now"]),
                "csat": _rate(int(row["satisfied"]), row["answers"]),
            }
            for row in agent_rows
        ],
    }
