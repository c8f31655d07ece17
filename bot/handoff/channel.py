"""Internal routes of the Rasa server for the agent console (Bearer INTERNAL_API_TOKEN; never for customers).

- POST /webhooks/handoff/push {sender_id, kind: agent_message|agent_joined|agent_left, text?, agent_name}:
  the agent's line (or a join/leave marker) is recorded in the conversation and delivered in the customer's
  channel through the output registry (website: pushed to the open widget; Telegram: the Bot API).
  Answers {delivered: bool, error?}.
- POST /webhooks/handoff/resolved {sender_id, reference, resolution}: the conversation goes back to the bot,
  which tells the customer the outcome in their language and asks for a 1-5 rating (EXTERNAL intent).
"""

from __future__ import annotations

import asyncio
import hmac
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.outputs import output_for
from bot.handoff import gate, records
from bot.handoff.markers import MARKER_KINDS, marker_text
from bot.handoff.rasa_conversation import agent_line, append_events, conversation_facts
from bot.handoff.session_expiry import apply_session_expiry
from bot.runtime.secrets import secret

logger = logging.getLogger(__name__)

TOKEN_ENV = "INTERNAL_API_TOKEN"
RESOLVED_INTENT = "EXTERNAL_case_resolved"
AGENT_MESSAGE = "agent_message"
MAX_TEXT_CHARS = 4000
_FIELD_LIMIT = 255


def _authorised(request: Request) -> bool:
    """Whether the request carries the internal token."""
    header = request.headers.get("authorization") or ""
    scheme, _, token = header.partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(
        token.strip().encode(), secret(TOKEN_ENV).encode()
    )


def _error(status: int, reason: str) -> HTTPResponse:
    """A refusal that says why."""
    return response.json({"delivered": False, "error": reason}, status=status)


def _body(request: Request) -> dict[str, Any] | None:
    """The JSON object of the request, or None."""
    try:
        body = request.json
    except Exception:  # sanic raises InvalidUsage subclasses for malformed JSON
        return None
    return body if isinstance(body, dict) else None


def _text_field(body: dict[str, Any], name: str, limit: int = _FIELD_LIMIT) -> str | None:
    """A non-empty string field within `limit` characters, or None."""
    value = body.get(name)
    if not isinstance(value, str) or not value.strip() or len(value) > limit:
        return None
    return value.strip()


async def deliver(output: OutputChannel | None, sender_id: str, message: dict[str, Any]) -> dict[str, Any]:
    """Send one agent message or marker to the customer; {delivered, error?}."""
    if output is None:
        return {"delivered": False, "error": "the customer's channel cannot be reached from the server"}
    try:
        await output.send_response(sender_id, message)
    except Exception as error:  # reported to the console, which shows the reply as failed with a retry
        logger.exception("delivering an agent message to %s failed", sender_id)
        return {"delivered": False, "error": f"{type(error).__name__}: {error}"[:300]}
    return {"delivered": True}


class HandoffInput(InputChannel):
    """The console's way into the Rasa server."""

    @classmethod
    def name(cls) -> str:
        """Routes live under /webhooks/handoff/."""
        return "handoff"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        """The token comes from the environment (or var/secrets), not credentials.yml."""
        return cls()

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """Routes of the channel; at start-up the gate is attached to this server."""
        hook = Blueprint(f"handoff_{id(self)}", __name__)

        @hook.listener("after_server_start")
        async def attach_gate(app: Any, loop: Any) -> None:
            gate.attach(app)
            apply_session_expiry(app.ctx.agent)

        @hook.route("/push", methods=["POST"])
        async def push(request: Request) -> HTTPResponse:
            if not _authorised(request):
                return _error(401, "unauthorised")
            body = _body(request)
            if body is None:
                return _error(400, "body must be a JSON object")
            sender = _text_field(body, "sender_id")
            kind = body.get("kind")
            agent_name = _text_field(body, "agent_name", 100)
            if sender is None or agent_name is None or kind not in (AGENT_MESSAGE, *MARKER_KINDS):
                return _error(
                    400, "need sender_id, agent_name and kind agent_message|agent_joined|agent_left"
                )
            text = _text_field(body, "text", MAX_TEXT_CHARS)
            if kind == AGENT_MESSAGE and text is None:
                return _error(400, f"an agent_message needs a text of at most {MAX_TEXT_CHARS} characters")
            agent = request.app.ctx.agent
            channel, language = await conversation_facts(agent, sender)
            if channel is None:
                return _error(404, "no such conversation")
            marker = None if kind == AGENT_MESSAGE else str(kind)
            shown = text if marker is None else marker_text(marker, agent_name, language)
            await append_events(agent, sender, [agent_line(shown, agent_name, marker)])
            message: dict[str, Any] = {"text": shown, "agent_name": agent_name}
            if marker:
                message["marker"] = marker
            return response.json(await deliver(output_for(channel, sender), sender, message))

        @hook.route("/resolved", methods=["POST"])
        async def resolved(request: Request) -> HTTPResponse:
            if not _authorised(request):
                return _error(401, "unauthorised")
            body = _body(request)
            sender = _text_field(body or {}, "sender_id")
            reference = _text_field(body or {}, "reference", 40)
            resolution = _text_field(body or {}, "resolution", MAX_TEXT_CHARS)
            if sender is None or reference is None or resolution is None:
                return _error(400, "need sender_id, reference and resolution")
            agent = request.app.ctx.agent
            channel, _ = await conversation_facts(agent, sender)
            if channel is None:
                return _error(404, "no such conversation")
            try:
                await asyncio.to_thread(records.back_to_bot, sender, reference)
            except records.NotThisConversation:
                return _error(409, "the ticket does not belong to this conversation")
            output = output_for(channel, sender)
            collector = output or CollectingOutputChannel()
            try:
                await agent.handle_message(
                    UserMessage(
                        f"/{RESOLVED_INTENT}",
                        collector,
                        sender,
                        input_channel=channel,
                        metadata={"reference": reference},
                    )
                )
            except Exception as error:
                logger.exception("telling %s about the resolution of %s failed", sender, reference)
                return _error(500, f"{type(error).__name__}: {error}"[:300])
            if output is None:
                return response.json(
                    {"delivered": False, "error": "the customer's channel cannot be reached from the server"}
                )
            return response.json({"delivered": True})

        return hook
