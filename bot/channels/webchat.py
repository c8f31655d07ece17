"""The website chat: a socket.io channel (python-socketio on Rasa's Sanic app) with server-issued sessions.

- GET /webhooks/webchat/ serves the brand's support page with the widget and sets the session cookie
  (HttpOnly, SameSite=Strict, signed with WEBCHAT_SECRET); a missing, forged or expired one is replaced by
  a new session. The conversation id `web-<customer>` is derived from the cookie on the server.
- The socket (path /webhooks/webchat/socket.io) accepts same-origin connections carrying a valid cookie;
  each connection joins its conversation's room, so every tab of the customer sees the conversation live,
  and server-side code (agent replies) reaches it through the output registry (`web`, `web-...`).
- Events from the page: `history` (once connected), `message` {text, id} or {payload, title, id} (a
  pressed button; `id` the widget's id of the message, the same when it resends it), `language` {language}.
- A message is written to the inbox (bot/channels/webchat_inbox.py) before it is handled and acknowledged
  ({ok: true}) only then; it is handled in the background, one conversation's messages in order. When the
  server starts, the messages it took but never finished (the process died mid-turn) are handled again, in
  order, once: the reply goes to the conversation's room if the customer is connected, else it is in the
  history when they come back. If the message cannot be recorded (database down), the customer gets the
  apology asking to send it again and the ack says {ok: false}.
  Events to the page: `history`, `bot` (also agent messages and join/leave markers), `user` (the
  customer's own message, for the other tabs), `typing`, `language` (after each turn and on a switch:
  the widget's texts follow the conversation's language).
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import time
import uuid
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

from bot.channels.chat_queues import ChatQueues
from bot.channels.dispatch import CustomerMessage, Dispatcher, Outcome
from bot.channels.models import InboxState
from bot.channels.notices import APOLOGY, customer_language
from bot.channels.outputs import register_output
from bot.channels.webchat_history import CLIENT_ID_KEY, history, widget_message
from bot.channels.webchat_inbox import INBOX_KEY, InboxEntry, WebchatInbox, instance_name, last_inbox_id
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
from bot.runtime.stores import REDIS_URL_ENV, current_slot
from bot.tickets.masking import install_log_masking

logger = logging.getLogger(__name__)

CHANNEL = "web"
STATIC_DIR = Path(__file__).with_name("webchat_static")
SOCKET_PATH = "/webhooks/webchat/socket.io"
ALLOWED_ORIGINS_ENV = "WEBCHAT_ALLOWED_ORIGINS"
REDIS_PREFIX_ENV = "REDIS_KEY_PREFIX"  # also the lock store's key prefix
MAX_EVENT_BYTES = 64_000
CLIENT_ID = re.compile(r"[A-Za-z0-9_.:-]{1,64}")
RESUME_WAIT_S = 30.0  # a new message waits this long for the start-up replay to queue the older ones
RETRY_DELAYS_S = (1.0, 2.0, 5.0, 10.0, 20.0, 30.0, 60.0)  # database calls while it is unreachable
MAX_HANDLINGS = 3  # a message whose handling died with the process this often is not replayed again


OnNewMessage = Callable[[UserMessage], Awaitable[Any]]
# What _take returns for a message whose client id was recorded before (a resend after a reconnect).
_ALREADY_TAKEN = InboxEntry(0, "", "", None, None)


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
        self._inbox: WebchatInbox | None = None
        self._instance: str | None = None
        self._resumed = asyncio.Event()
        self.queues = ChatQueues()
        install_log_masking()

    @property
    def inbox(self) -> WebchatInbox:
        """The inbox in DATABASE_URL."""
        if self._inbox is None:
            self._inbox = WebchatInbox()
        return self._inbox

    @property
    def instance(self) -> str:
        """This process's name in the inbox."""
        if self._instance is None:
            self._instance = instance_name(None)
        return self._instance

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

        @hook.listener("after_server_start")
        async def resume(app: Any, _loop: Any) -> None:
            self._agent_app = app
            self._instance = instance_name(getattr(app.state, "port", None))
            self.queues.track(asyncio.create_task(self._resume(on_new_message)))

        @hook.listener("before_server_stop")
        async def drain(app: Any, _loop: Any) -> None:
            try:  # what is still running after this is handled again at the next start (it is recorded)
                await asyncio.wait_for(self.queues.idle(), 30)
            except asyncio.TimeoutError:
                logger.warning("stopping with website messages still being handled")

        @sio.on("message")
        async def message(sid: str, data: Any) -> dict[str, Any]:
            conversation = await self._conversation(sid)
            if conversation is None or not isinstance(data, dict):
                return {"ok": False}
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
            client_id = data.get("id")
            if not isinstance(client_id, str) or not CLIENT_ID.fullmatch(client_id):
                client_id = uuid.uuid4().hex  # an old page without ids: no resend to recognise
            metadata[CLIENT_ID_KEY] = client_id
            entry = await self._take(conversation, client_id, text, payload, metadata)
            if entry is None:
                return {"ok": False}
            if entry is _ALREADY_TAKEN:
                return {"ok": True, "duplicate": True}
            await sio.emit(
                "user", {"kind": "user", "text": shown, "ts": time.time()}, room=conversation, skip_sid=sid
            )
            await sio.emit("typing", {"on": True}, room=conversation)
            self.queues.submit(conversation, lambda: self._handle(entry, on_new_message))
            return {"ok": True}

        @sio.on("language")
        async def language(sid: str, data: Any) -> None:
            conversation = await self._conversation(sid)
            chosen = data.get("language") if isinstance(data, dict) else None
            if conversation is None or chosen not in (Language.ZH.value, Language.EN.value):
                return
            await self._set_language(conversation, chosen)
            await sio.emit("language", {"language": chosen}, room=conversation)

        return hook

    # The inbox ----------------------------------------------------------------------------------------------

    async def _take(
        self,
        conversation: str,
        client_id: str,
        text: str | None,
        payload: str | None,
        metadata: dict[str, Any],
    ) -> InboxEntry | None:
        """Record a message before handling it: its entry, _ALREADY_TAKEN for a resend, None: not recorded."""
        try:  # messages queue behind the replay of older ones of the same conversation
            await asyncio.wait_for(self._resumed.wait(), RESUME_WAIT_S)
        except asyncio.TimeoutError:
            logger.warning("the start-up replay of website messages is not queued yet; handling a new one")
        try:
            entry = await asyncio.to_thread(
                self.inbox.take, conversation, client_id, text, payload, metadata, self.instance
            )
        except Exception:  # not recorded: not handled either, and the customer is told to send it again
            logger.exception(
                "could not record a website message of %s; asking to send it again", conversation
            )
            await self._apologise(conversation, text)
            return None
        if entry is None:
            logger.info("a website message of %s was sent again (same id); handled once", conversation)
            return _ALREADY_TAKEN
        return entry

    async def _handle(self, entry: InboxEntry, on_new_message: OnNewMessage, replay: bool = False) -> None:
        """Answer one recorded message and record that it was handled."""
        assert self.sio is not None
        conversation = entry.conversation_id
        if replay:
            saved = await self._in_conversation(entry)
            if saved is None:
                return  # the conversation could not be read: left for the next start
            if saved:
                logger.info("website message %s of %s was saved before the stop", entry.id, conversation)
                await self._finish(entry, InboxState.SUPERSEDED)
                return
            logger.info(
                "handling website message %s of %s, taken before the last stop", entry.id, conversation
            )
            await self.sio.emit("typing", {"on": True}, room=conversation)
        try:
            outcome = await self._dispatcher.dispatch(
                CustomerMessage(
                    CHANNEL,
                    conversation,
                    entry.text,
                    entry.payload,
                    {**entry.details, INBOX_KEY: entry.id},
                    message_id=entry.message_id,
                ),
                WebchatOutput(self.sio),
                on_new_message,
                self._agent(),
            )
        finally:
            await self.sio.emit("typing", {"on": False}, room=conversation)
        await self._finish(entry, InboxState.FAILED if outcome is Outcome.FAILED else InboxState.DONE)
        await self._follow_language(conversation)

    async def _in_conversation(self, entry: InboxEntry) -> bool | None:
        """Whether its turn (or a later message's) is saved; None while the conversation is unreadable."""
        agent = self._agent()
        for delay in (0.0, *RETRY_DELAYS_S):
            await asyncio.sleep(delay)
            try:
                tracker = await agent.tracker_store.retrieve(entry.conversation_id)
            except Exception:
                logger.exception("could not read %s to replay a website message", entry.conversation_id)
                continue
            return tracker is not None and last_inbox_id(tracker.events) >= entry.id
        return None

    async def _finish(self, entry: InboxEntry, state: str) -> None:
        """Record how a message ended; retried in the background while the database is away."""
        try:
            await asyncio.to_thread(self.inbox.finish, entry.id, state)
            return
        except Exception:
            logger.warning("could not mark website message %s %s yet; retrying", entry.id, state)

        async def retry() -> None:
            for delay in RETRY_DELAYS_S:
                await asyncio.sleep(delay)
                try:
                    await asyncio.to_thread(self.inbox.finish, entry.id, state)
                    return
                except Exception:
                    continue
            # Left as received: a replay at the next start finds its turn in the conversation (or not).
            logger.error("could not mark website message %s %s", entry.id, state)

        self.queues.track(asyncio.create_task(retry()))

    async def _resume(self, on_new_message: OnNewMessage) -> None:
        """Queue the messages this process took before a stop but never finished, oldest first."""
        try:
            pending: list[InboxEntry] = []
            for delay in (0.0, *RETRY_DELAYS_S):
                await asyncio.sleep(delay)
                try:
                    pending = await asyncio.to_thread(self.inbox.pending, self.instance)
                    break
                except Exception:
                    logger.exception("could not read the website messages left over from the last run")
            if pending:
                logger.info("handling %d website message(s) taken before the last stop", len(pending))
            for entry in pending:
                if entry.attempts >= MAX_HANDLINGS:
                    logger.error(
                        "website message %s died with the server %d times; not replayed",
                        entry.id,
                        entry.attempts,
                    )
                    await self._finish(entry, InboxState.FAILED)
                    continue
                try:
                    await asyncio.to_thread(self.inbox.start, entry.id)
                except Exception:  # replayed all the same; only the count of handlings is missing
                    logger.exception("could not count the replay of website message %s", entry.id)
                self.queues.submit(
                    entry.conversation_id, lambda e=entry: self._handle(e, on_new_message, replay=True)
                )
        finally:
            self._resumed.set()

    async def _apologise(self, conversation: str, text: str | None) -> None:
        """The apology asking to send the message again, in the customer's language."""
        if self.sio is None:
            return
        try:
            language = await customer_language(self._agent(), conversation, text)
            await WebchatOutput(self.sio).send_text_message(conversation, APOLOGY[language])
        except Exception:
            logger.exception("could not apologise to %s", conversation)

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
        events = list(tracker.events) if tracker is not None else []
        messages = history([event.as_dict() for event in events])
        # Messages taken but not answered yet (being handled, or waiting for the replay after a restart).
        for entry, received_at in await asyncio.to_thread(
            self.inbox.unhandled, conversation, last_inbox_id(events)
        ):
            shown = entry.details.get("shown_text") or entry.text or entry.payload or ""
            messages.append(
                {"kind": "user", "text": str(shown), "ts": received_at.timestamp(), "id": entry.client_id}
            )
        language = tracker.get_slot(Slot.LANGUAGE.value) if tracker is not None else None
        return {"messages": messages, "language": language}

    async def _follow_language(self, conversation: str) -> None:
        """Tell the open pages the conversation's language (the customer may have switched by writing)."""
        agent = self._agent()
        if agent is None or self.sio is None:
            return
        try:
            # The turn's own saved tracker, unless something was stored since: no rebuild of the tracker.
            language = await current_slot(agent.tracker_store, conversation, Slot.LANGUAGE.value)
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
