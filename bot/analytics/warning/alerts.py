"""The early-warning run and the alert store: raise alerts with evidence, acknowledge/dismiss with audit."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
from sqlalchemy import select, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session, selectinload

from bot.analytics.analytics_time import local_today
from bot.analytics.filters import ReportFilter
from bot.analytics.models import Alert, AlertEvent, AlertKind, AlertStatus
from bot.analytics.warning.cells import (
    CellCounts,
    dealer_category_cells,
    last_complete_week,
    model_part_cells,
)
from bot.analytics.warning.detector import FDR, WINDOWS, adjust, dispersion_size, week_p_values
from bot.db.column_types import utc_now

SYSTEM_ACTOR = "early-warning"
TREND_WEEKS = 16
EXAMPLES = 5
# A cell alerting again within this many weeks updates its alert instead of raising a new one.
EPISODE_WEEKS = 6
_METHODS = {1: "own_baseline", 2: "peer_rate"}


def _examples(
    connection: Connection, kind: str, key: tuple[str, str], first: dt.date, last: dt.date
) -> list[dict[str, Any]]:
    """The newest tickets of the cell in the window (reference, time, description)."""
    columns = ("vehicle_model", "part") if kind == AlertKind.MODEL_PART else ("dealer", "category")
    report = ReportFilter(first, last, {columns[0]: key[0], columns[1]: key[1]})
    where, params = report.where(connection.dialect.name)
    rows = connection.execute(
        text(
            f"SELECT t.reference, t.created_at, t.description FROM tickets t WHERE {where}"
            f" ORDER BY t.created_at DESC LIMIT {EXAMPLES}"
        ),
        params,
    )
    return [
        {"reference": r.reference, "created_at": str(r.created_at)[:16], "description": r.description}
        for r in rows
    ]


def _test(cells: CellCounts) -> list[dict[str, Any]]:
    """Findings (one per alerting cell) of one kind of cell at its last week."""
    if not cells.keys:
        return []
    last = len(cells.weeks) - 1
    size = dispersion_size(cells.counts[:, : last + 1 - max(WINDOWS)])
    p, window, observed, expected, method = week_p_values(
        cells.counts, cells.exposure, last, size, cells.peer_rate, cells.new_cell
    )
    reject, q = adjust(p)
    findings = []
    for i in np.where(reject)[0]:
        w = int(window[i])
        rate = float(expected[i]) / max(float(cells.exposure[i, last + 1 - w : last + 1].sum()), 1e-9)
        trend_from = max(0, last + 1 - TREND_WEEKS)
        findings.append(
            {
                "key": cells.keys[i],
                "p": float(p[i]),
                "q": float(q[i]),
                "window": w,
                "observed": int(observed[i]),
                "expected": float(expected[i]),
                "method": _METHODS.get(int(method[i]), "own_baseline"),
                "exposure": int(cells.exposure[i, last] * 1000)
                if cells.kind == AlertKind.MODEL_PART
                else None,
                "trend": [
                    {
                        "week": cells.weeks[j].isoformat(),
                        "count": int(cells.counts[i, j]),
                        "expected": round(rate * float(cells.exposure[i, j]), 2),
                    }
                    for j in range(trend_from, last + 1)
                ],
                "dispersion_size": None if not np.isfinite(size) else round(size, 2),
                "rate_per_1000": round(
                    float(observed[i]) / max(float(cells.exposure[i, last + 1 - w : last + 1].sum()), 1e-9), 4
                )
                if cells.kind == AlertKind.MODEL_PART
                else None,
                "peer_rate_per_1000": None
                if cells.peer_rate is None or not np.isfinite(cells.peer_rate[i])
                else round(float(cells.peer_rate[i]) * w, 4),
            }
        )
    return findings


def run_warnings(engine: Engine, today: dt.date | None = None) -> list[Alert]:
    """Test every cell at the last complete week; raise or update alerts; the alerts touched."""
    last_week = last_complete_week(today or local_today())
    with engine.connect() as connection:
        found = [
            (
                kind,
                finding,
                _examples(
                    connection,
                    kind,
                    finding["key"],
                    last_week - dt.timedelta(weeks=finding["window"] - 1),
                    last_week + dt.timedelta(days=6),
                ),
            )
            for kind, cells in (
                (AlertKind.MODEL_PART, model_part_cells(connection, last_week)),
                (AlertKind.DEALER_CATEGORY, dealer_category_cells(connection, last_week)),
            )
            for finding in _test(cells)
        ]
    touched = []
    with Session(engine, expire_on_commit=False) as session, session.begin():
        for kind, finding, examples in found:
            touched.append(_store(session, kind, finding, examples, last_week))
    return touched


def _store(
    session: Session, kind: AlertKind, finding: dict[str, Any], examples: list[dict[str, Any]], week: dt.date
) -> Alert:
    """Create the cell's alert, or update the one of its current episode."""
    a, b = finding["key"]
    cell_key = f"{a}|{b}"
    alert = (
        session.execute(
            select(Alert)
            .where(
                Alert.kind == kind.value,
                Alert.cell_key == cell_key,
                Alert.week >= week - dt.timedelta(weeks=EPISODE_WEEKS),
            )
            .order_by(Alert.week.desc())
        )
        .scalars()
        .first()
    )
    now = utc_now()
    evidence = {
        "trend": finding["trend"],
        "examples": examples,
        "dispersion_size": finding["dispersion_size"],
        "rate_per_1000": finding["rate_per_1000"],
        "peer_rate_per_1000": finding["peer_rate_per_1000"],
        "statistic": "negative-binomial upper tail P(X >= observed), Bonferroni over windows 1/2/4 weeks",
    }
    values = {
        "week": week,
        "method": finding["method"],
        "observed": finding["observed"],
        "expected": round(finding["expected"], 3),
        "rate_ratio": round(finding["observed"] / max(finding["expected"], 1e-9), 3),
        "p_value": finding["p"],
        "q_value": finding["q"],
        "threshold": FDR,
        "window_weeks": finding["window"],
        "exposure": finding["exposure"],
        "evidence": evidence,
        "updated_at": now,
    }
    if alert is None:
        alert = Alert(
            kind=kind.value, cell_key=cell_key, status=AlertStatus.ACTIVE.value, created_at=now, **values
        )
        if kind == AlertKind.MODEL_PART:
            alert.vehicle_model, alert.part = a, b
        else:
            alert.dealer, alert.category = a, b
        session.add(alert)
        session.flush()
        session.add(AlertEvent(alert_id=alert.id, action="raised", actor=SYSTEM_ACTOR, at=now))
    elif alert.week != week or alert.observed != finding["observed"]:
        for name, value in values.items():
            setattr(alert, name, value)
        session.add(AlertEvent(alert_id=alert.id, action="updated", actor=SYSTEM_ACTOR, at=now))
    return alert


def list_alerts(engine: Engine, statuses: tuple[str, ...] = (AlertStatus.ACTIVE.value,)) -> list[Alert]:
    """Alerts in these statuses, most significant first."""
    with Session(engine, expire_on_commit=False) as session:
        query = (
            select(Alert)
            .where(Alert.status.in_(statuses))
            .options(selectinload(Alert.events))
            .order_by(Alert.q_value, Alert.rate_ratio.desc())
        )
        return list(session.execute(query).scalars())


def get_alert(engine: Engine, alert_id: int) -> Alert | None:
    """One alert with its audit trail."""
    with Session(engine, expire_on_commit=False) as session:
        return session.execute(
            select(Alert).where(Alert.id == alert_id).options(selectinload(Alert.events))
        ).scalar_one_or_none()


def record(engine: Engine, alert_id: int, action: str, actor: str, note: str | None = None) -> Alert:
    """Acknowledge or dismiss an alert (or log an outreach export) on its audit trail."""
    statuses = {"acknowledged": AlertStatus.ACKNOWLEDGED, "dismissed": AlertStatus.DISMISSED}
    with Session(engine, expire_on_commit=False) as session, session.begin():
        alert = session.get(Alert, alert_id)
        if alert is None:
            raise LookupError(f"no alert {alert_id}")
        now = utc_now()
        if action in statuses:
            alert.status = statuses[action].value
            alert.updated_at = now
        session.add(AlertEvent(alert_id=alert.id, action=action, actor=actor, note=note or None, at=now))
    return get_alert(engine, alert_id)  # type: ignore[return-value]


def alert_to_dict(alert: Alert) -> dict[str, Any]:
    """JSON form of an alert with its evidence and audit trail."""
    return {
        "id": alert.id,
        "kind": alert.kind,
        "vehicle_model": alert.vehicle_model,
        "part": alert.part,
        "dealer": alert.dealer,
        "category": alert.category,
        "week": alert.week.isoformat(),
        "status": alert.status,
        "method": alert.method,
        "window_weeks": alert.window_weeks,
        "observed": alert.observed,
        "expected": alert.expected,
        "rate_ratio": alert.rate_ratio,
        "p_value": alert.p_value,
        "q_value": alert.q_value,
        "threshold": alert.threshold,
        "exposure": alert.exposure,
        "evidence": alert.evidence,
        "events": [
            {"action": e.action, "actor": e.actor, "note": e.note, "at": e.at.isoformat()}
            for e in alert.events
        ],
    }
