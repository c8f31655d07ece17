"""Sending to Telegram against the Bot API test server: long texts split, buttons, flood control, network
errors retried, and what finally fails recorded on the conversation (no Rasa needed)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from bot.channels.channel_store import ChannelStore
from bot.channels.telegram import TelegramOutput
from bot.channels.telegram_send import MAX_TEXT, TelegramSender, button_token, make_bot, split_text
from tests.telegram_api_server import BotApiServer

T = TypeVar("T")
TOKEN = "123456:test-token"
CHAT = 777000111


def run(test: Callable[[BotApiServer, TelegramSender], Awaitable[T]], url: str, **sender: Any) -> T:
    """Run `test` with a Bot API test server and a sender on it (fast backoff)."""

    async def main() -> T:
        async with BotApiServer(TOKEN) as api:
            bot = make_bot(TOKEN, api.api_url)
            async with bot:
                options = {"backoff_s": 0.01, **sender}
                return await test(api, TelegramSender(bot, ChannelStore(url), **options))

    return asyncio.run(main())


def test_split_text_keeps_everything_within_the_limit() -> None:
    text = ("这是一段很长的回复。" * 300 + "\n") * 3 + "end"
    pieces = split_text(text)
    assert len(pieces) > 1 and all(0 < len(p) <= MAX_TEXT for p in pieces)
    assert "".join(pieces).replace("\n", "") == text.replace("\n", "")
    assert split_text("short") == ["short"]
    assert all(len(p) <= MAX_TEXT for p in split_text("x" * 10000))


def test_a_long_reply_arrives_in_order_in_pieces(fresh_sqlite_url: str) -> None:
    long_reply = "\n".join(f"第{i}行:您的工单信息和处理进度说明。" for i in range(600))
    assert len(long_reply) > 2 * MAX_TEXT

    async def test(api: BotApiServer, sender: TelegramSender) -> None:
        await TelegramOutput(sender).send_response(f"tg-{CHAT}", {"text": long_reply})
        sent = api.texts(CHAT)
        assert len(sent) == len(split_text(long_reply)) >= 3 and all(len(t) <= MAX_TEXT for t in sent)
        assert "\n".join(sent) == long_reply

    run(test, fresh_sqlite_url)


def test_buttons_become_an_inline_keyboard_the_store_remembers(fresh_sqlite_url: str) -> None:
    buttons = [
        {"title": "是", "payload": "是"},
        {"title": "Other", "payload": '/inform{"x": "' + "y" * 80 + '"}'},
    ]

    async def test(api: BotApiServer, sender: TelegramSender) -> None:
        result = await sender.send_text(CHAT, "请确认", buttons)
        assert result.delivered and len(result.message_ids) == 1
        (call,) = api.calls_of("sendMessage", CHAT)
        rows = call.params["reply_markup"]["inline_keyboard"]
        data = [row[0]["callback_data"] for row in rows]
        assert [row[0]["text"] for row in rows] == ["是", "Other"]
        assert all(len(d.encode()) <= 64 for d in data)  # Telegram's limit, whatever the payload
        store = ChannelStore(fresh_sqlite_url)
        assert store.issued_button(CHAT, data[1]).payload == buttons[1]["payload"]
        assert store.issued_button(CHAT + 1, data[1]) is None  # issued to this chat only
        assert data[0] == button_token("是")

    run(test, fresh_sqlite_url)


def test_flood_control_and_network_errors_are_retried(fresh_sqlite_url: str) -> None:
    async def test(api: BotApiServer, sender: TelegramSender) -> None:
        api.fail("sendMessage", times=1, retry_after=1)
        api.fail("sendMessage", times=2, status=502)
        result = await sender.send_text(CHAT, "您好")
        assert result.delivered and result.attempts == 4
        calls = api.calls_of("sendMessage", CHAT)
        assert len(calls) == 4 and calls[1].at - calls[0].at >= 0.95
        assert ChannelStore(fresh_sqlite_url).delivery_failures(f"tg-{CHAT}") == []

    run(test, fresh_sqlite_url)


def test_what_finally_fails_is_recorded_on_the_conversation(fresh_sqlite_url: str) -> None:
    async def test(api: BotApiServer, sender: TelegramSender) -> None:
        api.fail("sendMessage", times=3, status=502)
        network = await sender.send_text(CHAT, "第一条")
        assert not network.delivered and network.attempts == 3
        api.fail("sendMessage", times=1, status=403, description="Forbidden: bot was blocked by the user")
        blocked = await sender.send_text(CHAT, "第二条")
        assert not blocked.delivered and blocked.attempts == 1  # retrying cannot help
        api.fail("sendMessage", times=1, retry_after=3600)
        flooded = await sender.send_text(CHAT, "第三条")
        assert not flooded.delivered  # not waited out inside a customer's turn
        failures = ChannelStore(fresh_sqlite_url).delivery_failures(f"tg-{CHAT}")
        assert [f.text for f in failures] == ["第一条", "第二条", "第三条"]
        assert "blocked" in failures[1].error and failures[0].attempts == 3
        assert all(f.channel == "telegram" for f in failures)

    run(test, fresh_sqlite_url, max_attempts=3)


def test_set_webhook_registers_the_url_with_the_secret(monkeypatch: Any) -> None:
    from bot.channels.telegram_cli import set_webhook

    async def main() -> dict[str, Any]:
        async with BotApiServer(TOKEN) as api:
            monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
            monkeypatch.setenv("TELEGRAM_API_URL", api.api_url)
            monkeypatch.setenv("TELEGRAM_WEBHOOK_SECRET", "the-secret")
            info = await set_webhook("https://bot.example.com/webhooks/telegram/webhook")
            assert info["url"] == "https://bot.example.com/webhooks/telegram/webhook"
            return api.webhook

    registered = asyncio.run(main())
    assert registered["secret_token"] == "the-secret"
    assert registered["url"] == "https://bot.example.com/webhooks/telegram/webhook"
