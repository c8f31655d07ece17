"""The server-to-server JSON webhook for the brand's own systems (app backend, call centre).

The caller names the conversation, so every request must carry `Authorization: Bearer <WEB_API_TOKEN>`;
without that variable the webhook refuses everything (403). Customers' browsers use the website chat
(bot/channels/webchat.py), whose conversations are derived from server-issued sessions.
"""

from __future__ import annotations

import hmac
import logging
import os
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.dispatch import CustomerMessage, Dispatcher, Outcome
from bot.channels.replay import ReplayCache
from bot.tickets.masking import install_log_masking

logger = logging.getLogger(__name__)

MAX_SENDER_CHARS = 128
API_TOKEN_ENV = "WEB_API_TOKEN"
CHANNEL = "web"


def _bad_request(reason: str) -> HTTPResponse:
    """A 400 answer that says what was wrong."""
    return response.json({"error": reason}, status=400)


def bearer_token(request: Request) -> str | None:
    """The token of an `Authorization: Bearer <token>` header, if any."""
    scheme, _, token = (request.headers.get("authorization") or "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


class WebInput(InputChannel):
    """POST /webhooks/web/webhook, Bearer token, {"sender", "message", "message_id"?, "metadata"?}."""

    def __init__(self, api_token: str | None = None) -> None:
        """Create the channel; the server's logs mask personal data from now on."""
        self._api_token = api_token
        self._replays = ReplayCache()
        self._dispatcher = Dispatcher(CHANNEL)
        install_log_masking()

    @classmethod
    def name(cls) -> str:
        """Name used in the webhook URL and the tracker's input channel."""
        return CHANNEL

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        """The API token comes from WEB_API_TOKEN; without it the channel refuses every request."""
        return cls(os.environ.get(API_TOKEN_ENV) or None)

    def _refusal(self, request: Request) -> HTTPResponse | None:
        """A 403 unless the request carries the configured token (always, when none is configured)."""
        if not self._api_token:
            return response.json({"error": f"the API is disabled: {API_TOKEN_ENV} is not set"}, status=403)
        given = bearer_token(request)
        if given and hmac.compare_digest(given.encode(), self._api_token.encode()):
            return None
        return response.json({"error": "needs 'Authorization: Bearer <token>'"}, status=403)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """Routes of the channel."""
        hook = Blueprint(f"web_webhook_{id(self)}", __name__)

        @hook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return self._refusal(request) or response.json({"status": "ok"})

        @hook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            refusal = self._refusal(request)
            if refusal is not None:
                return refusal
            try:
                payload = request.json
            except Exception:  # sanic raises InvalidUsage subclasses for malformed JSON
                return _bad_request("body must be JSON")
            if not isinstance(payload, dict):
                return _bad_request("body must be a JSON object")
            sender = payload.get("sender")
            if not isinstance(sender, str) or not sender.strip() or len(sender) > MAX_SENDER_CHARS:
                return _bad_request(
                    f"'sender' must be a non-empty string of at most {MAX_SENDER_CHARS} chars"
                )
            message = payload.get("message")
            if message is not None and not isinstance(message, str):
                return _bad_request("'message' must be a string")
            metadata = payload.get("metadata")
            if metadata is not None and not isinstance(metadata, dict):
                return _bad_request("'metadata' must be an object")
            message_id = payload.get("message_id")
            if message_id is None:
                replies, _ = await self._handle(request, on_new_message, sender, message, metadata)
                return response.json(replies)
            return response.json(
                await self._handle_once(request, on_new_message, sender, message, metadata, str(message_id))
            )

        return hook

    async def _handle_once(
        self,
        request: Request,
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
        sender: str,
        text: str | None,
        metadata: dict[str, Any] | None,
        message_id: str,
    ) -> list[dict[str, Any]]:
        """Handle a delivery unless an earlier one of the same id was answered; a failed one is retried."""
        while (earlier := self._replays.claim(sender, message_id)) is not None:
            replies = await earlier
            if replies is not None:
                return replies
        settled = False
        try:
            replies, outcome = await self._handle(request, on_new_message, sender, text, metadata)
            if outcome is not Outcome.FAILED:
                self._replays.settle(sender, message_id, replies)
                settled = True
            return replies
        finally:
            if not settled:
                self._replays.forget(sender, message_id)

    async def _handle(
        self,
        request: Request,
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
        sender: str,
        text: str | None,
        metadata: dict[str, Any] | None,
    ) -> tuple[list[dict[str, Any]], Outcome]:
        """Dispatch the message; return the replies collected and what became of it."""
        collector = CollectingOutputChannel()
        message = CustomerMessage(CHANNEL, sender, text, metadata=metadata or {})
        outcome = await self._dispatcher.dispatch(message, collector, on_new_message, request.app.ctx.agent)
        return collector.messages, outcome
