"""Customer in the website widget or on Telegram <-> agent in the console, end to end on the real servers
(Rasa, actions and the console as `bot run` starts them; Telegram through the local Bot API test server),
SQLite: the customer files the blower complaint and asks for a person; the agent sees the ticket appear
without reloading, claims it, sees the suggested steps, answers with a canned reply the customer gets live;
the customer writes (and on Telegram sends a photo) while the agent works: no bot answer, it reaches the
console live; an internal note stays internal; the agent resolves; the customer gets the outcome and the
rating prompt, rates 4 with a comment; the ticket and the console show it."""

from __future__ import annotations

import io
import secrets
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import BrowserContext, Page, expect

from bot.console.passwords import hash_password
from bot.constants import Slot
from bot.db.migrate import upgrade
from bot.handoff.models import AgentRole
from bot.handoff.store import HandoffStore
from bot.runtime.ports import free_port
from bot.runtime.servers import RunningServers, running_servers
from bot.runtime.settings import local_settings
from bot.tickets.serialize import ticket_to_dict
from tests.assistant import LOG_DIR, REFERENCE, Customer
from tests.telegram_api_server import BotApiServer
from tests.telegram_customer import TelegramCustomer, keyboard
from tests.test_telegram_e2e import BLOWER_ZH as TELEGRAM_BLOWER_ZH
from tests.test_telegram_e2e import SKIP_ZH
from tests.test_webchat_browser import ANSWERS_ZH, BLOWER_ZH, WEBCHAT_SECRET, Chat

PASSWORD = "agent password 1"
INTERNAL_TOKEN = f"e2e-internal-{uuid.uuid4().hex}"
TELEGRAM_SECRET = secrets.token_urlsafe(24)


@pytest.fixture(scope="module")
def bot_api() -> Iterator[BotApiServer]:
    """The local Telegram Bot API server the Telegram channel talks to."""
    api = BotApiServer(f"{secrets.randbelow(10**9)}:{uuid.uuid4().hex}").start_in_thread()
    try:
        yield api
    finally:
        api.stop_thread()


@pytest.fixture(scope="module")
def servers(
    trained_model: Path, tmp_path_factory: pytest.TempPathFactory, bot_api: BotApiServer
) -> Iterator[RunningServers]:
    """Rasa, the action server and the console on one SQLite database; agents at work round the clock."""
    workdir = tmp_path_factory.mktemp("console-e2e")
    database = f"sqlite:///{workdir / 'bot.db'}"
    upgrade(database)
    store = HandoffStore(database)
    store.add_agent("wang", "小王", AgentRole.AGENT, hash_password(PASSWORD))
    env = {
        "DATABASE_URL": database,
        "WEBCHAT_SECRET": WEBCHAT_SECRET,
        "INTERNAL_API_TOKEN": INTERNAL_TOKEN,
        "HANDOFF_HOURS": "00:00-24:00",
        "BOT_SECRETS_DIR": str(workdir / "secrets"),
        "ATTACHMENTS_DIR": str(workdir / "attachments"),
        "SERVER_START_TIMEOUT_S": "900",  # model loading takes minutes when the shared cores are busy
        "TELEGRAM_BOT_TOKEN": bot_api.token,
        "TELEGRAM_WEBHOOK_SECRET": TELEGRAM_SECRET,
        "TELEGRAM_API_URL": bot_api.api_url,
    }
    settings = local_settings(trained_model.parent)
    with running_servers(
        settings, trained_model, extra_env=env, log_dir=LOG_DIR / "console-e2e", console_port=free_port()
    ) as running:
        running.database_url = database  # type: ignore[attr-defined]
        yield running


def console_login(context: BrowserContext, servers: RunningServers) -> Page:
    """小王 logged into the console, on the queue."""
    page = context.new_page()
    page.goto(f"{servers.console_url}/login")
    page.fill("input[name=username]", "wang")
    page.fill("input[name=password]", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_url(f"{servers.console_url}/")
    return page


def test_web_customer_and_agent_from_handoff_to_rating(
    servers: RunningServers, browser_context: Callable[..., BrowserContext]
) -> None:
    database = servers.database_url  # type: ignore[attr-defined]
    store = HandoffStore(database)
    agent = console_login(browser_context(), servers)
    agent.evaluate("window.__stayed = true")

    chat = Chat(browser_context().new_page(), f"{servers.settings.rasa_url}/webhooks/webchat/").open()
    chat.say(BLOWER_ZH)
    customer = Customer(servers, chat.conversation())
    for _ in range(10):
        slot = customer.requested_slot()
        if slot is None:
            break
        assert slot in ANSWERS_ZH, f"the bot asked for {slot!r}"
        chat.say(ANSWERS_ZH[slot])
    before = len(chat.replies())
    chat.page.locator("#chat-replies button", has_text="是").click()
    filed = REFERENCE.search("\n".join(chat.wait_for_reply(before)))
    assert filed, chat.log_text()
    reference = filed.group(0)

    queued = "\n".join(chat.say("转人工"))
    assert reference in queued and "排在第" in queued, queued

    # The agent's open queue shows the ticket without a reload, with names, language and channel.
    row = agent.locator(f"tr.ticket-row[data-reference='{reference}']")
    expect(row).to_be_visible(timeout=15_000)
    expect(row).to_contain_text("中文")
    expect(row).to_contain_text("客户要求人工")
    assert agent.evaluate("window.__stayed") is True
    row.locator("button.claim").click()
    agent.wait_for_url(f"{servers.console_url}/tickets/{reference}")
    expect(agent.locator("#d-vehicle_model")).to_have_text("迈腾")
    expect(agent.locator("#transcript-lines")).to_contain_text(BLOWER_ZH)
    expect(agent.locator("#steps li").first).to_be_visible()
    expect(agent.locator("#steps")).to_contain_text("道歉")
    expect(chat.page.locator("#chat-log li.marker")).to_contain_text("小王", timeout=15_000)

    # A canned reply in the customer's language reaches the open widget, labelled with the agent's name.
    agent.click("button.canned-reply[data-id=greeting]")
    greeting = agent.input_value("#reply-text")
    assert greeting.startswith("您好")
    agent.click("#send-reply")
    expect(agent.locator("#transcript-lines li.role-agent .delivery-sent")).to_have_count(1)
    shown = chat.page.locator("#chat-log li.msg.agent").last
    expect(shown).to_contain_text(greeting, timeout=15_000)
    expect(shown.locator(".who")).to_have_text("小王")

    # The customer writes while the agent works: no bot answer, the line appears in the console live.
    bot_lines = len(chat.page.locator("#chat-log li.msg.bot").all())
    chat.page.fill("#chat-input", "好的,那差价怎么处理?")
    chat.page.press("#chat-input", "Enter")
    expect(agent.locator("#transcript-lines .line").last).to_contain_text("差价怎么处理", timeout=15_000)
    chat.page.wait_for_timeout(1500)
    assert len(chat.page.locator("#chat-log li.msg.bot").all()) == bot_lines

    # An internal note is for agents only.
    agent.fill("#note-text", "经销商报错配件号,建议退差价")
    agent.click("#add-note")
    expect(agent.locator("#note-list")).to_contain_text("建议退差价")

    # Resolution: the customer gets the outcome and the rating prompt with buttons.
    agent.fill("#resolution", "经销商退还差价800元并致歉")
    agent.click("#resolve")
    expect(agent.locator("#ticket-status")).to_have_text("已解决")
    expect(chat.page.locator("#chat-log")).to_contain_text("经销商退还差价800元并致歉", timeout=30_000)
    expect(chat.page.locator("#chat-replies button", has_text="4")).to_be_visible(timeout=30_000)
    before = len(chat.replies())
    chat.page.locator("#chat-replies button", has_text="4").click()
    chat.wait_for_reply(before)
    chat.say("处理得很快,谢谢")
    assert "建议退差价" not in chat.log_text()

    ticket = ticket_to_dict(store.get(reference))  # type: ignore[arg-type]
    assert ticket["status"] == "resolved" and ticket["csat"] == 4
    assert ticket["csat_comment"] == "处理得很快,谢谢"
    assert ticket["assigned_to"] == "wang" and ticket["handoff_reason"] == "request_human"
    assert ticket["first_response_at"] and ticket["resolved_at"]
    agent_lines = [line for line in ticket["transcript"] if line["role"] == "agent"]
    assert agent_lines[0]["agent_name"] == "小王" and agent_lines[0]["text"] == greeting
    expect(agent.locator("#d-csat")).to_have_text("4/5", timeout=15_000)
    expect(agent.locator("#d-csat-comment")).to_have_text("处理得很快,谢谢")


def _jpeg() -> bytes:
    """A small real JPEG (the browser must be able to show it)."""
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 60, 40)).save(buffer, format="JPEG")
    return buffer.getvalue()


def test_telegram_customer_and_agent_with_a_photo_during_the_handoff(
    servers: RunningServers, browser_context: Callable[..., BrowserContext], bot_api: BotApiServer
) -> None:
    database = servers.database_url  # type: ignore[attr-defined]
    store = HandoffStore(database)
    customer = TelegramCustomer(servers, api=bot_api, secret=TELEGRAM_SECRET, database_url=database)
    agent = console_login(browser_context(), servers)

    customer.send(TELEGRAM_BLOWER_ZH)
    customer.answer_form({**SKIP_ZH, Slot.PHONE.value: "13812345678"})
    summary = bot_api.calls_of("sendMessage", customer.chat_id)[-1].params
    confirm = dict(keyboard(summary))["是"]
    filed = REFERENCE.search("\n".join(r.get("text", "") for r in customer.press(confirm)))
    assert filed, summary
    reference = filed.group(0)
    queued = "\n".join(r.get("text", "") for r in customer.send("转人工"))
    assert reference in queued and "排在第" in queued, queued

    row = agent.locator(f"tr.ticket-row[data-reference='{reference}']")
    expect(row).to_be_visible(timeout=15_000)
    expect(row).to_contain_text("Telegram")
    row.locator("button.claim").click()
    agent.wait_for_url(f"{servers.console_url}/tickets/{reference}")
    expect(agent.locator("#steps li").first).to_be_visible()

    agent.click("button.canned-reply[data-id=checking]")
    reply = agent.input_value("#reply-text")
    agent.click("#send-reply")
    expect(agent.locator("#transcript-lines li.role-agent .delivery-sent")).to_have_count(1)
    assert any(
        reply in call.params.get("text", "") for call in bot_api.delivered("sendMessage", customer.chat_id)
    )

    # A photo during the handoff reaches the console live (shown), with its caption; the bot stays quiet.
    bot_api.add_file("handoff-photo", _jpeg(), "photos/handoff.jpg")
    photo = [
        {"file_id": "handoff-photo", "file_unique_id": "h1", "width": 64, "height": 48, "file_size": 900}
    ]
    customer.deliver({"message": customer.message(photo=photo, caption="维修单")})
    image = agent.locator("#attachments img.photo")
    expect(image).to_be_visible(timeout=15_000)
    expect(agent.locator("#attachments .caption")).to_have_text("维修单")
    assert image.evaluate("img => img.complete && img.naturalWidth") == 64
    customer.send("还要等多久?")
    expect(agent.locator("#transcript-lines .line").last).to_contain_text("还要等多久", timeout=15_000)

    agent.fill("#note-text", "客户已发维修单照片")
    agent.click("#add-note")
    expect(agent.locator("#note-list")).to_contain_text("客户已发维修单照片")

    before = len(bot_api.delivered("sendMessage", customer.chat_id))
    agent.fill("#resolution", "经销商退还差价800元")
    agent.click("#resolve")
    expect(agent.locator("#ticket-status")).to_have_text("已解决")
    sent = [call.params for call in bot_api.delivered("sendMessage", customer.chat_id)[before:]]
    assert any("经销商退还差价800元" in str(m.get("text")) for m in sent), sent
    rating = next(m for m in sent if keyboard(m))
    customer.press(dict(keyboard(rating))["4"])
    customer.send("处理及时")
    texts = "\n".join(
        str(call.params.get("text")) for call in bot_api.delivered("sendMessage", customer.chat_id)
    )
    assert "客户已发维修单照片" not in texts

    ticket = ticket_to_dict(store.get(reference))  # type: ignore[arg-type]
    assert ticket["csat"] == 4 and ticket["csat_comment"] == "处理及时"
    assert ticket["attachments"] and ticket["attachments"][-1]["caption"] == "维修单"
    expect(agent.locator("#d-csat")).to_have_text("4/5", timeout=15_000)
