"""The Telegram channel: a Rasa InputChannel on python-telegram-bot, webhook at /webhooks/telegram/webhook.

Configured from the environment: TELEGRAM_BOT_TOKEN (without it the channel is inert: its webhook answers
404 and nothing is sent), TELEGRAM_WEBHOOK_SECRET (the `X-Telegram-Bot-Api-Secret-Token` Telegram must
send; generated once under var/secrets when unset, and registered by `bot telegram set-webhook`),
TELEGRAM_API_URL (python-telegram-bot's base_url; another Bot API server such as the tests').

Acknowledge after recording: an update is written to `telegram_updates` before the webhook answers 200,
then handled in the background, one chat's updates in order. A repeated update_id is acknowledged and
not handled again, also after a restart (the log is in the database). An update recorded but not handled
when the process stopped is handled when the server starts again. If the record cannot be written the
webhook answers 503, so Telegram retries the delivery instead of the message being lost.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import os
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse
from telegram import Bot

from bot.channels.channel_store import ChannelStore
from bot.channels.chat_queues import ChatQueues
from bot.channels.dispatch import Dispatcher, Outcome
from bot.channels.models import UpdateState
from bot.channels.notices import APOLOGY, customer_language
from bot.channels.outputs import register_output
from bot.channels.telegram_send import (
    CHANNEL,
    TOKEN_ENV,
    TelegramSender,
    chat_id_of,
    conversation_id,
    make_bot,
)
from bot.channels.telegram_updates import UpdateHandler
from bot.runtime.secrets import secret
from bot.tickets.masking import install_log_masking

logger = logging.getLogger(__name__)

SECRET_ENV = "TELEGRAM_WEBHOOK_SECRET"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
OnNewMessage = Callable[[UserMessage], Awaitable[Any]]


def webhook_secret() -> str:
    """The secret token Telegram sends with every webhook request (shared with `bot telegram set-webhook`)."""
    return secret(SECRET_ENV)


class TelegramOutput(OutputChannel):
    """Replies to one Telegram chat; what cannot be delivered is recorded, never raised into Rasa."""

    def __init__(self, sender: TelegramSender) -> None:
        """Send through `sender`."""
        self.sender = sender

    @classmethod
    def name(cls) -> str:
        """The channel's name (responses can be chosen per channel)."""
        return CHANNEL

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        """A text, split when longer than Telegram allows."""
        await self._send(recipient_id, text)

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        """A text with an inline keyboard of the bot's buttons."""
        await self._send(recipient_id, text, buttons)

    async def send_image_url(self, recipient_id: str, image: str, **kwargs: Any) -> None:
        """An image, as its link."""
        await self._send(recipient_id, image)

    async def send_attachment(self, recipient_id: str, attachment: str, **kwargs: Any) -> None:
        """An attachment, as its link."""
        await self._send(recipient_id, attachment)

    async def send_custom_json(self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any) -> None:
        """Custom payloads carry nothing for a Telegram customer unless they have a text."""
        text = json_message.get("text") if isinstance(json_message, dict) else None
        if isinstance(text, str) and text:
            await self._send(recipient_id, text)

    async def _send(self, recipient_id: str, text: str, buttons: list[dict[str, Any]] | None = None) -> None:
        """Deliver to the recipient's chat."""
        chat_id = chat_id_of(recipient_id)
        if chat_id is None:
            logger.error("%s is not a Telegram conversation; message not sent", recipient_id)
            return
        await self.sender.send_text(chat_id, text, buttons)


class TelegramInput(InputChannel):
    """Telegram webhook (and the target of `bot telegram poll`): record, acknowledge, then handle."""

    def __init__(self, token: str | None, webhook_secret_token: str | None = None) -> None:
        """A channel for bot `token`; inert when None."""
        self.token = token
        self.secret = webhook_secret_token
        self.dispatcher = Dispatcher(CHANNEL)
        self.queues = ChatQueues()
        self._store: ChannelStore | None = None
        self._bot: Bot | None = None
        self._sender: TelegramSender | None = None
        self._handler: UpdateHandler | None = None
        self._app: Sanic | None = None
        install_log_masking()

    @classmethod
    def name(cls) -> str:
        """Name in the webhook URL and the conversations' input channel."""
        return CHANNEL

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        """Token and secret from the environment (credentials.yml names the channel only)."""
        token = os.environ.get(TOKEN_ENV) or None
        return cls(token, webhook_secret() if token else None)

    # Wiring -------------------------------------------------------------------------------------------------

    @property
    def store(self) -> ChannelStore:
        """The channel records in DATABASE_URL."""
        if self._store is None:
            self._store = ChannelStore()
        return self._store

    def _setup(self) -> UpdateHandler:
        """Bot, sender and handler, made in the serving event loop (a Bot's connections belong to it)."""
        if self._handler is None:
            assert self.token
            self._bot = make_bot(self.token)
            self._sender = TelegramSender(self._bot, self.store)
            sender = self._sender
            self._handler = UpdateHandler(
                self._bot,
                sender,
                self.store,
                self.dispatcher,
                output=lambda: TelegramOutput(sender),
                agent=self._agent,
            )
            register_output(
                CHANNEL,
                lambda conversation: TelegramOutput(sender) if chat_id_of(conversation) is not None else None,
            )
        return self._handler

    def _agent(self) -> Any:
        """Rasa's agent of the server this channel runs in."""
        return getattr(self._app.ctx, "agent", None) if self._app is not None else None

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        """Routes of the channel, and the start-up handling of updates left over from a stop."""
        hook = Blueprint(f"telegram_webhook_{id(self)}", __name__)

        @hook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            if not self.token:
                return response.json({"status": "off", "reason": f"{TOKEN_ENV} is not set"}, status=404)
            return response.json({"status": "ok"})

        @hook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            return await self._receive(request, on_new_message)

        @hook.listener("after_server_start")
        async def resume(app: Sanic, _loop: Any) -> None:
            self._app = app
            if self.token:
                self._setup()
                self.queues.track(asyncio.create_task(self._resume(on_new_message)))

        @hook.listener("before_server_stop")
        async def drain(app: Sanic, _loop: Any) -> None:
            try:  # what is still running after this is handled again at the next start (it is recorded)
                await asyncio.wait_for(self.queues.idle(), 30)
            except asyncio.TimeoutError:
                logger.warning("stopping with Telegram updates still being handled")

        return hook

    # Webhook ------------------------------------------------------------------------------------------------

    def _authorised(self, request: Request) -> bool:
        """Whether the request carries the webhook's secret token."""
        given = request.headers.get(SECRET_HEADER) or ""
        return bool(self.secret) and hmac.compare_digest(given.encode(), str(self.secret).encode())

    async def _receive(self, request: Request, on_new_message: OnNewMessage) -> HTTPResponse:
        """403 without the secret, 400 for a body that is not an update, else record, 200, handle."""
        if not self.token:
            return response.json(
                {"error": f"the Telegram channel is off: {TOKEN_ENV} is not set"}, status=404
            )
        if not self._authorised(request):
            return response.json({"error": f"wrong or missing {SECRET_HEADER}"}, status=403)
        try:
            data = json.loads(request.body or b"")
        except ValueError:
            return response.json({"error": "body must be JSON"}, status=400)
        update_id = data.get("update_id") if isinstance(data, dict) else None
        if not isinstance(update_id, int) or isinstance(update_id, bool):
            return response.json(
                {"error": "body must be a Telegram update with an integer update_id"}, status=400
            )
        self._app = request.app
        handler = self._setup()
        try:
            recorded = await asyncio.to_thread(self.store.record_update, update_id, _chat_of(data), data)
        except Exception:
            logger.exception("could not record Telegram update %s; Telegram will retry it", update_id)
            return response.json({"error": "could not record the update; retry"}, status=503)
        if recorded:
            self._submit(handler, update_id, data, on_new_message)
        else:
            logger.info(
                "Telegram update %s was delivered again; already recorded, not handled twice", update_id
            )
        return response.json({"ok": True})

    def _submit(
        self,
        handler: UpdateHandler,
        update_id: int,
        data: dict[str, Any],
        on_new_message: OnNewMessage,
        replay: bool = False,
    ) -> None:
        """Handle a recorded update behind the earlier ones of its chat (`replay`: left over from a stop)."""
        self.queues.submit(
            _chat_of(data), lambda: self._handle(handler, update_id, data, on_new_message, replay)
        )

    async def _handle(
        self,
        handler: UpdateHandler,
        update_id: int,
        data: dict[str, Any],
        on_new_message: OnNewMessage,
        replay: bool = False,
    ) -> None:
        """Handle one recorded update and record how it ended; a failure is apologised for, once."""
        try:
            if replay:  # the record counted the first handling; each replay counts one more
                await asyncio.to_thread(self.store.start_update, update_id)
            outcome = await handler.handle(data, on_new_message)
        except Exception as error:
            logger.exception("handling Telegram update %s failed", update_id)
            await self._apologise(data)
            await self._finish(update_id, UpdateState.FAILED, f"{type(error).__name__}: {error}")
            return
        state = UpdateState.FAILED if outcome is Outcome.FAILED else UpdateState.DONE
        await self._finish(update_id, state)

    async def _finish(self, update_id: int, state: str, error: str | None = None) -> None:
        """Record the end of a handling (logged if even that fails: the update is then handled again)."""
        try:
            await asyncio.to_thread(self.store.finish_update, update_id, state, error)
        except Exception:
            logger.exception("could not record that Telegram update %s was handled", update_id)

    async def _apologise(self, data: dict[str, Any]) -> None:
        """The apology in the customer's language, when the chat is known."""
        chat_id = _chat_of(data)
        if chat_id is None or self._sender is None:
            return
        try:
            language = await customer_language(self._agent(), conversation_id(chat_id), _text_of(data))
            await self._sender.send_text(chat_id, APOLOGY[language])
        except Exception:
            logger.exception("could not apologise to chat %s", chat_id)

    async def _resume(self, on_new_message: OnNewMessage) -> None:
        """Handle the updates recorded (and acknowledged) before a stop but never handled."""
        try:
            pending = await asyncio.to_thread(self.store.pending_updates)
        except Exception:
            logger.exception("could not read the Telegram updates left over from the last run")
            return
        if pending:
            logger.info("handling %d Telegram update(s) recorded before the last stop", len(pending))
        handler = self._setup()
        for item in pending:
            self._submit(handler, item.update_id, item.payload, on_new_message, replay=True)


def _chat_of(data: dict[str, Any]) -> int | None:
    """The chat an update belongs to, from its raw JSON."""
    for key in ("message", "edited_message"):
        chat = (data.get(key) or {}).get("chat") if isinstance(data.get(key), dict) else None
        if isinstance(chat, dict) and isinstance(chat.get("id"), int):
            return int(chat["id"])
    query = data.get("callback_query")
    if isinstance(query, dict):
        chat = (query.get("message") or {}).get("chat") or {}
        if isinstance(chat.get("id"), int):
            return int(chat["id"])
        sender = query.get("from") or {}
        return int(sender["id"]) if isinstance(sender.get("id"), int) else None
    return None


def _text_of(data: dict[str, Any]) -> str | None:
    """The text of an update's message, if any (to answer in its language)."""
    for key in ("message", "edited_message"):
        message = data.get(key)
        if isinstance(message, dict) and isinstance(message.get("text"), str):
            return str(message["text"])
    return None
