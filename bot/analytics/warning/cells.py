"""Weekly complaint counts per cell from the ticket store (one SQL aggregation), with exposure per week."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
from sqlalchemy import text
from sqlalchemy.engine import Connection

from bot.analytics.dialect import period
from bot.analytics.filters import ReportFilter
from bot.analytics.fleet import Fleet, load_fleet
from bot.analytics.warning.detector import BASELINE_WEEKS, WINDOWS

PART_CATEGORIES = ("product_defect", "repair_complaint", "roadside_assistance")
DEALER_CATEGORIES = ("repair_complaint", "pricing_dispute", "product_defect", "staff_complaint")
HISTORY_WEEKS = BASELINE_WEEKS + max(WINDOWS)


@dataclass
class CellCounts:
    """Counts and exposure (cells x weeks) of one kind of cell, weeks oldest first (Mondays)."""

    kind: str
    keys: list[tuple[str, str]]  # (model, part) or (dealer, category)
    weeks: list[dt.date]
    counts: np.ndarray
    exposure: np.ndarray
    new_cell: np.ndarray
    peer_rate: np.ndarray | None


def last_complete_week(today: dt.date) -> dt.date:
    """The Monday of the last whole week before `today`'s week."""
    return today - dt.timedelta(days=today.weekday() + 7)


def _weekly(
    connection: Connection,
    first: dt.date,
    last: dt.date,
    columns: tuple[str, str],
    categories: tuple[str, ...],
) -> list[tuple[str, str, str, int]]:
    """(week, a, b, count) rows for weeks first..last (Mondays) where both columns are given."""
    dialect = connection.dialect.name
    where, params = ReportFilter(first, last + dt.timedelta(days=6)).where(dialect)
    marks = ", ".join(f":c{i}" for i in range(len(categories)))
    params.update({f"c{i}": c for i, c in enumerate(categories)})
    a, b = columns
    week = period(dialect, "t.created_at", "week")
    query = f"""SELECT {week} AS week, t.{a} AS a, t.{b} AS b, COUNT(*) AS n
FROM tickets t WHERE {where} AND t.{a} IS NOT NULL AND t.{b} IS NOT NULL AND t.category IN ({marks})
GROUP BY 1, 2, 3"""
    return [(row.week, row.a, row.b, int(row.n)) for row in connection.execute(text(query), params)]


def _matrix(
    rows: list[tuple[str, str, str, int]], weeks: list[dt.date]
) -> tuple[list[tuple[str, str]], np.ndarray]:
    """Rows folded into a cells x weeks array."""
    week_index = {w.isoformat(): i for i, w in enumerate(weeks)}
    keys = sorted({(a, b) for _, a, b, _ in rows})
    cell_index = {key: i for i, key in enumerate(keys)}
    counts = np.zeros((len(keys), len(weeks)))
    for week, a, b, n in rows:
        if week in week_index:
            counts[cell_index[(a, b)], week_index[week]] = n
    return keys, counts


def model_part_cells(connection: Connection, last_week: dt.date, fleet: Fleet | None = None) -> CellCounts:
    """(model, part) cells with vehicles in service as exposure and peer rates for new models."""
    fleet = fleet or load_fleet()
    weeks = [last_week - dt.timedelta(weeks=HISTORY_WEEKS - 1 - i) for i in range(HISTORY_WEEKS)]
    keys, counts = _matrix(
        _weekly(connection, weeks[0], last_week, ("vehicle_model", "part"), PART_CATEGORIES), weeks
    )
    known = {m: [fleet.in_service(m, w + dt.timedelta(days=3)) for w in weeks] for m in {k[0] for k in keys}}
    exposure = np.array(
        [[max(v, 0) / 1000.0 for v in known[m]] if m in fleet.models else [1.0] * len(weeks) for m, _ in keys]
    ).reshape(len(keys), len(weeks))
    new_cell = np.array([fleet.is_new(m, last_week, HISTORY_WEEKS) for m, _ in keys], dtype=bool)
    # Peers: every established model with fleet figures, same part, over the baseline weeks.
    base = slice(0, BASELINE_WEEKS)
    peer_rate = np.full(len(keys), np.nan)
    established = np.array(
        [(m in fleet.models) and not n for (m, _), n in zip(keys, new_cell, strict=True)], dtype=bool
    )
    for i, (_, part) in enumerate(keys):
        peers = established & np.array([k[1] == part for k in keys])
        peers[i] = False
        if peers.any():
            vehicles = exposure[peers][:, base].sum()
            peer_rate[i] = counts[peers][:, base].sum() / vehicles if vehicles > 0 else np.nan
    return CellCounts("model_part", keys, weeks, counts, exposure, new_cell, peer_rate)


def dealer_category_cells(connection: Connection, last_week: dt.date) -> CellCounts:
    """(dealer, category) cells; no throughput figures per dealer, so exposure is one per week."""
    weeks = [last_week - dt.timedelta(weeks=HISTORY_WEEKS - 1 - i) for i in range(HISTORY_WEEKS)]
    keys, counts = _matrix(
        _weekly(connection, weeks[0], last_week, ("dealer", "category"), DEALER_CATEGORIES), weeks
    )
    exposure = np.ones_like(counts)
    return CellCounts("dealer_category", keys, weeks, counts, exposure, np.zeros(len(keys), dtype=bool), None)
