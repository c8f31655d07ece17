"""Telegram end to end: real Rasa and action servers with the Telegram channel, python-telegram-bot talking
to the Bot API test server; updates are posted to the webhook like Telegram does and the test reads what the
bot sent. One server pair for the module (restarted once, for the restart test at the end)."""

from __future__ import annotations

import asyncio
import json
import secrets
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.channels.channel_store import ChannelStore
from bot.channels.models import TelegramUpdate, UpdateState
from bot.channels.telegram_poll import poll
from bot.channels.telegram_send import button_token, make_bot
from bot.channels.telegram_texts import BUTTON_EXPIRED, HELP, LANGUAGE_SET, UNSUPPORTED, WELCOME
from bot.constants import Category, Slot
from bot.db.column_types import utc_now
from bot.db.engine import shared_engine
from bot.tickets.models import Attachment
from bot.tickets.store import TicketStore, ticket_to_dict
from tests.assistant import REFERENCE, Assistant, run_assistant
from tests.telegram_api_server import BotApiServer
from tests.telegram_customer import (
    WEBHOOK_PATH,
    TelegramCustomer,
    keyboard,
    next_update_id,
    post_update,
    wait_handled,
)

BLOWER_ZH = (
    "我的迈腾上周在北京亚运村4S店保养后空调有异响,服务顾问先报价200元,"
    "换鼓风机的时候又说要1000元,电话13812345678"
)
BLOWER_EN = (
    "After a service at the Beijing Yayuncun dealership last week my Magotan's air conditioning makes a "
    "noise; the advisor quoted 200 yuan, then wanted 1000 to replace the blower. My phone is 13812345678"
)
SKIP_ZH = {
    Slot.CUSTOMER_NAME.value: "跳过",
    Slot.DEALER.value: "不知道",
    Slot.SERVICE_DATE.value: "不记得了",
    Slot.PART.value: "不清楚",
    Slot.MILEAGE.value: "跳过",
    Slot.VIN.value: "跳过",  # a bare "没有" is read as `deny`, which asks whether to cancel
}
SKIP_EN = {slot: "skip" for slot in SKIP_ZH}
PHOTO = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 40 + b"\xff\xd9"  # a JPEG-framed blob of 10 KB


@dataclass
class TelegramDeployment:
    """The running assistant with the Telegram channel, the Bot API test server and how to restart."""

    api: BotApiServer
    secret: str
    database_url: str
    attachments: Path
    assistant: Assistant | None = None
    stack: ExitStack | None = None
    model: Path | None = None

    @property
    def webhook_url(self) -> str:
        """The Telegram webhook of the running server."""
        assert self.assistant is not None
        return f"{self.assistant.servers.settings.rasa_url}{WEBHOOK_PATH}"

    def env(self) -> dict[str, str]:
        """The servers' Telegram settings."""
        return {
            "TELEGRAM_BOT_TOKEN": self.api.token,
            "TELEGRAM_WEBHOOK_SECRET": self.secret,
            "TELEGRAM_API_URL": self.api.api_url,
            "ATTACHMENTS_DIR": str(self.attachments),
            "SERVER_START_TIMEOUT_S": "600",  # model loading takes minutes when the shared cores are busy
        }

    def start(self) -> None:
        """Start the servers."""
        assert self.model is not None
        self.stack = ExitStack()
        self.assistant = self.stack.enter_context(
            run_assistant(self.model, self.database_url, "telegram", extra_env=self.env())
        )

    def stop(self) -> None:
        """Stop the servers."""
        if self.stack is not None:
            self.stack.close()
            self.stack = None

    def customer(self) -> TelegramCustomer:
        """A new customer in a private chat."""
        assert self.assistant is not None
        return TelegramCustomer(
            self.assistant.servers, api=self.api, secret=self.secret, database_url=self.database_url
        )


@pytest.fixture(scope="module")
def telegram(
    trained_model: Path, sqlite_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TelegramDeployment]:
    """One server pair for the module, on SQLite, talking to the Bot API test server."""
    api = BotApiServer(f"{secrets.randbelow(10**9)}:{uuid.uuid4().hex}").start_in_thread()
    deployment = TelegramDeployment(
        api,
        secrets.token_urlsafe(24),
        sqlite_url,
        tmp_path_factory.mktemp("attachments"),
        model=trained_model,
    )
    deployment.start()
    try:
        yield deployment
    finally:
        deployment.stop()
        api.stop_thread()


def texts(replies: list[dict]) -> str:
    """The texts of sent messages, joined."""
    return "\n".join(str(r.get("text", "")) for r in replies)


def tickets_of(telegram: TelegramDeployment, customer: TelegramCustomer) -> list[dict]:
    """The tickets a chat filed."""
    return [
        ticket_to_dict(t) for t in TicketStore(telegram.database_url).find_by_conversation(customer.sender)
    ]


def user_texts(customer: TelegramCustomer) -> list[str]:
    """What Rasa recorded the customer as saying."""
    return [e.get("text") for e in customer.tracker()["events"] if e.get("event") == "user"]


# Webhook security and delivery -----------------------------------------------------------------------------


def test_webhook_without_the_secret_is_refused_and_reaches_nothing(telegram: TelegramDeployment) -> None:
    customer = telegram.customer()
    update = {"update_id": next_update_id(), "message": customer.text_message("你好")}
    for secret in (None, "wrong-secret"):
        status, _ = post_update(telegram.webhook_url, json.dumps(update).encode(), secret)
        assert status == 403
    time.sleep(0.5)
    assert ChannelStore(telegram.database_url).update_state(update["update_id"]) is None
    assert telegram.api.texts(customer.chat_id) == []


def test_malformed_json_gets_400(telegram: TelegramDeployment) -> None:
    for body in (b"{not json", b"[1, 2]", b'{"message": {}}', b'{"update_id": "7"}'):
        status, answer = post_update(telegram.webhook_url, body, telegram.secret)
        assert status == 400, body
        assert "error" in answer


def test_a_repeated_update_is_handled_once(telegram: TelegramDeployment) -> None:
    customer = telegram.customer()
    update = {"update_id": next_update_id(), "message": customer.text_message("你好")}
    first = customer.deliver(dict(update))
    assert first
    again = customer.deliver(dict(update))
    assert again == []  # acknowledged, not answered again
    assert customer.send("谢谢")  # handled after anything queued before it in this chat
    assert user_texts(customer) == ["你好", "谢谢"]


# Commands and what is not a command ------------------------------------------------------------------------


def test_start_help_and_language_switch(telegram: TelegramDeployment) -> None:
    customer = telegram.customer()
    (welcome,) = customer.send("/start")
    assert welcome["text"] == WELCOME and "您好" in WELCOME and "Hello" in WELCOME
    (help_text,) = customer.send("/help")
    assert help_text["text"] == HELP
    (prompt,) = customer.send("/lang")
    buttons = keyboard(prompt)
    assert [title for title, _ in buttons] == ["中文", "English"]
    (confirmation,) = customer.press(dict((t, d) for t, d in buttons)["English"])
    assert confirmation["text"] == LANGUAGE_SET["en"]
    assert customer.slot(Slot.LANGUAGE.value) == "en"
    assert telegram.api.calls_of("answerCallbackQuery")
    assert user_texts(customer) == []  # commands are the channel's own, Rasa never saw them
    (back,) = customer.send("/lang 中文")
    assert back["text"] == LANGUAGE_SET["zh"] and customer.slot(Slot.LANGUAGE.value) == "zh"


def test_typed_restart_is_text_not_a_command(telegram: TelegramDeployment) -> None:
    customer = telegram.customer()
    customer.send("我的朗逸刹车有异响")
    replies = customer.send("/restart")
    assert replies  # answered like any text
    events = customer.tracker()["events"]
    assert not [e for e in events if e.get("event") == "restart"]
    last_user = [e for e in events if e.get("event") == "user"][-1]
    assert last_user["text"].endswith("restart") and not last_user["text"].startswith("/")
    assert (last_user.get("parse_data") or {}).get("intent", {}).get("name") != "restart"


def test_stickers_and_voice_get_a_polite_bilingual_answer(telegram: TelegramDeployment) -> None:
    customer = telegram.customer()
    sticker = {
        "file_id": "stk",
        "file_unique_id": "stk-u",
        "type": "regular",
        "width": 512,
        "height": 512,
        "is_animated": False,
        "is_video": False,
    }
    (reply,) = customer.deliver({"message": customer.message(sticker=sticker)})
    assert reply["text"] == UNSUPPORTED and "文字" in UNSUPPORTED and "text" in UNSUPPORTED
    voice = {"file_id": "vc", "file_unique_id": "vc-u", "duration": 3}
    (reply,) = customer.deliver({"message": customer.message(voice=voice)})
    assert reply["text"] == UNSUPPORTED
    assert user_texts(customer) == []


def test_an_edited_message_is_handled_as_a_new_one(telegram: TelegramDeployment) -> None:
    customer = telegram.customer()
    customer.send("你好")
    edited = customer.text_message("你好,我想投诉")
    edited["edit_date"] = int(time.time())
    replies = customer.deliver({"edited_message": edited})
    assert replies
    assert user_texts(customer)[-1] == "你好,我想投诉"


# The blower complaint ------------------------------------------------------------------------------------


def test_blower_complaint_in_chinese_with_buttons_and_a_photo(telegram: TelegramDeployment) -> None:
    customer = telegram.customer()
    first = texts(customer.send(BLOWER_ZH))
    assert "抱歉" in first
    customer.answer_form(SKIP_ZH)
    summary = telegram.api.calls_of("sendMessage", customer.chat_id)[-1].params
    buttons = dict(keyboard(summary))
    assert set(buttons) == {"是", "否"}, summary
    assert buttons["是"] == button_token("是")

    # a forged button: a token the bot never sent to this chat is refused and reaches nothing
    events_before = len(customer.tracker()["events"])
    assert customer.press(button_token("/restart")) == []
    refusal = telegram.api.calls_of("answerCallbackQuery")[-1].params
    assert refusal.get("text") == BUTTON_EXPIRED
    assert len(customer.tracker()["events"]) == events_before

    reply = texts(customer.press(buttons["是"], message_id=7))
    reference = REFERENCE.search(reply).group(0)
    assert telegram.api.calls_of("editMessageReplyMarkup", customer.chat_id)  # buttons taken off

    (ticket,) = tickets_of(telegram, customer)
    assert ticket["reference"] == reference
    assert ticket["channel"] == "telegram" and ticket["sender_id"] == customer.sender
    # the category is the intake's judgement (tests/test_intake_e2e.py); here: a complaint ticket came out
    assert ticket["category"] in {Category.REPAIR_COMPLAINT, Category.PRICING_DISPUTE}
    assert ticket["vehicle_model"] == "迈腾" or "迈腾" in str(ticket)
    assert ticket["phone"] == "+8613812345678"
    assert ticket["quoted_amount"] == 200 and ticket["charged_amount"] == 1000

    # a photo after filing goes onto the ticket, bytes in the attachment store
    telegram.api.add_file("photo-big", PHOTO, "photos/file_7.jpg")
    photo = [
        {"file_id": "photo-small", "file_unique_id": "s1", "width": 90, "height": 60, "file_size": 900},
        {
            "file_id": "photo-big",
            "file_unique_id": "b1",
            "width": 1280,
            "height": 960,
            "file_size": len(PHOTO),
        },
    ]
    replies = customer.deliver({"message": customer.message(photo=photo, caption="鼓风机的照片")})
    assert "照片已收到" in replies[0]["text"]
    with shared_engine(telegram.database_url).connect() as connection:
        row = (
            connection.execute(select(Attachment).where(Attachment.conversation_id == customer.sender))
            .mappings()
            .one()
        )
    assert row["source_file_id"] == "photo-big" and row["size"] == len(PHOTO)
    assert row["caption"] == "鼓风机的照片" and row["channel"] == "telegram"
    assert Path(row["storage_path"]).read_bytes() == PHOTO
    assert Path(row["storage_path"]).is_relative_to(telegram.attachments)
    assert row["ticket_id"] is not None
    assert TicketStore(telegram.database_url).get(reference).id == row["ticket_id"]


def test_blower_complaint_in_english(telegram: TelegramDeployment) -> None:
    customer = telegram.customer()
    first = texts(customer.send(BLOWER_EN))
    assert "sorry" in first.lower()
    summary_reply = customer.answer_form(SKIP_EN)
    assert "Please check" in summary_reply
    reply = customer.say("yes")
    reference = REFERENCE.search(reply).group(0)
    (ticket,) = tickets_of(telegram, customer)
    assert ticket["reference"] == reference and ticket["language"] == "en"
    assert ticket["channel"] == "telegram"


# Contact and location ------------------------------------------------------------------------------------


def test_roadside_with_shared_location_and_contact(telegram: TelegramDeployment) -> None:
    customer = telegram.customer()
    customer.send("我的车在高速上爆胎了,没有备胎")
    assert customer.requested_slot() == Slot.LOCATION.value
    location = {"latitude": 39.990123, "longitude": 116.401234}
    customer.deliver({"message": customer.message(location=location)})
    assert "39.990123" in customer.slot(Slot.LOCATION.value)
    assert customer.requested_slot() == Slot.PHONE.value
    contact = {"phone_number": "8613912345678", "first_name": "测试", "user_id": customer.chat_id}
    customer.deliver({"message": customer.message(contact=contact)})
    assert customer.slot(Slot.PHONE.value) == "+8613912345678"
    final = customer.answer_form({Slot.LICENSE_PLATE.value: "京A12345"})
    assert REFERENCE.search(final), final
    (ticket,) = TicketStore(telegram.database_url).find_by_conversation(customer.sender)
    assert ticket.category == Category.ROADSIDE_ASSISTANCE and ticket.phone == "+8613912345678"
    assert (ticket.latitude, ticket.longitude) == (pytest.approx(39.990123), pytest.approx(116.401234))


# Flood control -------------------------------------------------------------------------------------------


def test_flood_control_is_waited_out(telegram: TelegramDeployment) -> None:
    customer = telegram.customer()
    telegram.api.fail("sendMessage", times=1, retry_after=1)
    started = time.monotonic()
    (welcome,) = customer.send("/start")
    assert welcome["text"] == WELCOME
    attempts = [c for c in telegram.api.calls_of("sendMessage", customer.chat_id)]
    assert [c.status for c in attempts] == [429, 200]
    assert attempts[1].at - attempts[0].at >= 0.95  # Telegram's retry_after was honoured
    assert time.monotonic() - started >= 1.0
    assert ChannelStore(telegram.database_url).delivery_failures(customer.sender) == []


# Restart: the update log survives it, and what was recorded but not handled is handled ---------------------


def test_restart_between_two_updates(telegram: TelegramDeployment) -> None:
    customer = telegram.customer()
    update = {"update_id": next_update_id(), "message": customer.text_message("你好")}
    assert customer.deliver(dict(update))
    telegram.stop()

    # an update acknowledged just before the stop but never handled (a crash between record and handling)
    leftover = {"update_id": next_update_id(), "message": customer.text_message("我的速腾变速箱顿挫")}
    with shared_engine(telegram.database_url).begin() as connection:
        connection.execute(
            TelegramUpdate.__table__.insert().values(
                update_id=leftover["update_id"],
                chat_id=customer.chat_id,
                payload=leftover,
                state=UpdateState.RECEIVED,
                attempts=0,
                received_at=utc_now(),
            )
        )
    sent_before = len(telegram.api.texts(customer.chat_id))
    telegram.start()
    customer.servers = telegram.assistant.servers
    assert wait_handled(telegram.database_url, leftover["update_id"]) == UpdateState.DONE
    assert len(telegram.api.texts(customer.chat_id)) > sent_before

    assert customer.deliver(dict(update)) == []  # Telegram delivering the old update again: not handled
    assert customer.send("谢谢")
    assert user_texts(customer) == ["你好", "我的速腾变速箱顿挫", "谢谢"]


# Long polling -----------------------------------------------------------------------------------------------


def test_long_polling_forwards_updates_to_the_webhook(telegram: TelegramDeployment) -> None:
    customer = telegram.customer()
    first = {"update_id": next_update_id(), "message": customer.text_message("/start")}
    second = {"update_id": next_update_id(), "message": customer.text_message("你好")}
    telegram.api.push_update(first)
    telegram.api.push_update(second)

    async def poll_until_answered() -> None:
        stop = asyncio.Event()
        async with make_bot(telegram.api.token, telegram.api.api_url) as bot:
            polling = asyncio.create_task(
                poll(bot, telegram.webhook_url, telegram.secret, stop, poll_timeout=1)
            )
            deadline = time.monotonic() + 60
            while len(telegram.api.texts(customer.chat_id)) < 2 and time.monotonic() < deadline:
                await asyncio.sleep(0.1)
            stop.set()
            await asyncio.wait_for(polling, 40)

    asyncio.run(poll_until_answered())
    assert wait_handled(telegram.database_url, second["update_id"]) == UpdateState.DONE
    sent = telegram.api.texts(customer.chat_id)
    assert sent[0] == WELCOME and len(sent) >= 2
    assert user_texts(customer) == ["你好"]
    assert telegram.api.calls_of("deleteWebhook")  # getUpdates works only without a webhook
