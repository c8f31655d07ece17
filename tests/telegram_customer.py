"""Test support: a Telegram customer whose updates reach the running assistant's webhook, and the replies the
bot sent to the Bot API test server (tests/telegram_api_server.py)."""

from __future__ import annotations

import itertools
import json
import random
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Any

from bot.channels.channel_store import ChannelStore
from bot.channels.models import UpdateState
from bot.channels.telegram import SECRET_HEADER
from tests.assistant import Customer
from tests.telegram_api_server import BOT_USER, BotApiServer

WEBHOOK_PATH = "/webhooks/telegram/webhook"
_update_ids = itertools.count(random.randrange(10**6, 10**9) * 100)


def next_update_id() -> int:
    """A fresh update_id (unique within the test session)."""
    return next(_update_ids)


def post_update(url: str, body: bytes, secret: str | None) -> tuple[int, Any]:
    """POST a raw webhook body; (status, decoded JSON answer)."""
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers[SECRET_HEADER] = secret
    request = urllib.request.Request(url, body, headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def wait_handled(database_url: str, update_id: int, timeout: float = 90) -> str:
    """Wait until the assistant handled a recorded update; its final state."""
    store = ChannelStore(database_url)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = store.update_state(update_id)
        if state not in (None, UpdateState.RECEIVED):
            return str(state)
        time.sleep(0.02)
    raise AssertionError(f"update {update_id} was not handled in {timeout} s (state {state})")


@dataclass
class TelegramCustomer(Customer):
    """A customer in a private Telegram chat with the bot (conversation `tg-<chat_id>`)."""

    api: BotApiServer | None = None
    secret: str = ""
    database_url: str = ""
    chat_id: int = field(default_factory=lambda: random.randrange(10**8, 10**9))

    def __post_init__(self) -> None:
        self.sender = f"tg-{self.chat_id}"

    @property
    def user(self) -> dict[str, Any]:
        """The customer's Telegram user."""
        return {"id": self.chat_id, "is_bot": False, "first_name": "测试", "language_code": "zh-hans"}

    def message(self, **content: Any) -> dict[str, Any]:
        """A private-chat message with `content` (text=..., photo=..., sticker=...)."""
        return {
            "message_id": random.randrange(1, 10**6),
            "date": int(time.time()),
            "chat": {"id": self.chat_id, "type": "private", "first_name": "测试"},
            "from": self.user,
            **content,
        }

    def text_message(self, text: str) -> dict[str, Any]:
        """A text message, with the bot_command entity Telegram adds to a leading /command."""
        content: dict[str, Any] = {"text": text}
        if text.startswith("/"):
            length = len(text.split()[0])
            content["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
        return self.message(**content)

    def deliver(self, update: dict[str, Any], wait: bool = True) -> list[dict[str, Any]]:
        """Send an update (update_id added when missing); the messages the bot delivered back for it."""
        assert self.api is not None
        update.setdefault("update_id", next_update_id())
        before = len(self.api.delivered("sendMessage", self.chat_id))
        url = f"{self.servers.settings.rasa_url}{WEBHOOK_PATH}"
        status, body = post_update(url, json.dumps(update).encode(), self.secret)
        assert status == 200, (status, body)
        if not wait:
            return []
        wait_handled(self.database_url, update["update_id"])
        self.turns += 1
        return [call.params for call in self.api.delivered("sendMessage", self.chat_id)[before:]]

    def send(self, text: str, message_id: str | None = None) -> list[dict[str, Any]]:
        """Type a text message."""
        return self.deliver({"message": self.text_message(text)})

    def press(self, callback_data: str, message_id: int = 1) -> list[dict[str, Any]]:
        """Press an inline button with this callback data under the bot's message `message_id`."""
        query = {
            "id": str(random.randrange(10**12)),
            "from": self.user,
            "chat_instance": str(self.chat_id),
            "data": callback_data,
            "message": {
                "message_id": message_id,
                "date": int(time.time()),
                "chat": {"id": self.chat_id, "type": "private"},
                "from": BOT_USER,
                "text": "…",
            },
        }
        return self.deliver({"callback_query": query})


def keyboard(reply: dict[str, Any]) -> list[tuple[str, str]]:
    """(title, callback_data) of the inline keyboard of a sent message."""
    markup = reply.get("reply_markup") or {}
    return [(b["text"], b["callback_data"]) for row in markup.get("inline_keyboard", []) for b in row]
