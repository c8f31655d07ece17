"""The website chat channel: REST-style webhook with input guarding and duplicate-delivery protection."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.guard import Verdict, guard
from bot.channels.replay import ReplayCache
from bot.channels.system_replies import system_reply
from bot.tickets.masking import install_log_masking

logger = logging.getLogger(__name__)

MAX_SENDER_CHARS = 128


def _bad_request(reason: str) -> HTTPResponse:
    """A 400 answer that says what was wrong."""
    return response.json({"error": reason}, status=400)


class WebInput(InputChannel):
    """POST /webhooks/web/webhook with {"sender", "message", "message_id"?, "metadata"?}."""

    def __init__(self) -> None:
        """Create the channel with an empty replay cache; the server's logs mask personal data from now on."""
        self._replays = ReplayCache()
        install_log_masking()

    @classmethod
    def name(cls) -> str:
        """Name used in the webhook URL and the tracker's input channel."""
        return "web"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        """The channel needs no credentials."""
        return cls()

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """Routes of the channel."""
        hook = Blueprint(f"web_webhook_{id(self)}", __name__)

        @hook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @hook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
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
            if message_id is not None:
                earlier = self._replays.claim(sender, str(message_id))
                if earlier is not None:
                    return response.json(await earlier)
            replies = await self._handle(request, on_new_message, sender, message, metadata)
            if message_id is not None:
                self._replays.settle(sender, str(message_id), replies)
            return response.json(replies)

        return hook

    async def _handle(
        self,
        request: Request,
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
        sender: str,
        text: str | None,
        metadata: dict[str, Any] | None,
    ) -> list[dict[str, Any]]:
        """Pass a clean message to Rasa, or answer an empty or oversized one directly."""
        guarded = guard(text)
        if guarded.verdict is not Verdict.PASS:
            reply = await system_reply(request.app.ctx.agent, sender, guarded, self.name())
            return [reply] if reply else []
        collector = CollectingOutputChannel()
        await on_new_message(
            UserMessage(guarded.text, collector, sender, input_channel=self.name(), metadata=metadata)
        )
        return collector.messages
