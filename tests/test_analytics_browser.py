"""Supervisor report and warning pages in Chromium against a real console process on demo data:
charts with Chinese labels, drill-down from a bar, CSV exports, the injected part problem as an alert with
its evidence, acknowledge with audit trail, outreach CSV; page figures equal `bot report`'s."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from bot.analytics.analytics_time import local_today
from bot.analytics.demo import fill
from bot.analytics.warning.alerts import run_warnings
from bot.db.engine import make_engine
from bot.db.migrate import upgrade
from bot.handoff.models import AgentRole
from bot.runtime.settings import PROJECT_ROOT
from tests.console_server import Console, running_console

PASSWORD = "supervisor password 1"


@pytest.fixture(scope="module")
def console(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Console]:
    """A console on a SQLite database with 3,000 demo tickets (and their injected problems), warnings run."""
    workdir = tmp_path_factory.mktemp("analytics-console")
    url = f"sqlite:///{workdir / 'bot.db'}"
    upgrade(url)
    engine = make_engine(url)
    with engine.begin() as connection:
        fill(connection, 3000, seed=5)
    run_warnings(engine)
    engine.dispose()
    with running_console(url, workdir) as running:
        running.add_agent("boss", PASSWORD, AgentRole.SUPERVISOR, "张主管")
        running.add_agent("wang", PASSWORD, AgentRole.AGENT, "小王")
        yield running


def login(context: BrowserContext, console: Console, username: str) -> Page:
    """A page logged in as `username`."""
    page = context.new_page()
    page.goto(f"{console.url}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_url(f"{console.url}/")
    return page


@pytest.fixture()
def boss(browser_context: Callable[..., BrowserContext], console: Console) -> Page:
    """The supervisor, logged in (accepting downloads)."""
    return login(browser_context(accept_downloads=True), console, "boss")


def _download(page: Page, selector: str) -> list[list[str]]:
    """Click a CSV link and read the file."""
    with page.expect_download() as info:
        page.click(selector)
    body = Path(info.value.path()).read_text(encoding="utf-8-sig")
    return list(csv.reader(io.StringIO(body)))


def test_supervisor_sees_charts_drills_down_and_exports_csv(boss: Page, console: Console) -> None:
    today = local_today()
    start = today - dt.timedelta(days=89)
    boss.goto(f"{console.url}/reports?from={start}&to={today}&dimension=vehicle_model")
    expect(boss.locator("#trend-chart svg")).to_be_visible()
    expect(boss.locator("#dimension-chart svg")).to_be_visible()
    # Display names, not ids, and the chart's Chinese labels drawn as glyph paths (no web font needed).
    expect(boss.locator("#dimension-table")).to_contain_text("迈腾")
    assert boss.locator("#dimension-chart svg path").count() > 50
    total = int(boss.inner_text("#report-total"))

    # The same figures from the command line.
    shown = subprocess.run(
        [sys.executable, "-m", "bot.cli", "report", "--from", str(start), "--to", str(today), "--json"],
        env={"DATABASE_URL": console.database_url, "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        check=True,
    )
    document = json.loads(shown.stdout)
    assert document["total"] == total
    page_measures = {
        row.get_attribute("data-measure"): row.locator("td.num").inner_text()
        for row in boss.locator("#service-table tbody tr").all()
    }
    from bot.analytics.report import service_rows

    assert page_measures == dict(service_rows(document["service"]))

    # Every table exports as CSV with the page's figures.
    rows = _download(boss, "#export-service")
    assert rows[0][1] in ("数值", "Value") and len(rows) == len(page_measures) + 1
    models = _download(boss, "#export-dimension")
    by_model = {r[0]: int(r[2]) for r in models[1:]}
    assert sum(by_model.values()) == total == sum(r["count"] for r in document["volume"]["vehicle_model"])

    # Drill down from the first bar (the model with most tickets) to its tickets.
    top = document["volume"]["vehicle_model"][0]
    boss.locator("#dimension-chart svg a").first.click()
    boss.wait_for_url("**/reports/tickets?**")
    expect(boss.locator("#drill-count")).to_contain_text(str(top["count"]))
    assert boss.locator("#drill-table tbody tr").count() == min(top["count"], 500)
    listed = _download(boss, "#export-tickets")
    assert listed[0][0] == "reference" and len(listed) == min(top["count"], 500) + 1


def test_injected_part_problem_shows_as_an_alert_with_evidence(boss: Page, console: Console) -> None:
    boss.goto(f"{console.url}/warnings")
    card = boss.locator("article.alert-card", has_text="迈腾 · 鼓风机")
    expect(card).to_be_visible()
    observed = int(card.locator("td.observed").inner_text())
    expected = float(card.locator("td.expected").inner_text())
    assert observed > 2 * expected
    expect(card.locator(".chart.trend svg")).to_be_visible()
    assert card.locator("ul.examples li").count() >= 1
    rows = _download(boss, f"#{card.get_attribute('id')} a.outreach")
    assert rows[0] == ["customer_id", "name", "phone", "language", "message"] and len(rows) > 1
    assert any("迈腾" in r[4] or "Magotan" in r[4] for r in rows[1:])
    card.locator("input[name=note]").fill("已通知质量部门")
    card.locator("button[value=acknowledge]").click()
    boss.wait_for_url(f"{console.url}/warnings")
    card = boss.locator("article.alert-card", has_text="迈腾 · 鼓风机")
    expect(card).to_have_attribute("data-status", "acknowledged")
    expect(card.locator("ul.audit")).to_contain_text("boss: acknowledged — 已通知质量部门")
    expect(card.locator("ul.audit")).to_contain_text("outreach_exported")


def test_agents_cannot_open_the_supervisor_pages(
    browser_context: Callable[..., BrowserContext], console: Console
) -> None:
    page = login(browser_context(), console, "wang")
    for path in ("/reports", "/warnings"):
        response = page.goto(f"{console.url}{path}")
        assert response is not None and response.status == 403
