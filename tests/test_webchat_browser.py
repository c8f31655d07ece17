"""The website chat in a real browser: Debian's Chromium against the real assistant on SQLite.

One server pair for the module. The customer files the seed's blower complaint in Chinese by typing and by
pressing the bot's buttons, reloads, switches language; other browsers try to read or write into that
conversation; hostile text stays text; a flood is slowed down; a failure is answered with an apology.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
import urllib.request
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import socketio
import sqlalchemy
from playwright.sync_api import BrowserContext, Page, expect

from bot.channels.notices import APOLOGY, SLOW_DOWN
from bot.channels.webchat_session import COOKIE_NAME, COOKIE_PATH, SessionSigner, conversation_id
from bot.constants import Slot
from bot.tickets.store import TicketStore, ticket_to_dict
from tests.assistant import REFERENCE, Assistant, Customer, post, run_assistant

WEBCHAT_SECRET = "browser-test-secret-" + "x" * 24
RATE_LIMIT = 15
# The seed's blower case; the phone is given when the form asks for it.
BLOWER_ZH = "我的迈腾上周在北京亚运村4S店保养后空调有异响,服务顾问先报价200元,换鼓风机的时候又说要1000元"
ANSWERS_ZH = {
    Slot.CUSTOMER_NAME.value: "王先生",
    Slot.DEALER.value: "北京亚运村4S店",
    Slot.SERVICE_DATE.value: "上周三",
    Slot.PART.value: "鼓风机",
    Slot.MILEAGE.value: "跳过",
    # "跳过" as the question suggests: a bare "没有" is read as `deny` (asks whether to cancel).
    Slot.VIN.value: "跳过",
    Slot.PHONE.value: "13812345678",
    Slot.VEHICLE_MODEL.value: "迈腾",
    Slot.DESCRIPTION.value: "保养后空调有异响",
}
SCREENSHOT = Path(__file__).resolve().parents[1] / "reports" / "webchat-360.png"


@pytest.fixture(scope="module")
def assistant(trained_model: Path, sqlite_url: str) -> Iterator[Assistant]:
    """The running assistant; the server-to-server API is left off (no WEB_API_TOKEN)."""
    env = {
        "WEBCHAT_SECRET": WEBCHAT_SECRET,
        "WEB_API_TOKEN": "",
        "CHANNEL_RATE_LIMIT_PER_MINUTE": str(RATE_LIMIT),
    }
    with run_assistant(trained_model, sqlite_url, "webchat", extra_env=env) as running:
        yield running


@pytest.fixture(scope="module")
def page_url(assistant: Assistant) -> str:
    """Where customers open the support page."""
    return f"{assistant.servers.settings.rasa_url}/webhooks/webchat/"


class Chat:
    """One browser tab on the support page, used like a customer would."""

    def __init__(self, page: Page, url: str) -> None:
        self.page = page
        self.dialogs: list[str] = []
        page.on("dialog", lambda dialog: (self.dialogs.append(dialog.message), dialog.dismiss()))
        page.goto(url)
        expect(page.locator("body")).to_have_attribute("data-chat-ready", "true")

    def open(self) -> Chat:
        """Open the chat panel with the launcher."""
        if self.page.locator("#chat-panel").is_hidden():
            self.page.click("#chat-launcher")
        expect(self.page.locator("#chat-input")).to_be_focused()
        return self

    def replies(self) -> list[str]:
        """Texts of the bot's and agents' messages shown so far."""
        return self.page.locator(
            "#chat-log li.msg.bot .bubble, #chat-log li.msg.agent .bubble"
        ).all_text_contents()

    def log_text(self) -> str:
        """Everything the conversation shows."""
        return self.page.locator("#chat-log").inner_text()

    def wait_for_reply(self, before: int, timeout_s: float = 60) -> list[str]:
        """Wait until a new reply arrives and the typing indicator is gone; return the new replies."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            shown = self.replies()
            if len(shown) > before and self.page.locator("#chat-typing").is_hidden():
                return shown[before:]
            self.page.wait_for_timeout(100)
        raise AssertionError(f"no reply within {timeout_s} s; the page shows:\n{self.log_text()}")

    def say(self, text: str) -> list[str]:
        """Type a message and press Enter; return the replies to it."""
        before = len(self.replies())
        self.page.fill("#chat-input", text)
        self.page.press("#chat-input", "Enter")
        return self.wait_for_reply(before)

    def conversation(self) -> str:
        """The conversation id the server derived from this browser's session cookie."""
        customer = SessionSigner(WEBCHAT_SECRET).customer(session_cookie(self.page.context))
        assert customer is not None
        return conversation_id(customer)


def session_cookie(context: BrowserContext) -> str:
    """The session cookie the server set (path /webhooks/webchat) in a browser."""
    [token] = [
        c["value"]
        for c in context.cookies()
        if c["name"] == COOKIE_NAME and c["path"] == COOKIE_PATH and c["domain"] == "127.0.0.1"
    ]
    return token


@pytest.fixture()
def new_chat(browser_context: Callable[..., BrowserContext], page_url: str) -> Callable[..., Chat]:
    """A customer in a browser of their own (fresh cookies)."""

    def make(context: BrowserContext | None = None, **options: object) -> Chat:
        context = context or browser_context(**options)
        return Chat(context.new_page(), page_url)

    return make


@pytest.fixture(scope="module")
def filed() -> dict[str, object]:
    """What the first test filed (browser context, conversation id, reference), for the next one."""
    return {}


def tracker_events(assistant: Assistant, conversation: str) -> list[dict]:
    """The events of a conversation, from Rasa's HTTP API."""
    return Customer(assistant.servers, conversation).tracker()["events"]


def test_file_the_blower_complaint_in_chinese_by_typing_and_buttons(
    assistant: Assistant, new_chat: Callable[..., Chat], filed: dict[str, object]
) -> None:
    chat = new_chat()
    # Keyboard only: the launcher is the first stop, Enter opens the chat with the cursor in the input.
    chat.page.keyboard.press("Tab")
    expect(chat.page.locator("#chat-launcher")).to_be_focused()
    chat.page.keyboard.press("Enter")
    expect(chat.page.locator("#chat-input")).to_be_focused()
    first = chat.say(BLOWER_ZH)
    assert any("抱歉" in reply for reply in first), first
    customer = Customer(assistant.servers, chat.conversation())
    for _ in range(10):
        slot = customer.requested_slot()
        if slot is None:
            break
        assert slot in ANSWERS_ZH, f"the bot asked for {slot!r}"
        chat.say(ANSWERS_ZH[slot])
    summary = chat.replies()[-1]
    assert "13812345678" in summary or "+8613812345678" in summary, chat.log_text()
    # The summary's buttons are quick replies, reachable with Shift+Tab from the input; Enter presses one.
    expect(chat.page.locator("#chat-replies button")).to_have_text(["是", "否"])
    before = len(chat.replies())
    chat.page.keyboard.press("Shift+Tab")
    chat.page.keyboard.press("Shift+Tab")
    expect(chat.page.locator("#chat-replies button").first).to_be_focused()
    chat.page.keyboard.press("Enter")
    reply = "\n".join(chat.wait_for_reply(before))
    reference = REFERENCE.search(reply)
    assert reference, reply
    expect(chat.page.locator("#chat-log")).to_contain_text(reference.group(0))
    assert re.fullmatch(r"CMP-\d{4}-\d{6}", reference.group(0))
    # The button press reached Rasa as the issued payload and is shown as what the customer pressed.
    assert chat.page.locator("#chat-log li.msg.user .bubble").all_text_contents()[-1] == "是"

    [ticket] = [
        ticket_to_dict(t)
        for t in TicketStore(assistant.database_url).find_by_conversation(chat.conversation())
    ]
    assert ticket["reference"] == reference.group(0)
    assert ticket["channel"] == "web"
    assert ticket["phone"] == "+8613812345678"
    assert ticket["vehicle_model"] == "Magotan"

    # A reload shows the conversation so far, every message with its time.
    chat.page.reload()
    expect(chat.page.locator("body")).to_have_attribute("data-chat-ready", "true")
    chat.open()
    log = chat.log_text()
    assert BLOWER_ZH in log and reference.group(0) in log
    assert chat.page.locator("#chat-log time").count() >= 4
    filed.update(cookie=session_cookie(chat.page.context), conversation=chat.conversation())


def test_the_language_switch_sets_the_language_and_the_widgets_texts(
    assistant: Assistant,
    new_chat: Callable[..., Chat],
    browser_context: Callable[..., BrowserContext],
    filed: dict[str, object],
) -> None:
    # The customer of the first test, in another browser window (same session cookie).
    context = browser_context()
    cookie = {"name": COOKIE_NAME, "value": str(filed["cookie"]), "domain": "127.0.0.1", "path": COOKIE_PATH}
    context.add_cookies([cookie])
    chat = new_chat(context).open()
    assert BLOWER_ZH in chat.log_text()
    expect(chat.page.locator("#chat-send")).to_have_text("发送")

    chat.page.click("button.lang[data-lang=en]")
    expect(chat.page.locator("#chat-send")).to_have_text("Send")
    expect(chat.page.locator("#chat-input")).to_have_attribute("placeholder", "Type your question…")
    expect(chat.page.locator("button.lang[data-lang=en]")).to_have_attribute("aria-pressed", "true")
    customer = Customer(assistant.servers, str(filed["conversation"]))
    deadline = time.monotonic() + 10
    while customer.slot(Slot.LANGUAGE.value) != "en" and time.monotonic() < deadline:
        time.sleep(0.2)
    assert customer.slot(Slot.LANGUAGE.value) == "en"
    # The next page load opens in the conversation's language.
    again = new_chat(context).open()
    expect(again.page.locator("#chat-send")).to_have_text("Send")
    assert any("Hello" in r or "help" in r for r in again.say("hello")), again.replies()


def test_a_second_tab_of_the_same_customer_sees_the_conversation_live(new_chat: Callable[..., Chat]) -> None:
    first = new_chat().open()
    second = new_chat(first.page.context).open()
    before = len(second.replies())
    first.say("你好")
    second.wait_for_reply(before)
    expect(second.page.locator("#chat-log li.msg.user .bubble")).to_have_text(["你好"])


def test_a_forged_cookie_or_a_copied_conversation_id_cannot_see_or_write_into_a_conversation(
    assistant: Assistant,
    new_chat: Callable[..., Chat],
    browser_context: Callable[..., BrowserContext],
    page_url: str,
) -> None:
    victim = new_chat().open()
    victim.say("我的帕萨特空调坏了,电话13912345678")
    victim_conversation = victim.conversation()
    victim_customer = victim_conversation.removeprefix("web-")
    real_token = session_cookie(victim.page.context)
    forgeries = [
        SessionSigner("not-the-servers-secret").issue(victim_customer)[0],  # signed with another key
        real_token[:-3] + ("AAA" if not real_token.endswith("AAA") else "BBB"),  # tampered signature
        victim_customer,  # the bare customer id
        victim_conversation,
    ]
    for forged in forgeries:
        context = browser_context()
        cookie = {"name": COOKIE_NAME, "value": forged, "domain": "127.0.0.1", "path": COOKIE_PATH}
        context.add_cookies([cookie])
        intruder = new_chat(context).open()
        assert "13912345678" not in intruder.log_text()
        assert intruder.conversation() != victim_conversation  # the server issued a new session
    # Naming the victim's conversation in the socket messages does not help either.
    intruder.page.evaluate(
        """(target) => new Promise((resolve) => {
            const named = {sender: target, session_id: target, room: target};
            const s = io({path: location.pathname + "socket.io", query: named});
            s.on("connect", () => {
                s.emit("message", {text: "intruder was here", ...named});
                setTimeout(resolve, 500);
            });
        })""",
        victim_conversation,
    )
    time.sleep(3)
    assert "intruder was here" not in victim.log_text()
    assert all(e.get("text") != "intruder was here" for e in tracker_events(assistant, victim_conversation))
    assert any(
        e.get("text") == "intruder was here" for e in tracker_events(assistant, intruder.conversation())
    )


def test_sockets_without_a_session_or_from_another_origin_are_refused(
    assistant: Assistant, new_chat: Callable[..., Chat]
) -> None:
    chat = new_chat()
    token = session_cookie(chat.page.context)
    base = assistant.servers.settings.rasa_url
    own = {"Cookie": f"{COOKIE_NAME}={token}", "Origin": base}

    async def connects(headers: dict[str, str]) -> bool:
        client = socketio.AsyncClient(reconnection=False)
        try:
            # Long-polling: python-engineio's websocket client needs a newer aiohttp than Rasa allows.
            await client.connect(
                base,
                headers=headers,
                transports=["polling"],
                socketio_path="/webhooks/webchat/socket.io",
                wait_timeout=10,
            )
        except socketio.exceptions.ConnectionError:
            return False
        await client.disconnect()
        return True

    def attempt(headers: dict[str, str]) -> bool:
        # Playwright's sync API runs an event loop in this thread; the socket client gets its own.
        with ThreadPoolExecutor(1) as pool:
            return pool.submit(asyncio.run, connects(headers)).result()

    assert attempt(own)
    assert not attempt({"Origin": base})  # no session cookie
    assert not attempt({**own, "Origin": "http://evil.example"})  # another site's page
    assert not attempt({"Cookie": f"{COOKIE_NAME}=forged", "Origin": base})


def test_hostile_markup_is_shown_as_text(new_chat: Callable[..., Chat]) -> None:
    chat = new_chat().open()
    hostile = "<img src=x onerror=alert(1)>"
    chat.say(hostile)
    expect(chat.page.locator("#chat-log li.msg.user .bubble")).to_have_text([hostile])
    assert chat.page.locator("#chat-log img").count() == 0
    chat.page.wait_for_timeout(500)
    assert chat.dialogs == []


def test_agent_messages_and_markers_in_the_history_are_shown_distinctly(
    assistant: Assistant, new_chat: Callable[..., Chat]
) -> None:
    chat = new_chat().open()
    chat.say("你好")
    conversation = chat.conversation()
    agent = "王芳<b>"
    events = [
        {"event": "bot", "text": "王芳 joined", "metadata": {"marker": "agent_joined", "agent_name": agent}},
        {"event": "bot", "text": "您好,我是客服王芳,我来跟进您的问题。", "metadata": {"agent_name": agent}},
        {"event": "bot", "text": "王芳 left", "metadata": {"marker": "agent_left", "agent_name": agent}},
    ]
    url = (
        f"{assistant.servers.settings.rasa_url}/conversations/{conversation}/tracker/events"
        f"?token={assistant.servers.auth_token}"
    )
    status, _ = post(url, json.dumps(events).encode())
    assert status == 200
    again = new_chat(chat.page.context).open()
    expect(again.page.locator("#chat-log li.marker")).to_have_text(
        [f"{agent} 已加入对话", f"{agent} 已离开对话"]
    )
    expect(again.page.locator("#chat-log li.msg.agent .who")).to_have_text([agent])
    expect(again.page.locator("#chat-log li.msg.agent .bubble")).to_have_text(
        ["您好,我是客服王芳,我来跟进您的问题。"]
    )
    assert again.page.locator("#chat-log b").count() == 0


def test_the_widget_fits_a_phone_screen(new_chat: Callable[..., Chat]) -> None:
    chat = new_chat(viewport={"width": 360, "height": 740}, device_scale_factor=2).open()
    chat.say("你好")
    chat.say("我的迈腾保养后空调有异响")
    box = chat.page.locator("#chat-panel").bounding_box()
    assert box is not None and box["width"] == 360
    assert chat.page.evaluate("document.documentElement.scrollWidth") <= 360
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    chat.page.screenshot(path=str(SCREENSHOT))
    chat.page.keyboard.press("Escape")
    expect(chat.page.locator("#chat-launcher")).to_be_focused()


def test_a_flooding_customer_is_asked_to_slow_down_and_others_are_still_served(
    new_chat: Callable[..., Chat],
) -> None:
    flooder = new_chat().open()
    for i in range(RATE_LIMIT + 3):
        flooder.page.fill("#chat-input", f"你好 {i}")
        flooder.page.press("#chat-input", "Enter")
    expect(flooder.page.locator("#chat-log")).to_contain_text(SLOW_DOWN["zh"], timeout=60_000)
    assert new_chat().open().say("你好")


def test_the_server_to_server_api_is_off_without_its_token(assistant: Assistant) -> None:
    body = json.dumps({"sender": "someone", "message": "hi"}).encode()
    status, answer = post(assistant.servers.webhook_url, body, token="anything")
    assert status == 403 and "WEB_API_TOKEN" in answer["error"]
    with urllib.request.urlopen(
        f"{assistant.servers.settings.rasa_url}/webhooks/webchat/static/vendor/LICENSE"
    ) as r:
        assert b"MIT" in r.read()


def test_a_failure_inside_handling_is_answered_with_an_apology_and_logged(
    assistant: Assistant, new_chat: Callable[..., Chat]
) -> None:
    chat = new_chat().open()
    chat.say("你好")
    # Damage this conversation's stored events (as a bad disk or a broken migration would): reading the
    # conversation now fails inside Rasa's handling of the next message.
    engine = sqlalchemy.create_engine(assistant.database_url)
    with engine.begin() as connection:
        connection.execute(
            sqlalchemy.text(
                "INSERT INTO events (sender_id, type_name, timestamp, data) "
                "VALUES (:s, 'user', :t, '{broken')"
            ),
            {"s": chat.conversation(), "t": time.time()},
        )
    engine.dispose()
    assert chat.say("我的车空调坏了") == [APOLOGY["zh"]]
    assert chat.say("my car's air conditioning is broken") == [APOLOGY["en"]]
    log = (assistant.log_dir / "rasa.log").read_text(encoding="utf-8", errors="replace")
    assert f"handling a message of {chat.conversation()} on web failed" in log


def test_customers_get_an_apology_when_the_action_server_is_down(
    assistant: Assistant, new_chat: Callable[..., Chat]
) -> None:
    # Last in the module: the action server goes away, so custom actions fail.
    assistant.servers.actions.terminate()
    assistant.servers.actions.wait(timeout=20)
    chat = new_chat().open()
    replies = chat.say(BLOWER_ZH)
    assert any(reply.startswith("抱歉") for reply in replies), replies
    english = new_chat().open()
    answer = english.say("My Passat's air conditioning makes a noise after the service")
    assert any("sorry" in reply.lower() for reply in answer), answer
