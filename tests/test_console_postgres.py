"""The agent console on PostgreSQL: the queue updates live, two agents claim at once (one wins), a reply is
delivered and recorded. (The full browser suite runs on SQLite in test_console_browser.py.)"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, expect

from bot.handoff.models import AgentRole
from tests.console_server import Console, running_console
from tests.test_console_browser import FINISHED_CLAIM, PASSWORD, login, queued_ticket


@pytest.fixture(scope="module")
def console(postgres_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Console]:
    """One console process on the session's PostgreSQL database."""
    workdir: Path = tmp_path_factory.mktemp("console-pg")
    with running_console(postgres_url, workdir) as running:
        running.add_agent("wang", PASSWORD, AgentRole.AGENT, "小王")
        running.add_agent("li", PASSWORD, AgentRole.AGENT, "小李")
        yield running


def test_live_queue_claim_race_and_reply_on_postgres(
    browser_context: Callable[..., BrowserContext], console: Console
) -> None:
    pages = [login(browser_context(), console, name) for name in ("wang", "li")]
    reference = queued_ticket(console)  # enqueued after both queues are open
    selector = f"tr.ticket-row[data-reference='{reference}'] button.claim"
    for page in pages:
        expect(page.locator(selector)).to_be_visible(timeout=10_000)
    for page in pages:
        page.evaluate("(s) => document.querySelector(s).form.submit()", selector)
    for page in pages:
        page.wait_for_function(FINISHED_CLAIM)
    ticket = console.store.get(reference)
    assert ticket is not None and ticket.assigned_to in ("wang", "li")
    won, lost = (pages[0], pages[1]) if ticket.assigned_to == "wang" else (pages[1], pages[0])
    expect(won).to_have_url(f"{console.url}/tickets/{reference}")
    expect(lost.locator(".flash.error")).to_contain_text(f"工单 {reference} 已被")
    won.fill("#reply-text", "您好,我来处理您的问题。")
    won.click("#send-reply")
    expect(won.locator("#transcript-lines li.role-agent .delivery-sent")).to_have_count(1)
    console.store.add_customer_message(reference, "好的,谢谢")
    expect(won.locator("#transcript-lines .line").last).to_contain_text("好的,谢谢", timeout=10_000)
    assert console.routes.pushed()[-1]["text"] == "您好,我来处理您的问题。"
