"""report_facts (migration 0008) stays exact: filled from existing tickets on upgrade, then kept by the
triggers through bulk and single inserts, updates and deletes of tickets, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine, make_url

from bot.analytics.demo import fill
from bot.analytics.filters import DIMENSIONS, ReportFilter
from bot.analytics.report import build_report
from bot.db.engine import dispose_shared_engine, make_engine
from bot.db.migrate import alembic_config, upgrade

POSTGRES_ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
UTC = dt.timezone.utc
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=UTC)
_COPIED = (*DIMENSIONS, "status", "assigned_to", "csat", "reopened_count")
_TIMES = ("created_at", "waiting_since", "first_response_at", "resolved_at")


@pytest.fixture(params=["sqlite", "postgresql"])
def before_facts(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database of its own migrated to 0007, the revision before report_facts."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'facts.db'}"
        command.upgrade(alembic_config(url), "0007")
        yield url
        return
    name = f"bot_facts_{uuid.uuid4().hex[:10]}"
    admin = make_engine(POSTGRES_ADMIN_URL).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    try:
        command.upgrade(alembic_config(url), "0007")
        yield url
    finally:
        dispose_shared_engine(url)
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _instant(value: Any) -> dt.datetime | None:
    """A stored timestamp as aware UTC (SQLite returns naive UTC text)."""
    if value is None or isinstance(value, dt.datetime):
        return value.astimezone(UTC) if value is not None else None
    return dt.datetime.fromisoformat(str(value)).replace(tzinfo=UTC)


def _seconds(value: dt.datetime | None, dialect: str) -> int | None:
    """Whole epoch seconds as each backend computes them: PostgreSQL rounds to the second; SQLite's
    strftime('%s') rounds to the millisecond (its clock's unit), then truncates."""
    if value is None:
        return None
    micro = (value - _EPOCH) // dt.timedelta(microseconds=1)
    if dialect == "postgresql":
        return (micro + 500_000) // 1_000_000
    return ((micro + 500) // 1000) // 1000


def expected_facts(connection: Connection) -> dict[int, tuple[Any, ...]]:
    """The fact row of every ticket, computed here in Python from the ticket's own columns."""
    dialect = connection.dialect.name
    columns = ", ".join(("id", *_COPIED, *_TIMES))
    facts = {}
    for row in connection.execute(text(f"SELECT {columns} FROM tickets")).mappings():
        created, waiting, first, resolved = (_instant(row[c]) for c in _TIMES)
        assert created is not None
        local_day = (created + dt.timedelta(hours=8)).date() - dt.date(1970, 1, 1)
        facts[row["id"]] = (
            local_day.days,
            *(row[c] for c in _COPIED),
            1 if waiting is not None else 0,
            _seconds(created, dialect),
            _seconds(waiting or created, dialect),
            _seconds(first, dialect),
            _seconds(resolved, dialect),
        )
    return facts


def stored_facts(connection: Connection) -> dict[int, tuple[Any, ...]]:
    """What report_facts holds."""
    columns = ", ".join(
        (
            "ticket_id",
            "created_day",
            *_COPIED,
            "handed",
            "created_s",
            "queued_s",
            "first_response_s",
            "resolved_s",
        )
    )
    rows = connection.execute(text(f"SELECT {columns} FROM report_facts")).all()
    return {row[0]: tuple(row[1:]) for row in rows}


def assert_exact(engine: Engine) -> int:
    """report_facts equals the facts recomputed from tickets; the number of tickets."""
    with engine.connect() as connection:
        expected, stored = expected_facts(connection), stored_facts(connection)
    assert stored.keys() == expected.keys()
    wrong = [ticket for ticket, fact in expected.items() if stored[ticket] != fact]
    assert wrong == [], f"{len(wrong)} stale facts, e.g. {stored[wrong[0]]} != {expected[wrong[0]]}"
    return len(expected)


def _one_ticket(connection: Connection, created: dt.datetime) -> int:
    """Insert a single ticket the way the intake does (one INSERT of one row); its id."""
    row = {
        "reference": "CMP-2026-990001",
        "category": "product_defect",
        "status": "open",
        "priority": "normal",
        "channel": "web",
        "sender_id": "facts-test",
        "conversation_key": "facts-test",
        "language": "zh",
        "vehicle_model": "Magotan",
        "part": "blower_motor",
        "created_at": created,
        "updated_at": created,
        "reopened_count": 0,
    }
    if connection.dialect.name == "sqlite":
        row = {
            k: v.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f") if isinstance(v, dt.datetime) else v
            for k, v in row.items()
        }
    names = ", ".join(row)
    connection.execute(text(f"INSERT INTO tickets ({names}) VALUES ({', '.join(':' + c for c in row)})"), row)
    return int(connection.execute(text("SELECT id FROM tickets WHERE sender_id = 'facts-test'")).scalar_one())


def _when(connection: Connection, value: dt.datetime) -> Any:
    """A timestamp parameter as the backend stores it."""
    if connection.dialect.name == "sqlite":
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    return value


def test_facts_stay_exact_through_inserts_updates_and_deletes(before_facts: str) -> None:
    url = before_facts
    engine = make_engine(url)
    with engine.begin() as connection:
        fill(connection, 1200, seed=5)
    upgrade(url)  # 0008 fills report_facts from the tickets already there
    assert assert_exact(engine) > 1200

    with engine.begin() as connection:  # bulk: COPY on PostgreSQL, executemany on SQLite
        fill(connection, 400, seed=6)
    # Near midnight Beijing time: the local day is the next UTC day's.
    late = dt.datetime(2026, 3, 2, 23, 59, 59, 700_000, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    with engine.begin() as connection:
        single = _one_ticket(connection, late)
    total = assert_exact(engine)

    answered = dt.datetime(2026, 3, 3, 9, 0, 0, 500_000, tzinfo=UTC)
    with engine.begin() as connection:
        connection.execute(
            text(
                "UPDATE tickets SET waiting_since = :w, first_response_at = :f, resolved_at = :r,"
                " status = 'resolved', csat = 4, assigned_to = 'agent07', priority = 'high' WHERE id = :id"
            ),
            {
                "w": _when(connection, late),
                "f": _when(connection, answered),
                "r": _when(connection, answered + dt.timedelta(hours=3)),
                "id": single,
            },
        )
        connection.execute(
            text("UPDATE tickets SET vehicle_model = 'Sagitar', dealer = NULL WHERE id % 5 = 0")
        )
        connection.execute(text("UPDATE tickets SET reopened_count = reopened_count + 1 WHERE id % 11 = 0"))
        connection.execute(
            text("UPDATE tickets SET created_at = :c WHERE id % 13 = 0"), {"c": _when(connection, late)}
        )
        connection.execute(
            text("UPDATE tickets SET resolved_at = NULL, status = 'reopened' WHERE id % 17 = 0")
        )
        connection.execute(text("UPDATE tickets SET description = 'changed' WHERE id % 3 = 0"))
    assert assert_exact(engine) == total

    with engine.begin() as connection:
        connection.execute(text("DELETE FROM tickets WHERE id % 7 = 0 OR id = :id"), {"id": single})
    remaining = assert_exact(engine)
    assert remaining < total

    # The report read from the facts counts what the tickets themselves count.
    report = ReportFilter(dt.date(2026, 3, 1), dt.date(2026, 3, 31))
    where, params = report.where(engine.dialect.name)
    with engine.connect() as connection:
        document = build_report(connection, report)
        by_model = dict(
            connection.execute(
                text(f"SELECT vehicle_model, COUNT(*) FROM tickets t WHERE {where} GROUP BY 1"), params
            ).all()
        )
    assert document["total"] == sum(by_model.values()) > 0
    assert {r["value"]: r["count"] for r in document["volume"]["vehicle_model"]} == by_model

    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            connection.execute(text("TRUNCATE tickets CASCADE"))
        assert assert_exact(engine) == 0
    engine.dispose()
