"""The website chat: a socket.io channel (python-socketio on Rasa's Sanic app) with server-issued sessions.

- GET /webhooks/webchat/ serves the brand's support page with the widget and sets the session cookie
  (HttpOnly, SameSite=Strict, signed with WEBCHAT_SECRET); a missing, forged or expired one is replaced by
  a new session. The conversation id `web-<customer>` is derived from the cookie on the server.
- The socket (path /webhooks/webchat/socket.io) accepts same-origin connections carrying a valid cookie;
  each connection joins its conversation's room, so every tab of the customer sees the conversation live,
  and server-side code (agent replies) reaches it through the output registry (`web`, `web-...`).
- Events from the page: `history` (once connected), `message` {text} or {payload, title} (a pressed
  button), `language` {language}.
  Events to the page: `history`, `bot` (also agent messages and join/leave markers), `user` (the
  customer's own message, for the other tabs), `typing`, `language` (after each turn and on a switch:
  the widget's texts follow the conversation's language).
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from rasa.core.channels.socketio import SocketBlueprint
from rasa.shared.core.events import SlotSet
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from socketio import AsyncRedisManager, AsyncServer

from bot.channels.dispatch import CustomerMessage, Dispatcher
from bot.channels.outputs import register_output
from bot.channels.system_replies import conversation_language
from bot.channels.webchat_history import history, widget_message
from bot.channels.webchat_session import (
    CONVERSATION_PREFIX,
    COOKIE_NAME,
    COOKIE_PATH,
    SessionSigner,
    conversation_id,
    max_age_s,
    token_from_cookie_header,
)
from bot.constants import Language, Slot
from bot.runtime.stores import REDIS_URL_ENV
from bot.tickets.masking import install_log_masking

logger = logging.getLogger(__name__)

CHANNEL = "web"
STATIC_DIR = Path(__file__).with_name("webchat_static")
SOCKET_PATH = "/webhooks/webchat/socket.io"
ALLOWED_ORIGINS_ENV = "WEBCHAT_ALLOWED_ORIGINS"
REDIS_PREFIX_ENV = "REDIS_KEY_PREFIX"  # also the lock store's key prefix
MAX_EVENT_BYTES = 64_000


class WebchatOutput(OutputChannel):
    """Sends bot, agent and marker messages to every open tab of a website conversation."""

    def __init__(self, sio: AsyncServer) -> None:
        """Emit through `sio`; the recipient id is the conversation's room."""
        self.sio = sio

    @classmethod
    def name(cls) -> str:
        """Responses are chosen for the `web` channel."""
        return CHANNEL

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        """Emit one message (text with its buttons, agent name or marker) to the conversation's room."""
        await self.sio.emit("bot", widget_message(message), room=recipient_id)

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        """Emit a plain text."""
        await self.send_response(recipient_id, {"text": text, **kwargs})


def _is_secure(request: Request) -> bool:
    """Whether the page was reached over HTTPS (directly or behind a proxy)."""
    forwarded = (request.headers.get("x-forwarded-proto") or "").split(",")[0].strip()
    return request.scheme == "https" or forwarded == "https"


def _same_origin(request: Request) -> bool:
    """Whether a browser request comes from our own pages (no Origin header: not a cross-site call)."""
    origin = request.headers.get("origin")
    return not origin or urlsplit(origin).netloc == request.host


def allowed_origins() -> list[str] | None:
    """Origins allowed to open the socket: WEBCHAT_ALLOWED_ORIGINS (comma-separated), else only our own."""
    extra = [o.strip() for o in (os.environ.get(ALLOWED_ORIGINS_ENV) or "").split(",") if o.strip()]
    return extra or None  # None: python-engineio allows only the server's own origin


def socket_manager() -> AsyncRedisManager | None:
    """With REDIS_URL (several Rasa processes): rooms and emits shared through Redis, so a push from any
    process (an agent's reply) reaches the customer's socket on whichever process holds it."""
    url = os.environ.get(REDIS_URL_ENV)
    if not url:
        return None  # one process: python-socketio's in-memory manager
    return AsyncRedisManager(url, channel=f"{os.environ.get(REDIS_PREFIX_ENV) or ''}webchat")


class WebchatInput(InputChannel):
    """The website chat widget's channel."""

    def __init__(self, signer: SessionSigner | None = None) -> None:
        """Create the channel; the server's logs mask personal data from now on."""
        self._signer = signer or SessionSigner()
        self._dispatcher = Dispatcher(CHANNEL)
        self.sio: AsyncServer | None = None
        self._agent_app: Any = None
        install_log_masking()

    @classmethod
    def name(cls) -> str:
        """Name in the URL (/webhooks/webchat/); the conversations are recorded as channel `web`."""
        return "webchat"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        """The signing secret comes from WEBCHAT_SECRET (or var/secrets)."""
        return cls()

    def get_output_channel(self) -> OutputChannel | None:
        """Output to website conversations (for Rasa's own triggers)."""
        return WebchatOutput(self.sio) if self.sio else None

    def output_for(self, sender_id: str) -> OutputChannel | None:
        """The output of a website conversation (`web-...`); None for other conversations of channel web."""
        if self.sio is None or not sender_id.startswith(CONVERSATION_PREFIX):
            return None
        return WebchatOutput(self.sio)

    def _set_cookie(self, request: Request, answer: HTTPResponse) -> str:
        """Renew the caller's session (or start one if its cookie is missing, forged or expired)."""
        customer = self._signer.customer(request.cookies.get(COOKIE_NAME))
        token, customer = self._signer.issue(customer)
        answer.cookies[COOKIE_NAME] = token
        cookie = answer.cookies[COOKIE_NAME]
        cookie["httponly"] = True
        cookie["samesite"] = "Strict"
        cookie["path"] = COOKIE_PATH
        cookie["max-age"] = max_age_s()
        if _is_secure(request):
            cookie["secure"] = True
        return customer

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """The page, its static files and the socket."""
        sio = AsyncServer(
            async_mode="sanic",
            cors_allowed_origins=allowed_origins(),
            max_http_buffer_size=MAX_EVENT_BYTES,
            client_manager=socket_manager(),
        )
        self.sio = sio
        register_output(CHANNEL, self.output_for)
        hook = SocketBlueprint(sio, SOCKET_PATH, f"webchat_{id(self)}", __name__)
        hook.static("/static", str(STATIC_DIR), name=f"webchat_static_{id(self)}")

        @hook.route("/", methods=["GET"])
        async def page(request: Request) -> HTTPResponse:
            if not request.path.endswith("/"):  # the page's relative links need the trailing slash
                return response.redirect(request.path + "/")
            answer = await response.file(STATIC_DIR / "index.html", mime_type="text/html; charset=utf-8")
            answer.headers["Content-Security-Policy"] = (
                "default-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'self'"
            )
            answer.headers["Cache-Control"] = "no-store"
            self._set_cookie(request, answer)
            return answer

        @hook.route("/session", methods=["POST"])
        async def renew(request: Request) -> HTTPResponse:
            if not _same_origin(request):
                return response.json({"error": "cross-origin request"}, status=403)
            answer = response.json({"status": "ok"})
            self._set_cookie(request, answer)
            return answer

        @sio.on("connect")
        async def connect(sid: str, environ: dict[str, Any], auth: Any = None) -> bool:
            customer = self._signer.customer(token_from_cookie_header(environ.get("HTTP_COOKIE")))
            if customer is None:
                return False  # the page asks for a new session and reconnects
            request = environ.get("sanic.request")
            if request is not None:
                self._agent_app = request.app
            conversation = conversation_id(customer)
            await sio.save_session(sid, {"conversation": conversation})
            await sio.enter_room(sid, conversation)
            return True

        @sio.on("history")
        async def send_history(sid: str, data: Any = None) -> None:
            # Asked for by the page once connected (events emitted inside `connect` may arrive too early).
            conversation = await self._conversation(sid)
            if conversation is None:
                return
            try:
                shown = await self._history(conversation)
            except Exception:  # the page must still open; new messages get the dispatch's apology
                logger.exception("could not read the history of %s", conversation)
                shown = {"messages": [], "language": None}
            await sio.emit("history", shown, to=sid)

        @sio.on("message")
        async def message(sid: str, data: Any) -> None:
            conversation = await self._conversation(sid)
            if conversation is None or not isinstance(data, dict):
                return
            text, payload, title = data.get("text"), data.get("payload"), data.get("title")
            metadata: dict[str, Any] = {}
            if payload is not None:
                payload = str(payload)
                shown = str(title)[:200] if isinstance(title, str) and title else payload
                metadata["shown_text"] = shown  # the history shows the button's title, not its payload
                text = None
            else:
                text = text if isinstance(text, str) else ""
                shown = text
            now = time.time()
            await sio.emit(
                "user", {"kind": "user", "text": shown, "ts": now}, room=conversation, skip_sid=sid
            )
            await sio.emit("typing", {"on": True}, room=conversation)
            try:
                await self._dispatcher.dispatch(
                    CustomerMessage(CHANNEL, conversation, text, payload, metadata),
                    WebchatOutput(sio),
                    on_new_message,
                    self._agent(),
                )
            finally:
                await sio.emit("typing", {"on": False}, room=conversation)
            await self._follow_language(conversation)

        @sio.on("language")
        async def language(sid: str, data: Any) -> None:
            conversation = await self._conversation(sid)
            chosen = data.get("language") if isinstance(data, dict) else None
            if conversation is None or chosen not in (Language.ZH.value, Language.EN.value):
                return
            await self._set_language(conversation, chosen)
            await sio.emit("language", {"language": chosen}, room=conversation)

        return hook

    def _agent(self) -> Any:
        """Rasa's agent of the server this channel runs in."""
        return self._agent_app.ctx.agent if self._agent_app is not None else None

    async def _conversation(self, sid: str) -> str | None:
        """The conversation of a connected socket, as the server recorded it at connect time."""
        try:
            return (await self.sio.get_session(sid)).get("conversation") if self.sio else None
        except KeyError:
            return None

    async def _history(self, conversation: str) -> dict[str, Any]:
        """What a freshly opened page shows: the messages so far and the conversation's language."""
        agent = self._agent()
        if agent is None:
            return {"messages": [], "language": None}
        tracker = await agent.tracker_store.retrieve(conversation)
        if tracker is None:
            return {"messages": [], "language": None}
        events = [event.as_dict() for event in tracker.events]
        return {"messages": history(events), "language": tracker.get_slot(Slot.LANGUAGE.value)}

    async def _follow_language(self, conversation: str) -> None:
        """Tell the open pages the conversation's language (the customer may have switched by writing)."""
        agent = self._agent()
        if agent is None or self.sio is None:
            return
        try:
            language = await conversation_language(agent, conversation)
        except Exception:  # the reply is out already; the widget just keeps its language
            logger.exception("could not read the language of %s", conversation)
            return
        if language in (Language.ZH.value, Language.EN.value):
            await self.sio.emit("language", {"language": language}, room=conversation)

    async def _set_language(self, conversation: str, language: str) -> None:
        """Set the conversation's `language` slot, as Rasa's own tracker-events API would."""
        agent = self._agent()
        if agent is None or agent.processor is None:
            return
        async with agent.lock_store.lock(conversation):
            tracker = await agent.processor.fetch_tracker_with_initial_session(conversation)
            tracker.update(SlotSet(Slot.LANGUAGE.value, language))
            await agent.processor.save_tracker(tracker)
