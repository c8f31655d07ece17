"""One report (volume by every dimension, trend, service measures) for the CLI and the console alike."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

from sqlalchemy.engine import Connection

from bot.analytics.filters import ReportFilter
from bot.analytics.labels import label
from bot.analytics.service import service_plan
from bot.analytics.together import started_together
from bot.analytics.volume import volume_plan


def build_report(
    connection: Connection,
    report: ReportFilter,
    grain: str = "week",
    language: str = "zh",
    meanwhile: Callable[[dict[str, Any]], None] | None = None,
) -> dict[str, Any]:
    """Every figure of the report page for `report`, with display names in `language`.

    On PostgreSQL the volume and service statements run at once on one snapshot (bot.analytics.together);
    `meanwhile`, if given, gets the volume part of the document (total, trend, volume) as soon as it is
    counted, while the service measures are still being computed (the console draws its charts then).
    """
    volumes = volume_plan(connection.dialect.name, report, grain)
    service = service_plan(connection.dialect.name, report)
    tasks = [*service.tasks, *volumes.tasks]  # the longer statements first
    with started_together(connection, tasks) as answer:
        trend, counts = volumes.assemble([answer(i) for i in range(len(service.tasks), len(tasks))])
        document: dict[str, Any] = {
            "filter": report.as_dict(),
            "grain": grain,
            "total": sum(row["count"] for row in trend),
            "trend": trend,
            "volume": {
                dimension: [{**row, "label": label(dimension, row["value"], language)} for row in rows]
                for dimension, rows in counts.items()
            },
        }
        if meanwhile is not None:
            meanwhile(document)
        document["service"] = service.assemble([answer(i) for i in range(len(service.tasks))])
    return document


def _hours(seconds: int | None) -> str:
    """Seconds as hours with one decimal, or '-'."""
    return "-" if seconds is None else f"{seconds / 3600:.1f}"


def _percent(rate: float | None) -> str:
    """A rate as a percentage, or '-'."""
    return "-" if rate is None else f"{rate * 100:.1f}%"


def service_rows(service: dict[str, Any]) -> list[tuple[str, str]]:
    """The headline service measures as (name, value) lines, in the order the page shows them."""
    rows = [("tickets", str(service["tickets"])), ("handed_off", str(service["handed_off"]))]
    for measure in ("first_response", "resolution"):
        figures = service[measure]
        rows += [
            (f"{measure}_count", str(figures["count"])),
            (f"{measure}_median_h", _hours(figures["median_s"])),
            (f"{measure}_p90_h", _hours(figures["p90_s"])),
            (f"{measure}_median_business_h", _hours(figures["median_business_s"])),
            (f"{measure}_p90_business_h", _hours(figures["p90_business_s"])),
        ]
    rows += [
        ("csat", _percent(service["csat"]["score"])),
        ("csat_answers", str(service["csat"]["answers"])),
        ("survey_response_rate", _percent(service["survey_response"]["rate"])),
        ("reopen_rate", _percent(service["reopen"]["rate"])),
        ("one_touch_rate", _percent(service["one_touch"]["rate"])),
    ]
    rows += [(f"sla_{row['priority']}", _percent(row["rate"])) for row in service["sla"]]
    return rows


def report_text(document: dict[str, Any]) -> str:
    """The report as plain text tables."""
    lines = [
        f"Complaint report {document['filter']['from']} .. {document['filter']['to']}:"
        f" {document['total']} tickets"
    ]
    lines += ["", "Service measures"] + [
        f"  {name:<32} {value}" for name, value in service_rows(document["service"])
    ]
    lines += ["", "Agent load (agent, tickets, resolved, open now, CSAT)"]
    lines += [
        f"  {a['agent']:<20} {a['tickets']:>7} {a['resolved']:>7} {a['open_now']:>7} {_percent(a['csat']):>7}"
        for a in document["service"]["agents"]
    ]
    for dimension, rows in document["volume"].items():
        lines += ["", f"Volume by {dimension}"] + [f"  {r['label']:<32} {r['count']:>8}" for r in rows]
    lines += ["", f"Volume per {document['grain']}"] + [
        f"  {r['period']}  {r['count']:>8}" for r in document["trend"]
    ]
    return "\n".join(lines)


def report_csv(document: dict[str, Any]) -> str:
    """The report as one CSV of (table, key, label, value) rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["table", "key", "label", "value"])
    for name, value in service_rows(document["service"]):
        writer.writerow(["service", name, name, value])
    for agent in document["service"]["agents"]:
        for key in ("tickets", "resolved", "open_now", "csat"):
            writer.writerow(["agents", f"{agent['agent']}:{key}", agent["agent"], agent[key]])
    for dimension, rows in document["volume"].items():
        for row in rows:
            writer.writerow([f"volume_by_{dimension}", row["value"] or "", row["label"], row["count"]])
    for row in document["trend"]:
        writer.writerow([f"volume_per_{document['grain']}", row["period"], row["period"], row["count"]])
    return buffer.getvalue()
