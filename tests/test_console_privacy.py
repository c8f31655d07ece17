"""Supervisors download a customer's data and erase it from the console; agents cannot; CSRF applies."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from bot.db.column_types import utc_now
from bot.db.migrate import upgrade
from bot.handoff.models import AgentRole
from bot.privacy.audit import entries
from bot.tickets.store import TicketDraft, TicketStore
from tests.console_server import Console, running_console

PASSWORD = "correct horse battery"
PHONE = "+8613912340000"


@pytest.fixture(scope="module")
def console(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Console]:
    """A console process on a SQLite database of its own, with an agent and a supervisor."""
    workdir = tmp_path_factory.mktemp("console-privacy")
    url = f"sqlite:///{workdir / 'bot.db'}"
    upgrade(url)
    with running_console(url, workdir) as running:
        running.add_agent("wang", PASSWORD, AgentRole.AGENT, "小王")
        running.add_agent("boss", PASSWORD, AgentRole.SUPERVISOR, "张主管")
        yield running


def _login(console: Console, username: str) -> tuple[httpx.Client, str]:
    """A logged-in client and the CSRF token of its pages."""
    client = httpx.Client(base_url=console.url, follow_redirects=False, timeout=10)
    token = _csrf(client.get("/login").text)
    answer = client.post("/login", data={"username": username, "password": PASSWORD, "csrftoken": token})
    assert answer.status_code == 303, answer.text
    return client, _csrf(client.get("/").text)


def _csrf(page: str) -> str:
    match = re.search(r'name="csrf-token" content="([^"]+)"', page)
    assert match, page[:300]
    return match.group(1)


def _ticket(url: str) -> str:
    sender = f"web-{uuid.uuid4().hex[:8]}"
    draft = TicketDraft(
        conversation_key=f"{sender}:1",
        category="repair_complaint",
        channel="webchat",
        sender_id=sender,
        language="zh",
        transcript=[{"role": "customer", "text": "离合器修了又打滑", "at": utc_now()}],
        customer_name="李雷",
        phone=PHONE,
        vehicle_model="Bora",
        part="clutch",
        description="离合器修了又打滑",
    )
    return TicketStore(url).file_ticket(draft).reference


def test_supervisor_exports_and_forgets_a_customer(console: Console) -> None:
    reference = _ticket(console.database_url)
    agent, agent_token = _login(console, "wang")
    assert agent.get("/privacy").status_code == 403
    refused = agent.post("/privacy/export", data={"phone": PHONE, "csrftoken": agent_token})
    assert refused.status_code == 403 and "李雷" not in refused.text
    boss, token = _login(console, "boss")
    page = boss.get("/privacy")
    assert page.status_code == 200 and 'action="/privacy/forget"' in page.text
    assert boss.post("/privacy/export", data={"phone": PHONE}).status_code == 403  # no CSRF token
    export = boss.post("/privacy/export", data={"phone": "139 1234 0000", "csrftoken": token})
    assert export.status_code == 200
    assert "attachment" in export.headers["content-disposition"]
    (ticket,) = export.json()["tickets"]
    assert ticket["reference"] == reference and ticket["customer_name"] == "李雷"
    unconfirmed = boss.post("/privacy/forget", data={"phone": PHONE, "csrftoken": token})
    assert unconfirmed.status_code == 303
    assert TicketStore(console.database_url).get(reference).phone == PHONE  # nothing erased
    forget = boss.post("/privacy/forget", data={"phone": PHONE, "confirm": "forget", "csrftoken": token})
    assert forget.status_code == 303
    assert "1 张工单已匿名化" in boss.get("/privacy").text  # the flash with the counts
    erased = TicketStore(console.database_url).get(reference)
    assert erased.phone is None and erased.customer_name is None and erased.vehicle_model == "Bora"
    assert [(e.action, e.actor) for e in entries(console.database_url, PHONE)] == [
        ("export", "console:boss"),
        ("forget", "console:boss"),
    ]


def test_console_log_has_no_clear_phone(console: Console) -> None:
    logs = list(Path(console.database_url.removeprefix("sqlite:///")).parent.glob("*.log"))
    assert logs
    for log in logs:
        assert "13912340000" not in log.read_text(errors="replace")
