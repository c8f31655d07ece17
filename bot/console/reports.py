"""Supervisor pages of the console: reports (charts, drill-down, CSV) and early-warning alerts.

Every figure comes from bot.analytics (the same query layer as `bot report` and `bot warnings`).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlencode

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from bot.analytics.analytics_time import local_today
from bot.analytics.charts import bar_chart, trend_chart
from bot.analytics.dialect import GRAINS
from bot.analytics.filters import DIMENSIONS, ReportFilter
from bot.analytics.labels import label
from bot.analytics.report import build_report, service_rows
from bot.analytics.volume import ticket_list
from bot.analytics.warning.alerts import alert_to_dict, get_alert, list_alerts, record
from bot.analytics.warning.outreach import outreach_csv
from bot.db.engine import shared_engine

# Inline SVG charts carry style attributes; these pages allow inline styles (never inline scripts).
REPORT_CSP = (
    "default-src 'self'; img-src 'self' data:; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)
_FILTERS = ("vehicle_model", "dealer", "category", "part")
TEXTS = {
    "reports": ("投诉报表", "Complaint reports"),
    "warnings": ("预警", "Early warnings"),
    "from": ("开始日期", "From"),
    "to": ("结束日期", "To"),
    "grain": ("粒度", "Period"),
    "day": ("日", "Day"),
    "week": ("周", "Week"),
    "month": ("月", "Month"),
    "dimension": ("分组", "Group by"),
    "apply": ("查询", "Apply"),
    "all": ("全部", "All"),
    "total": ("投诉总数", "Tickets"),
    "trend": ("投诉量趋势", "Volume over time"),
    "by": ("按{d}统计", "By {d}"),
    "service": ("服务指标", "Service measures"),
    "agents": ("坐席负荷", "Agent load"),
    "export": ("导出 CSV", "Export CSV"),
    "tickets": ("工单列表", "Tickets"),
    "shown": ("共 {total} 条,显示 {shown} 条", "{total} tickets, {shown} shown"),
    "measure": ("指标", "Measure"),
    "value": ("数值", "Value"),
    "count": ("数量", "Count"),
    "no_alerts": ("当前没有预警", "No active alerts"),
    "observed": ("实际投诉", "Observed"),
    "expected": ("预期", "Expected"),
    "rate_ratio": ("倍数", "Rate ratio"),
    "statistic": ("检验", "Test"),
    "threshold": ("阈值", "Threshold"),
    "examples": ("示例工单", "Example tickets"),
    "acknowledge": ("确认处理", "Acknowledge"),
    "dismiss": ("忽略", "Dismiss"),
    "outreach": ("客户关怀名单 (CSV)", "Outreach list (CSV)"),
    "history": ("处理记录", "Audit trail"),
    "note": ("备注", "Note"),
    "window": ("最近 {w} 周", "last {w} weeks"),
    "own_baseline": ("与自身历史相比", "against its own history"),
    "peer_rate": ("新车型:与同类车型每千辆比较", "new model: against peers per 1,000 vehicles"),
    "vehicles": ("在用车辆", "vehicles in service"),
    "legend_count": ("每周投诉", "complaints a week"),
    "legend_expected": ("预期", "expected"),
    "bad_filter": ("筛选条件有误:{e}", "Bad filter: {e}"),
    "status": ("状态", "Status"),
    "agent": ("坐席", "Agent"),
    "resolved": ("已解决", "Resolved"),
    "open_now": ("当前未结", "Open now"),
    "csat": ("满意度", "CSAT"),
}
MEASURE_NAMES = {
    "tickets": ("工单数", "Tickets"),
    "handed_off": ("转人工", "Handed to agents"),
    "first_response_count": ("首次响应数", "First responses"),
    "first_response_median_h": ("首次响应时间中位数(小时)", "First response, median (h)"),
    "first_response_p90_h": ("首次响应时间 P90(小时)", "First response, P90 (h)"),
    "first_response_median_business_h": ("首次响应中位数(工作小时)", "First response, median (business h)"),
    "first_response_p90_business_h": ("首次响应 P90(工作小时)", "First response, P90 (business h)"),
    "resolution_count": ("已解决数", "Resolutions"),
    "resolution_median_h": ("解决时间中位数(小时)", "Resolution, median (h)"),
    "resolution_p90_h": ("解决时间 P90(小时)", "Resolution, P90 (h)"),
    "resolution_median_business_h": ("解决时间中位数(工作小时)", "Resolution, median (business h)"),
    "resolution_p90_business_h": ("解决时间 P90(工作小时)", "Resolution, P90 (business h)"),
    "csat": ("满意度(4–5 分占比)", "CSAT (share of 4–5)"),
    "csat_answers": ("评分数", "Ratings"),
    "survey_response_rate": ("回访应答率", "Survey response rate"),
    "reopen_rate": ("重开率", "Reopen rate"),
    "one_touch_rate": ("一次解决率", "One-touch resolution rate"),
    "sla_urgent": ("SLA 达成率·紧急", "SLA met, urgent"),
    "sla_high": ("SLA 达成率·高", "SLA met, high"),
    "sla_normal": ("SLA 达成率·普通", "SLA met, normal"),
    "sla_low": ("SLA 达成率·低", "SLA met, low"),
}
DIMENSION_NAMES = {
    "category": ("类别", "category"),
    "secondary_category": ("次要类别", "secondary category"),
    "vehicle_model": ("车型", "model"),
    "part": ("零部件", "part"),
    "dealer": ("经销商", "dealer"),
    "channel": ("渠道", "channel"),
    "language": ("语言", "language"),
    "priority": ("优先级", "priority"),
}

Handler = Callable[[Request, Any], Awaitable[Response]]


def _tr(language: str, key: str, **values: Any) -> str:
    """A text of these pages in the console language."""
    pair = TEXTS.get(key) or MEASURE_NAMES.get(key) or DIMENSION_NAMES.get(key) or (key, key)
    return pair[0 if language == "zh" else 1].format(**values)


def parse_filter(params: Any) -> ReportFilter:
    """The report filter of a query string (dates default to the last 90 days)."""
    today = local_today()
    end = dt.date.fromisoformat(params.get("to")) if params.get("to") else today
    start = dt.date.fromisoformat(params.get("from")) if params.get("from") else end - dt.timedelta(days=89)
    equal = {
        name: params[name]
        for name in DIMENSIONS
        if name in params and (params[name] or name in params.getlist("empty"))
    }
    return ReportFilter(start, end, equal)


def _query(report: ReportFilter, **extra: str) -> str:
    """A query string for the filter plus extra values."""
    values = {"from": report.start.isoformat(), "to": report.end.isoformat(), **report.equal, **extra}
    return urlencode(values)


def _csv_response(rows: list[list[Any]], name: str) -> Response:
    """A CSV download (UTF-8 with BOM, so spreadsheet programs read the Chinese)."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    csv.writer(buffer).writerows(rows)
    return Response(
        buffer.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": f'attachment; filename="{name}"'},
    )


def report_routes(
    page: Callable[[Handler], Callable[[Request], Awaitable[Response]]],
    supervisor_only: Callable[[Handler], Handler],
    render: Callable[..., Response],
    language_of: Callable[[Request, Any], str],
    database_url: str,
) -> list[Route]:
    """The routes of the report and warning pages, wrapped in the console's login and role checks."""
    engine = shared_engine(database_url)

    def with_csp(response: Response) -> Response:
        response.headers["content-security-policy"] = REPORT_CSP
        return response

    def bad_filter(request: Request, agent: Any, language: str, error: ValueError) -> Response:
        return render(
            request, "error.html", agent, status_code=400, message=_tr(language, "bad_filter", e=error)
        )

    def charts(
        document: dict[str, Any], report: ReportFilter, dimension: str, language: str
    ) -> dict[str, str]:
        """The trend and the by-dimension bar charts of a report's volumes."""
        grain = document["grain"]
        trend = document["trend"]
        rows = document["volume"][dimension][:40]
        return {
            "trend": bar_chart(
                [row["period"] for row in trend],
                [row["count"] for row in trend],
                [f"/reports/tickets?{_query(report, period=row['period'], grain=grain)}" for row in trend],
                _tr(language, "trend"),
                horizontal=False,
            ),
            "dimension": bar_chart(
                [row["label"] for row in rows],
                [row["count"] for row in rows],
                [
                    f"/reports/tickets?{_query(report, **{dimension: row['value'] or ''})}"
                    + ("&empty=" + dimension if row["value"] in (None, "") else "")
                    for row in rows
                ],
                _tr(language, "by", d=_tr(language, dimension)),
            ),
        }

    def figures(report: ReportFilter, grain: str, language: str) -> dict[str, Any]:
        with engine.connect() as connection:
            return build_report(connection, report, grain, language)

    def page_figures(
        report: ReportFilter, grain: str, language: str, dimension: str
    ) -> tuple[dict[str, Any], dict[str, str]]:
        """The report and its charts; the charts are drawn while the service measures are still counted."""
        drawn: dict[str, str] = {}
        with engine.connect() as connection:
            document = build_report(
                connection,
                report,
                grain,
                language,
                meanwhile=lambda volumes: drawn.update(charts(volumes, report, dimension, language)),
            )
        return document, drawn

    async def reports_page(request: Request, agent: Any) -> Response:
        language = language_of(request, agent)
        params = request.query_params
        grain = params.get("grain") if params.get("grain") in GRAINS else "week"
        dimension = params.get("dimension") if params.get("dimension") in DIMENSIONS else "vehicle_model"
        try:
            report = parse_filter(params)
        except ValueError as error:
            return bad_filter(request, agent, language, error)
        document, drawn = await run_in_threadpool(page_figures, report, grain, language, dimension)
        return with_csp(
            render(
                request,
                "reports.html",
                agent,
                tr=lambda key, **v: _tr(language, key, **v),
                report=report,
                document=document,
                grain=grain,
                grains=GRAINS,
                dimension=dimension,
                dimensions=DIMENSIONS,
                filters=_FILTERS,
                measures=service_rows(document["service"]),
                trend_svg=drawn["trend"],
                dimension_svg=drawn["dimension"],
                query=_query(report, grain=grain, dimension=dimension),
                label=lambda d, v: label(d, v, language),
            )
        )

    async def drill_down(request: Request, agent: Any) -> Response:
        language = language_of(request, agent)
        params = request.query_params
        try:
            report = parse_filter(params)
            if params.get("period"):
                report = _period_filter(report, params["period"], params.get("grain", "week"))
        except ValueError as error:
            return bad_filter(request, agent, language, error)

        def load() -> tuple[list[dict[str, Any]], int]:
            with engine.connect() as connection:
                return ticket_list(connection, report)

        tickets, total = await run_in_threadpool(load)
        if params.get("format") == "csv":
            columns = list(tickets[0]) if tickets else ["reference"]
            return _csv_response([columns] + [[t[c] for c in columns] for t in tickets], "tickets.csv")
        return with_csp(
            render(
                request,
                "report_tickets.html",
                agent,
                tr=lambda key, **v: _tr(language, key, **v),
                report=report,
                tickets=tickets,
                total=total,
                csv_query=urlencode([*params.multi_items(), ("format", "csv")]),
                label=lambda d, v: label(d, v, language),
            )
        )

    async def export(request: Request, agent: Any) -> Response:
        language = language_of(request, agent)
        params = request.query_params
        try:
            report = parse_filter(params)
        except ValueError as error:
            return bad_filter(request, agent, language, error)
        grain = params.get("grain") if params.get("grain") in GRAINS else "week"
        table = params.get("table", "service")
        document = await run_in_threadpool(figures, report, grain, language)
        if table == "service":
            rows = [[_tr(language, "measure"), _tr(language, "value")]] + [
                [_tr(language, n), v] for n, v in service_rows(document["service"])
            ]
        elif table == "agents":
            rows = [["agent", "tickets", "resolved", "open_now", "csat"]] + [
                [a["agent"], a["tickets"], a["resolved"], a["open_now"], a["csat"]]
                for a in document["service"]["agents"]
            ]
        elif table == "trend":
            rows = [["period", "count"]] + [[r["period"], r["count"]] for r in document["trend"]]
        elif table in DIMENSIONS:
            rows = [[table, "label", "count"]] + [
                [r["value"] or "", r["label"], r["count"]] for r in document["volume"][table]
            ]
        else:
            return Response("unknown table", status_code=400)
        return _csv_response(rows, f"{table}_{report.start}_{report.end}.csv")

    async def warnings_page(request: Request, agent: Any) -> Response:
        language = language_of(request, agent)
        alerts = await run_in_threadpool(list_alerts, engine, ("active", "acknowledged"))
        items = []
        for alert in alerts:
            document = alert_to_dict(alert)
            trend = document["evidence"].get("trend", [])
            title = (
                label("vehicle_model", alert.vehicle_model, language)
                + " · "
                + label("part", alert.part, language)
                if alert.kind == "model_part"
                else f"{alert.dealer} · {label('category', alert.category, language)}"
            )
            document["title"] = title
            document["trend_svg"] = trend_chart(
                [row["week"][5:] for row in trend],
                [row["count"] for row in trend],
                [row["expected"] for row in trend],
                title,
                (_tr(language, "legend_count"), _tr(language, "legend_expected")),
            )
            items.append(document)
        return with_csp(
            render(
                request,
                "warnings.html",
                agent,
                tr=lambda key, **v: _tr(language, key, **v),
                alerts=items,
            )
        )

    async def alert_action(request: Request, agent: Any) -> Response:
        form = await request.form()
        action = {"acknowledge": "acknowledged", "dismiss": "dismissed"}.get(str(form.get("action")))
        if action is None:
            return Response("unknown action", status_code=400)
        alert_id = int(request.path_params["alert_id"])
        try:
            await run_in_threadpool(
                record, engine, alert_id, action, agent.username, str(form.get("note") or "")
            )
        except LookupError:
            return Response("no such alert", status_code=404)
        return RedirectResponse("/warnings", status_code=303)

    async def outreach(request: Request, agent: Any) -> Response:
        alert_id = int(request.path_params["alert_id"])
        alert = await run_in_threadpool(get_alert, engine, alert_id)
        if alert is None:
            return Response("no such alert", status_code=404)

        def build() -> str:
            with engine.connect() as connection:
                return outreach_csv(connection, alert)

        body = await run_in_threadpool(build)
        await run_in_threadpool(record, engine, alert_id, "outreach_exported", agent.username)
        return Response(
            "\ufeff" + body,
            media_type="text/csv; charset=utf-8",
            headers={"content-disposition": f'attachment; filename="outreach_alert_{alert_id}.csv"'},
        )

    def guard(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        return page(supervisor_only(handler))

    return [
        Route("/reports", guard(reports_page), methods=["GET"]),
        Route("/reports/tickets", guard(drill_down), methods=["GET"]),
        Route("/reports/export.csv", guard(export), methods=["GET"]),
        Route("/warnings", guard(warnings_page), methods=["GET"]),
        Route("/warnings/{alert_id:int}", guard(alert_action), methods=["POST"]),
        Route("/warnings/{alert_id:int}/outreach.csv", guard(outreach), methods=["GET"]),
    ]


def _period_filter(report: ReportFilter, period: str, grain: str) -> ReportFilter:
    """The filter narrowed to one day, week or month starting on `period`."""
    start = dt.date.fromisoformat(period)
    if grain == "day":
        end = start
    elif grain == "month":
        end = (start.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
    else:
        end = start + dt.timedelta(days=6)
    return ReportFilter(max(start, report.start), min(end, report.end), report.equal)
