"""Analytics: the one query layer (SQLite and PostgreSQL), demo data, imports, the detector and the CLI."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import text

from bot.analytics.demo import fill
from bot.analytics.filters import ReportFilter
from bot.analytics.importing import import_file, map_component, map_model
from bot.analytics.report import build_report
from bot.analytics.service import service_measures
from bot.analytics.volume import ticket_list, volume_by, volume_over_time
from bot.analytics.warning.alerts import list_alerts, record, run_warnings
from bot.analytics.warning.detector import adjust, dispersion_size, week_p_values
from bot.analytics.warning.outreach import outreach_csv
from bot.db.engine import make_engine
from bot.db.migrate import upgrade
from bot.runtime.settings import PROJECT_ROOT

NHTSA_SAMPLE = Path(__file__).parent / "data" / "nhtsa_sample.txt"
UTC = dt.timezone.utc
LOCAL = dt.timezone(dt.timedelta(hours=8))


def _ticket(connection, n: int, created: dt.datetime, **values: object) -> None:  # type: ignore[no-untyped-def]
    """Insert one ticket with the columns a report reads."""
    row = {
        "reference": f"CMP-2026-9{n:05d}",
        "category": "product_defect",
        "status": "closed",
        "priority": "normal",
        "channel": "web",
        "sender_id": f"s{n}",
        "conversation_key": f"k{n}",
        "language": "zh",
        "created_at": created,
        "updated_at": created,
        "reopened_count": 0,
        **values,
    }
    if connection.dialect.name == "sqlite":
        row = {
            k: v.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f") if isinstance(v, dt.datetime) else v
            for k, v in row.items()
        }
    columns = ", ".join(row)
    connection.execute(
        text(f"INSERT INTO tickets ({columns}) VALUES ({', '.join(':' + c for c in row)})"), row
    )


@pytest.fixture(params=["sqlite", "postgresql"])
def known_db(request: pytest.FixtureRequest, tmp_path: Path):  # type: ignore[no-untyped-def]
    """A database with six hand-made tickets whose figures are known (fresh SQLite file or PostgreSQL)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'bot.db'}"
        upgrade(url)
    else:
        url = request.getfixturevalue("postgres_url")
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM tickets"))
        # Monday 2026-03-02 10:00 Beijing: the desk (08:00-20:00 daily) is open.
        base = dt.datetime(2026, 3, 2, 10, 0, tzinfo=LOCAL)
        hour = dt.timedelta(hours=1)
        # Answered after 1 h, resolved after 2 h, rated 5.
        _ticket(
            connection,
            1,
            base,
            vehicle_model="Magotan",
            part="blower_motor",
            dealer="成都南4S店",
            waiting_since=base,
            first_response_at=base + hour,
            resolved_at=base + 2 * hour,
            csat=5,
            assigned_to="agent01",
            priority="high",
        )
        # Queued at 19:00, answered next day 09:00: 14 h calendar, 2 business hours (19-20, 08-09).
        evening = base.replace(hour=19)
        _ticket(
            connection,
            2,
            evening,
            vehicle_model="Magotan",
            part="engine",
            dealer="成都南4S店",
            waiting_since=evening,
            first_response_at=evening + 14 * hour,
            resolved_at=evening + 15 * hour,
            csat=2,
            reopened_count=1,
            assigned_to="agent01",
        )
        # Resolved without an agent after 3 h; no rating.
        _ticket(
            connection,
            3,
            base,
            vehicle_model="Sagitar",
            part="blower_motor",
            resolved_at=base + 3 * hour,
            category="pricing_dispute",
            language="en",
            channel="telegram",
        )
        # Still waiting.
        _ticket(
            connection,
            4,
            base,
            vehicle_model="Sagitar",
            waiting_since=base,
            status="waiting_agent",
            priority="urgent",
            category="roadside_assistance",
        )
        # Answered in 10 min (urgent target 30 min calendar), open, assigned.
        _ticket(
            connection,
            5,
            base + dt.timedelta(days=8),
            vehicle_model="Magotan",
            waiting_since=base + dt.timedelta(days=8),
            first_response_at=base + dt.timedelta(days=8, minutes=10),
            priority="urgent",
            status="assigned",
            assigned_to="agent02",
        )
        # Outside the range.
        _ticket(connection, 6, base - dt.timedelta(days=40), vehicle_model="Magotan")
    yield engine
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM tickets"))
    engine.dispose()


REPORT = ReportFilter(dt.date(2026, 3, 1), dt.date(2026, 3, 31))


def test_volume_by_dimension_and_period(known_db) -> None:  # type: ignore[no-untyped-def]
    with known_db.connect() as connection:
        models = {r["value"]: r["count"] for r in volume_by(connection, REPORT, "vehicle_model")}
        assert models == {"Magotan": 3, "Sagitar": 2}
        document = build_report(connection, REPORT, "week")
        assert {r["value"]: r["count"] for r in document["volume"]["vehicle_model"]} == models
        assert document["volume"]["channel"][0] == {"value": "web", "count": 4, "label": "网站"}
        assert document["trend"] == [
            {"period": "2026-03-02", "count": 4},
            {"period": "2026-03-09", "count": 1},
        ]
        weeks = volume_over_time(connection, REPORT, "vehicle_model", "week")
        assert {(r["period"], r["value"], r["count"]) for r in weeks} == {
            ("2026-03-02", "Magotan", 2),
            ("2026-03-02", "Sagitar", 2),
            ("2026-03-09", "Magotan", 1),
        }
        months = volume_over_time(connection, REPORT, "category", "month")
        assert sum(r["count"] for r in months) == 5 and {r["period"] for r in months} == {"2026-03-01"}
        narrowed = REPORT.narrowed(vehicle_model="Magotan", part="blower_motor")
        rows, total = ticket_list(connection, narrowed)
        assert total == 1 and rows[0]["dealer"] == "成都南4S店"


def test_service_measures_as_the_readme_defines_them(known_db) -> None:  # type: ignore[no-untyped-def]
    with known_db.connect() as connection:
        service = service_measures(connection, REPORT)
    assert service["tickets"] == 5 and service["handed_off"] == 4
    first = service["first_response"]
    # Answered: 1 h, 14 h, 10 min -> nearest-rank median 1 h, P90 14 h; business: 1 h, 2 h, 10 min.
    assert (first["count"], first["median_s"], first["p90_s"]) == (3, 3600, 14 * 3600)
    assert (first["median_business_s"], first["p90_business_s"]) == (3600, 2 * 3600)
    resolution = service["resolution"]
    assert (resolution["count"], resolution["median_s"], resolution["p90_s"]) == (3, 3 * 3600, 15 * 3600)
    assert service["csat"] == {"answers": 2, "satisfied": 1, "score": 0.5}
    assert service["survey_response"]["rate"] == round(2 / 3, 4)
    assert service["reopen"]["rate"] == round(1 / 3, 4)
    assert service["one_touch"]["one_touch"] == 2  # ticket 2 was reopened
    sla = {row["priority"]: row for row in service["sla"]}
    assert (sla["high"]["answered"], sla["high"]["met"]) == (1, 1)
    assert (sla["normal"]["answered"], sla["normal"]["met"]) == (1, 1)  # 2 business hours <= 8
    assert (sla["urgent"]["answered"], sla["urgent"]["met"], sla["urgent"]["unanswered"]) == (1, 1, 1)
    agents = {a["agent"]: a for a in service["agents"]}
    assert agents["agent01"]["tickets"] == 2 and agents["agent02"]["open_now"] == 1


def test_demo_data_has_the_injected_problem_and_the_detector_finds_it(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    upgrade(url)
    engine = make_engine(url)
    end = dt.date(2026, 11, 22)
    with engine.begin() as connection:
        counts = fill(connection, 4000, seed=3, end=end)
    assert counts["tickets"] > 4000
    alerts = run_warnings(engine, today=end + dt.timedelta(days=2))
    cells = {(a.vehicle_model, a.part) for a in alerts if a.kind == "model_part"}
    assert ("Magotan", "blower_motor") in cells
    magotan = next(a for a in alerts if a.part == "blower_motor")
    assert magotan.observed > magotan.expected and magotan.q_value <= magotan.threshold
    assert len(magotan.evidence["trend"]) == 16 and magotan.evidence["examples"]
    with engine.connect() as connection:
        lines = outreach_csv(connection, magotan).splitlines()
        assert lines[0] == "customer_id,name,phone,language,message" and len(lines) > 2
        assert "迈腾" in lines[1] or "Magotan" in lines[1]
    record(engine, magotan.id, "acknowledged", "boss", "engineering informed")
    assert magotan.id not in {a.id for a in list_alerts(engine)}
    with engine.connect() as connection:
        report = build_report(connection, ReportFilter(end - dt.timedelta(days=30), end))
    assert report["total"] == sum(r["count"] for r in report["volume"]["category"])


def test_detector_flags_a_tripled_cell_and_not_the_steady_ones() -> None:
    rng = np.random.default_rng(5)
    counts = rng.poisson(4.0, (50, 60)).astype(float)
    counts[7, -3:] = rng.poisson(12.0, 3)
    exposure = np.ones_like(counts)
    p, *_ = week_p_values(counts, exposure, 59, dispersion_size(counts[:, :50]))
    reject, _ = adjust(p)
    assert reject[7] and reject.sum() == 1


def test_nhtsa_and_csv_import_are_idempotent_and_report_unmapped_rows(tmp_path: Path) -> None:
    assert map_model("PASSAT") == "Passat" and map_model("迈腾") == "Magotan"
    assert map_component("POWER TRAIN:AUTOMATIC TRANSMISSION") == "transmission"
    url = f"sqlite:///{tmp_path / 'import.db'}"
    upgrade(url)
    engine = make_engine(url)
    with engine.begin() as connection:
        first = import_file(connection, NHTSA_SAMPLE, "nhtsa")
    assert (first.read, first.imported) == (4, 3)
    assert [r for _, r in first.skipped] == ["make FORD is not ours"]
    assert {w for _, w in first.unmapped} == {"model 'ATLAS'", "part 'STRUCTURE:BODY'"}
    with engine.begin() as connection:
        again = import_file(connection, NHTSA_SAMPLE, "nhtsa")
        rows = connection.execute(
            text("SELECT vehicle_model, part, priority, channel FROM tickets ORDER BY id")
        ).all()
    assert (again.imported, again.already, again.unmapped) == (0, 3, [])
    assert [tuple(r) for r in rows][:2] == [
        ("Passat", "transmission", "normal", "nhtsa"),
        ("Tiguan", "brakes", "urgent", "nhtsa"),
    ]
    layout = tmp_path / "old.csv"
    layout.write_text(
        "source_id,created_at,category,vehicle_model,part,dealer,language,csat\n"
        "A1,2025-05-01,product_defect,迈腾,鼓风机,北京亚运村4S店,zh,4\n"
        "A2,2025-05-02,pricing_dispute,Unknown car,blower,,en,\n"
        "A3,not a date,product_defect,,,,,\n",
        encoding="utf-8",
    )
    with engine.begin() as connection:
        result = import_file(connection, layout, "csv")
    assert (result.imported, len(result.skipped)) == (2, 1)
    assert result.unmapped == [(3, "model 'Unknown car'")]


def test_cli_report_figures_equal_the_query_layer(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    env = {"DATABASE_URL": url, "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    bot = [sys.executable, "-m", "bot.cli"]
    filled = subprocess.run(
        [*bot, "demo-data", "--tickets", "1500", "--seed", "2"],
        env=env,
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
    )
    assert filled.returncode == 0, filled.stderr
    assert "inserted" in filled.stdout
    today = dt.datetime.now(LOCAL).date()
    start = today - dt.timedelta(days=60)
    shown = subprocess.run(
        [*bot, "report", "--from", start.isoformat(), "--to", today.isoformat(), "--json"],
        env=env,
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
    )
    assert shown.returncode == 0, shown.stderr
    document = json.loads(shown.stdout)
    engine = make_engine(url)
    with engine.connect() as connection:
        expected = build_report(connection, ReportFilter(start, today), "week", "en")
    assert document["total"] == expected["total"] > 0
    assert document["service"] == json.loads(json.dumps(expected["service"]))
    as_csv = subprocess.run(
        [*bot, "report", "--csv"], env=env, capture_output=True, text=True, cwd=PROJECT_ROOT
    )
    assert as_csv.stdout.startswith("table,key,label,value")
    bad = subprocess.run(
        [*bot, "report", "--from", "2026-05-01", "--to", "2026-04-01"],
        env=env,
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
    )
    assert bad.returncode == 2 and "before the start" in bad.stderr
