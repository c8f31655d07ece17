"""The agent console in Chromium against a real uvicorn process: login and its refusals, CSRF, roles, the
session cookie out of scripts' reach, escaped customer text, the live queue, a claim race, SLA colours,
failed replies with retry, the ticket view (display names, amounts, steps, canned replies, notes, edits,
photos), resolution, and `bot agents add`."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import struct
import subprocess
import sys
import uuid
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import BrowserContext, Page, expect
from sqlalchemy import update

from bot.db.column_types import utc_now
from bot.db.engine import shared_engine
from bot.db.migrate import upgrade
from bot.handoff.models import AgentRole
from bot.runtime.settings import PROJECT_ROOT
from bot.tickets.models import Ticket
from bot.tickets.store import TicketDraft
from tests.console_server import Console, running_console

PASSWORD = "correct horse battery"
XSS_SCRIPT = "<script>window.__xss = 1</script>"
# A claim has answered: the page moved to the ticket, or came back to the queue with a message.
FINISHED_CLAIM = "() => location.pathname !== '/' || document.querySelector('.flash') !== null"
XSS_IMG = '<img src=x onerror="window.__xss = 1">'


@pytest.fixture(scope="module")
def console(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Console]:
    """One console process for the module, on a SQLite database of its own, with three accounts."""
    workdir = tmp_path_factory.mktemp("console")
    url = f"sqlite:///{workdir / 'bot.db'}"
    upgrade(url)
    with running_console(url, workdir) as running:
        running.add_agent("wang", PASSWORD, AgentRole.AGENT, "小王")
        running.add_agent("li", PASSWORD, AgentRole.AGENT, "小李")
        running.add_agent("boss", PASSWORD, AgentRole.SUPERVISOR, "张主管")
        yield running


def queued_ticket(console: Console, *, language: str = "zh", **fields: object) -> str:
    """File a blower-case ticket (pricing dispute + repair quality) and queue it; its reference."""
    sender = f"web-{uuid.uuid4().hex[:10]}"
    values: dict[str, object] = {
        "conversation_key": f"{sender}:1",
        "category": "pricing_dispute",
        "channel": "webchat",
        "sender_id": sender,
        "language": language,
        "transcript": [{"role": "customer", "text": "鼓风机报价200,换的时候要1000", "at": utc_now()}],
        "secondary_category": "repair_complaint",
        "vehicle_model": "Magotan",
        "part": "blower_motor",
        "quoted_amount": "200",
        "charged_amount": "1000",
        "dealer": "成都南4S店",
        "phone": "+8613812345678",
        "description": "空调异响,鼓风机报价从200变1000",
    }
    values.update(fields)
    reference = console.store.file_ticket(TicketDraft(**values)).reference  # type: ignore[arg-type]
    console.store.enqueue(reference, str(values.get("handoff_reason", "request_human")))
    return reference


def login(context: BrowserContext, console: Console, username: str) -> Page:
    """A page logged in as `username`, on the queue."""
    page = context.new_page()
    page.goto(f"{console.url}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_url(f"{console.url}/")
    return page


@pytest.fixture()
def agent_page(browser_context: Callable[..., BrowserContext], console: Console) -> Page:
    """小王 (agent) logged in."""
    return login(browser_context(), console, "wang")


def session_client(page: Page, console: Console) -> httpx.Client:
    """An HTTP client carrying the page's cookies (session and CSRF), without the page's CSRF token."""
    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    return httpx.Client(base_url=console.url, cookies=cookies, follow_redirects=False, timeout=10)


def csrf_of(page: Page) -> str:
    """The CSRF token the page carries."""
    return str(page.get_attribute('meta[name="csrf-token"]', "content"))


def test_unauthenticated_pages_and_apis_are_refused(console: Console) -> None:
    reference = queued_ticket(console)
    with httpx.Client(base_url=console.url, follow_redirects=False, timeout=10) as client:
        for path in ("/", f"/tickets/{reference}"):
            response = client.get(path)
            assert response.status_code == 303 and response.headers["location"] == "/login"
        for path in (
            "/api/queue",
            f"/api/tickets/{reference}",
            "/partials/queue",
            "/events",
            "/attachments/1",
        ):
            response = client.get(path)
            assert response.status_code == 401, path
            assert reference not in response.text
        for path in (
            f"/tickets/{reference}/claim",
            f"/tickets/{reference}/reply",
            f"/tickets/{reference}/resolve",
        ):
            assert client.post(path, data={"text": "hi"}).status_code in (401, 403), path
    ticket = console.store.get(reference)
    assert ticket is not None and ticket.assigned_to is None and not console.routes.pushed()


def test_login_refuses_a_wrong_password_and_throttles_guessing(
    browser_context: Callable[..., BrowserContext], console: Console
) -> None:
    page = browser_context().new_page()
    page.goto(f"{console.url}/login")
    page.fill("input[name=username]", "li")
    page.fill("input[name=password]", "wrong password")
    page.click("#login-form button[type=submit]")
    expect(page.locator("#login-error")).to_have_text("用户名或密码错误。")
    name = f"guess{uuid.uuid4().hex[:6]}"
    console.add_agent(name, PASSWORD, AgentRole.AGENT, "Guess")
    for _ in range(5):
        page.goto(f"{console.url}/login")
        page.fill("input[name=username]", name)
        page.fill("input[name=password]", "nope nope")
        page.click("#login-form button[type=submit]")
    page.goto(f"{console.url}/login")
    page.fill("input[name=username]", name)
    page.fill("input[name=password]", PASSWORD)  # right, but too late
    page.click("#login-form button[type=submit]")
    expect(page.locator("#login-error")).to_contain_text("登录失败次数过多")
    assert page.url.endswith("/login")


def test_session_cookie_is_httponly_samesite_and_hidden_from_scripts(agent_page: Page) -> None:
    cookies = {c["name"]: c for c in agent_page.context.cookies()}
    session = cookies["console_session"]
    assert session["httpOnly"] is True and session["sameSite"] == "Strict"
    assert "console_session" not in agent_page.evaluate("document.cookie")


def test_state_changes_without_the_csrf_token_are_refused(agent_page: Page, console: Console) -> None:
    reference = queued_ticket(console)
    with session_client(agent_page, console) as client:
        refused = client.post(f"/tickets/{reference}/claim", data={})
        assert refused.status_code == 403
        forged = client.post(f"/tickets/{reference}/claim", data={"csrftoken": "forged"})
        assert forged.status_code == 403
    ticket = console.store.get(reference)
    assert ticket is not None and ticket.assigned_to is None
    with session_client(agent_page, console) as client:
        accepted = client.post(
            f"/tickets/{reference}/claim", data={}, headers={"x-csrftoken": csrf_of(agent_page)}
        )
        assert accepted.status_code == 303 and accepted.headers["location"] == f"/tickets/{reference}"


def test_an_agent_cannot_do_supervisor_actions_or_act_on_anothers_ticket(
    agent_page: Page, console: Console
) -> None:
    reference = queued_ticket(console)
    assert console.store.claim(reference, "li").won
    with session_client(agent_page, console) as client:
        token = {"x-csrftoken": csrf_of(agent_page)}
        reassign = client.post(f"/tickets/{reference}/reassign", data={"agent": "wang"}, headers=token)
        assert reassign.status_code == 403 and "您没有权限" in reassign.text
        reply = client.post(f"/tickets/{reference}/reply", data={"text": "hi"}, headers=token)
        assert reply.status_code == 403
        resolve = client.post(f"/tickets/{reference}/resolve", data={"resolution": "x"}, headers=token)
        assert resolve.status_code == 403
        loads = client.get("/api/queue").json()["loads"]
        assert loads is None  # only supervisors see every agent's load
    ticket = console.store.get(reference)
    assert ticket is not None and ticket.assigned_to == "li" and ticket.status == "assigned"
    assert not [m for m in ticket.messages if m.role == "agent"]


def test_supervisor_reassigns_and_sees_every_agents_load(
    browser_context: Callable[..., BrowserContext], console: Console
) -> None:
    reference = queued_ticket(console)
    assert console.store.claim(reference, "li").won
    page = login(browser_context(), console, "boss")
    expect(page.locator("#agent-loads .load[data-agent=li]")).to_be_visible()
    before = int(page.locator("#agent-loads .load[data-agent=wang]").inner_text())
    page.goto(f"{console.url}/tickets/{reference}")
    page.select_option("#reassign-agent", "wang")
    page.click("#reassign-form button[type=submit]")
    expect(page.locator("#d-assigned")).to_have_text("小王")
    page.goto(f"{console.url}/")
    expect(page.locator("#agent-loads .load[data-agent=wang]")).to_have_text(str(before + 1))
    assert console.store.get(reference).assigned_to == "wang"  # type: ignore[union-attr]


def test_queue_updates_live_when_a_ticket_is_enqueued(agent_page: Page, console: Console) -> None:
    agent_page.evaluate("window.__stayed = true")
    reference = queued_ticket(console, language="en", category="repair_complaint", secondary_category=None)
    row = agent_page.locator(f"tr.ticket-row[data-reference='{reference}']")
    expect(row).to_be_visible(timeout=10_000)
    expect(row.locator(".category")).to_have_text("维修质量")
    expect(row).to_contain_text("英文")
    expect(row).to_contain_text("网站聊天")
    assert agent_page.evaluate("window.__stayed") is True  # no reload


def test_two_agents_claiming_at_once_exactly_one_wins(
    browser_context: Callable[..., BrowserContext], console: Console
) -> None:
    reference = queued_ticket(console)
    pages = [login(browser_context(), console, name) for name in ("wang", "li")]
    selector = f"tr.ticket-row[data-reference='{reference}'] button.claim"
    for page in pages:
        expect(page.locator(selector)).to_be_visible()
    for page in pages:  # both submissions are in flight before either answer arrives
        page.evaluate("(s) => document.querySelector(s).form.submit()", selector)
    for page in pages:
        page.wait_for_function(FINISHED_CLAIM)
    winner = console.store.get(reference).assigned_to  # type: ignore[union-attr]
    assert winner in ("wang", "li")
    won = pages[0] if winner == "wang" else pages[1]
    lost = pages[1] if winner == "wang" else pages[0]
    expect(won).to_have_url(f"{console.url}/tickets/{reference}")
    expect(lost.locator(".flash.error")).to_contain_text(f"工单 {reference} 已被")
    expect(lost.locator(".flash.error")).to_contain_text("小王" if winner == "wang" else "小李")
    claims = [e for e in console.store.events(reference) if e.kind == "assigned"]
    assert len(claims) == 1


def test_overdue_first_response_is_red(agent_page: Page, console: Console) -> None:
    reference = queued_ticket(console)
    with shared_engine(console.database_url).begin() as connection:
        connection.execute(
            update(Ticket)
            .where(Ticket.reference == reference)
            .values(waiting_since=utc_now() - dt.timedelta(hours=2), updated_at=utc_now())
        )
    sla = agent_page.locator(f"tr.ticket-row[data-reference='{reference}'] .sla")
    expect(sla).to_have_class("sla overdue", timeout=10_000)
    expect(sla).to_contain_text("已超时")
    assert sla.evaluate("e => getComputedStyle(e).color") == "rgb(204, 0, 0)"
    fresh = queued_ticket(console)
    fresh_sla = agent_page.locator(f"tr.ticket-row[data-reference='{fresh}'] .sla")
    expect(fresh_sla).to_contain_text("剩余", timeout=10_000)
    assert "overdue" not in (fresh_sla.get_attribute("class") or "")


def _png() -> bytes:
    """A 2x2 red PNG."""
    raw = b"".join(b"\x00" + b"\xff\x00\x00" * 2 for _ in range(2))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def test_customer_written_text_is_inert(agent_page: Page, console: Console) -> None:
    reference = queued_ticket(
        console,
        customer_name=XSS_SCRIPT,
        description=XSS_IMG,
        dealer=f"{XSS_IMG}4S店",
        transcript=[{"role": "customer", "text": XSS_SCRIPT + XSS_IMG, "at": utc_now()}],
    )
    console.store.add_customer_message(reference, XSS_IMG)
    console.store.add_attachment(reference, f"{XSS_IMG}.png", "image/png", _png(), caption=XSS_SCRIPT)
    expect(agent_page.locator(f"tr.ticket-row[data-reference='{reference}']")).to_be_visible(timeout=10_000)
    agent_page.goto(f"{console.url}/tickets/{reference}")
    expect(agent_page.locator("#d-customer_name")).to_have_text(XSS_SCRIPT)
    expect(agent_page.locator("#d-description")).to_have_text(XSS_IMG)
    expect(agent_page.locator("#transcript-lines")).to_contain_text(XSS_IMG)
    expect(agent_page.locator("#attachments .caption")).to_have_text(XSS_SCRIPT)
    assert agent_page.locator("#transcript-lines img, #details img").count() == 0
    assert agent_page.evaluate("window.__xss") is None
    console.store.add_customer_message(reference, XSS_SCRIPT)  # arrives live
    expect(agent_page.locator("#transcript-lines .line").last).to_have_text(
        re.compile(r".*<script>window.__xss = 1</script>.*", re.S), timeout=10_000
    )
    assert agent_page.evaluate("window.__xss") is None


def test_ticket_view_reply_failure_retry_notes_steps_edits_and_resolution(
    agent_page: Page, console: Console
) -> None:
    reference = queued_ticket(console, language="en")
    photo = console.store.add_attachment(reference, "dashboard.png", "image/png", _png(), caption="the noise")
    page = agent_page
    page.goto(f"{console.url}/tickets/{reference}")
    # Details with display names (never ids), both amounts and the jump.
    expect(page.locator("#d-category")).to_have_text("收费争议")
    expect(page.locator("#d-secondary_category")).to_have_text("维修质量")
    expect(page.locator("#d-vehicle_model")).to_have_text("迈腾")
    expect(page.locator("#d-part")).to_have_text("鼓风机")
    expect(page.locator("#d-quoted_amount")).to_have_text("¥200")
    expect(page.locator("#d-charged_amount")).to_have_text("¥1000")
    expect(page.locator("#d-price-jump")).to_have_text("+¥800")
    # The photo is shown (served with the session).
    image = page.locator(f"img[src='/attachments/{photo.id}']")
    expect(image).to_be_visible()
    assert image.evaluate("img => img.complete && img.naturalWidth") == 2
    # Suggested steps of the pricing dispute (from the domain brief), ticked and audited.
    steps = page.locator("#steps li")
    expect(steps.first).to_contain_text("道歉")
    expect(page.locator("#steps")).to_contain_text("官方配件和工时价格表")
    expect(page.locator("#steps")).to_contain_text("善意")
    # Claim from the ticket view (an agent acts on their own tickets).
    page.click("#claim-here")
    expect(page.locator("#d-assigned")).to_have_text("小王")
    page.locator("input.step[data-step='pricing_dispute.apologise']").check()
    expect(page.locator("#audit-trail")).to_contain_text("由服务经理向客户诚恳道歉 ✓", timeout=10_000)
    # Canned reply in the customer's language (English), sent while the customer's channel is down.
    page.click("button.canned-reply[data-id=apology]")
    expect(page.locator("#reply-text")).to_have_value(re.compile("^We are very sorry"))
    console.routes.fail = True
    try:
        page.click("#send-reply")
        failed = page.locator("#transcript-lines li.role-agent.failed")
        expect(failed).to_have_count(1)
        expect(failed.locator(".delivery-failed")).to_have_text("发送失败")
        console.routes.fail = False
        failed.locator("button.retry").click()
        expect(page.locator("#transcript-lines li.role-agent .delivery-sent")).to_have_count(1)
        expect(page.locator("#transcript-lines li.role-agent.failed")).to_have_count(0)
    finally:
        console.routes.fail = False
    pushed = [b for b in console.routes.pushed() if b["sender_id"] == console.store.get(reference).sender_id]  # type: ignore[union-attr]
    assert len(pushed) == 2 and pushed[-1]["agent_name"] == "小王"
    assert pushed[-1]["text"].startswith("We are very sorry")
    document = console.store.get(reference)
    assert document is not None and document.first_response_at is not None
    # Internal note: shown to agents, never sent to the customer.
    page.fill("#note-text", "经销商承认报价错误")
    page.click("#add-note")
    expect(page.locator("#note-list")).to_contain_text("经销商承认报价错误")
    assert all(
        "经销商承认报价错误" not in json.dumps(body, ensure_ascii=False) for _, body in console.routes.calls
    )
    # Editing a detail writes the audit trail.
    page.select_option("#field-name", "dealer")
    page.fill("#field-value", "成都东4S店")
    page.click("#save-field")
    expect(page.locator("#d-dealer")).to_have_text("成都东4S店")
    expect(page.locator("#audit-trail")).to_contain_text("成都南4S店 → 成都东4S店")
    # Resolve with a summary: resolved, the Rasa server asked to tell the customer.
    page.fill("#resolution", "Dealer refunds the 800 yuan difference")
    page.click("#resolve")
    expect(page.locator("#ticket-status")).to_have_text("已解决")
    expect(page.locator(".flash")).to_contain_text("客户将收到满意度调查")
    resolved = [b for b in console.routes.resolved() if b["reference"] == reference]
    assert resolved and resolved[0]["resolution"] == "Dealer refunds the 800 yuan difference"
    ticket = console.store.get(reference)
    assert ticket is not None and ticket.status == "resolved" and ticket.resolution.startswith("Dealer")
    # The conversation is the bot's again: no more agent lines until the case comes back.
    page.fill("#reply-text", "one more thing")
    page.click("#send-reply")
    expect(page.locator(".flash.error")).to_contain_text("不在人工处理中")
    assert all(body.get("text") != "one more thing" for body in console.routes.pushed())
    # The JSON view carries the handoff fields and the agent's turns.
    with session_client(page, console) as client:
        data = client.get(f"/api/tickets/{reference}").json()
    agent_turns = [line for line in data["transcript"] if line["role"] == "agent"]
    assert agent_turns and agent_turns[0]["agent_name"] == "小王" and agent_turns[0]["delivery"] == "sent"
    assert data["attachments"][0]["filename"] == "dashboard.png" and data["assigned_to"] == "wang"


def test_english_switch(agent_page: Page, console: Console) -> None:
    reference = queued_ticket(console)
    agent_page.click("#switch-language")
    expect(agent_page.locator("h2").first).to_contain_text("Queue")
    row = agent_page.locator(f"tr.ticket-row[data-reference='{reference}']")
    expect(row.locator(".category")).to_have_text("Pricing dispute")
    agent_page.goto(f"{console.url}/tickets/{reference}")
    expect(agent_page.locator("#d-vehicle_model")).to_have_text("Magotan")
    expect(agent_page.locator("#d-part")).to_have_text("blower motor")
    expect(agent_page.locator("#steps")).to_contain_text("official parts-and-labour price list")
    agent_page.click("#switch-language")
    expect(agent_page.locator("#d-part")).to_have_text("鼓风机")


def test_bot_agents_add_reads_the_password_from_stdin_never_an_argument(
    console: Console, tmp_path: Path
) -> None:
    env = {**os.environ, "DATABASE_URL": console.database_url, "BOT_SECRETS_DIR": str(tmp_path)}
    command = [
        sys.executable,
        "-m",
        "bot.cli",
        "agents",
        "add",
        "zhao",
        "--role",
        "supervisor",
        "--display-name",
        "赵主管",
    ]
    created = subprocess.run(
        command, input="a long password\n", env=env, cwd=PROJECT_ROOT, capture_output=True, text=True
    )
    assert created.returncode == 0, created.stderr
    agent = console.store.agent("zhao")
    assert agent is not None and agent.role == "supervisor" and agent.password_hash.startswith("$argon2id$")
    again = subprocess.run(
        command, input="a long password\n", env=env, cwd=PROJECT_ROOT, capture_output=True, text=True
    )
    assert again.returncode == 1 and "exists" in again.stderr
    with_argument = subprocess.run(
        [*command[:5], "qian", "--password", "x"], env=env, cwd=PROJECT_ROOT, capture_output=True, text=True
    )
    assert with_argument.returncode != 0 and console.store.agent("qian") is None
    disabled = subprocess.run(
        [sys.executable, "-m", "bot.cli", "agents", "disable", "zhao"],
        env=env,
        cwd=PROJECT_ROOT,
        capture_output=True,
    )
    assert disabled.returncode == 0 and console.store.agent("zhao").active is False  # type: ignore[union-attr]


def test_a_disabled_agent_is_logged_out(
    browser_context: Callable[..., BrowserContext], console: Console
) -> None:
    console.add_agent("zhou", PASSWORD, AgentRole.AGENT, "小周")
    page = login(browser_context(), console, "zhou")
    assert console.store.set_agent_active("zhou", False)
    page.reload()
    assert page.url.endswith("/login")
    page.fill("input[name=username]", "zhou")
    page.fill("input[name=password]", PASSWORD)
    page.click("#login-form button[type=submit]")
    expect(page.locator("#login-error")).to_have_text("用户名或密码错误。")
