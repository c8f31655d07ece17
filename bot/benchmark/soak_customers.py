"""Soak customers: scripted intakes over the website chat (socket.io) and Telegram that ride out faults.

A customer sends a message and waits for the answer. Accepted means the server took the message: the
website's acknowledgement (sent once the message is in the inbox) or its `typing` on event, or a 200 from
the Telegram webhook (Telegram itself redelivers an update until it gets one, and so does this client).
A message whose answer does not come (the server died, the socket dropped) is looked up in the
conversation once the server is back: there with an answer after it, it counts as answered late; there
without one, or never accepted, the customer writes it again; accepted and not in the conversation at
all, it is lost. What to write next is read from the tracker (the question
the form asks), so an apology during an outage just makes the customer answer the same question again.

An intake that did not show a reference is either *in progress at the end* (its customer was still
working through it when the run's drain time ran out) or *stalled* (a message never answered, or the
turns ran out); a stall keeps what the bot last asked and said, to say why.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import socketio

from bot.benchmark.intake import REFERENCE, IntakeScript
from bot.benchmark.soak_faults import FaultLog
from bot.channels.telegram import SECRET_HEADER
from bot.channels.webchat import SOCKET_PATH
from bot.channels.webchat_session import COOKIE_NAME, SessionSigner, conversation_id

ANSWER_WAIT_S = 45.0  # a turn without an answer by then is looked up in the conversation
MESSAGE_GIVE_UP_S = 300.0  # a message not answered by then (across retries) is unanswered
MAX_TURNS = 30
TURN_QUIET_S = 3.0  # a Telegram turn is over when no reply followed for this long
RETRY_PAUSE_S = 2.0
SETTLE_S = 30.0  # how long an accepted message may take to show up once the server answers again


@dataclass
class SoakCounts:
    """What the customers saw."""

    sent: int = 0  # distinct customer messages (a message written again counts once)
    answered: int = 0
    answered_late: int = 0  # answered after a fault, found in the conversation once the server was back
    rewritten: int = 0  # times a customer had to write a message again
    lost: int = 0  # accepted by the server, then neither answered nor in the conversation
    unanswered: int = 0  # never answered within MESSAGE_GIVE_UP_S (includes lost)
    intakes_started: int = 0
    completed_references: dict[str, str] = field(default_factory=dict)  # conversation -> reference
    resumed: int = 0  # completed intakes that lived through a fault
    latencies_clear_ms: list[float] = field(default_factory=list)  # turns outside fault windows
    latencies_fault_ms: list[float] = field(default_factory=list)
    conversations: list[str] = field(default_factory=list)
    in_progress_at_end: list[str] = field(default_factory=list)  # intakes cut off by the end of the run
    stalled: list[dict[str, Any]] = field(default_factory=list)  # intakes that stopped short, and why
    lost_messages: list[dict[str, Any]] = field(default_factory=list)  # which, when (monotonic), channel


@dataclass
class SoakContext:
    """Where the customers talk to and what they share."""

    rasa_url: str
    rasa_token: str
    webchat_secret: str
    telegram_webhook_url: str
    telegram_secret: str
    faults: FaultLog
    counts: SoakCounts
    telegram_replies: dict[int, asyncio.Queue[str]] = field(default_factory=dict)

    def on_bot_api_call(self, call: Any) -> None:
        """Listener of the local Bot API server: queue sendMessage texts per chat."""
        if getattr(call, "method", "") != "sendMessage":
            return
        params = getattr(call, "params", {}) or {}
        try:
            chat = int(params.get("chat_id"))
        except (TypeError, ValueError):
            return
        queue = self.telegram_replies.get(chat)
        if queue is not None:
            queue.put_nowait(str(params.get("text") or ""))


async def conversation_state(
    http: aiohttp.ClientSession, ctx: SoakContext, sender: str, events: bool = False
) -> dict[str, Any] | None:
    """The conversation's tracker from Rasa's HTTP API, or None while it cannot be read."""
    url = f"{ctx.rasa_url}/conversations/{sender}/tracker?token={ctx.rasa_token}"
    if not events:
        url += "&include_events=NONE"
    try:
        async with http.get(url, timeout=aiohttp.ClientTimeout(total=20)) as response:
            body = await response.json(content_type=None)
            return body if response.status == 200 and isinstance(body, dict) else None
    except (aiohttp.ClientError, asyncio.TimeoutError, ValueError):
        return None


def answered_in(tracker: dict[str, Any], text: str, since: float) -> list[str] | None:
    """Bot texts after the customer's `text` (sent at or after `since`); None when it is not there."""
    events = tracker.get("events") or []
    for index in range(len(events) - 1, -1, -1):
        event = events[index]
        if event.get("event") == "user" and event.get("text") == text and event.get("timestamp", 0) >= since:
            return [str(e.get("text") or "") for e in events[index + 1 :] if e.get("event") == "bot"]
    return None


class Turns:
    """The message loop shared by both channels: send, wait, look up, write again."""

    def __init__(self, ctx: SoakContext, http: aiohttp.ClientSession) -> None:
        """Customers of `ctx`, reading trackers over `http`."""
        self.ctx = ctx
        self.http = http
        self.through_fault = False

    async def attempt(self, text: str) -> tuple[bool, list[str], float]:
        """Send once: (accepted, bot texts of the answer or empty when none came, when the first came)."""
        raise NotImplementedError

    async def ready(self) -> None:
        """Make sure the channel is open before writing (reconnect after a fault)."""

    async def ask(self, sender: str, text: str) -> list[str] | None:
        """Send `text` until it is answered; the answer's texts, or None when it never was."""
        counts = self.ctx.counts
        counts.sent += 1
        first_try = True
        give_up = time.monotonic() + MESSAGE_GIVE_UP_S
        while time.monotonic() < give_up:
            try:
                await self.ready()
            except Exception:  # the server is down: wait and try again, as a customer would
                self.through_fault = True
                await asyncio.sleep(RETRY_PAUSE_S)
                continue
            started, wall = time.monotonic(), time.time() - 1
            accepted, texts, ended = await self.attempt(text)
            if texts:
                counts.answered += 1
                if first_try:
                    elapsed = (ended - started) * 1000
                    inside = self.ctx.faults.inside(started, ended)
                    (counts.latencies_fault_ms if inside else counts.latencies_clear_ms).append(elapsed)
                else:
                    counts.answered_late += 1
                return texts
            self.through_fault = True
            late = await self._look_up(sender, text, wall, accepted, give_up, started)
            if late is not None:
                counts.answered += 1
                counts.answered_late += 1
                return late
            first_try = False
            counts.rewritten += 1
        counts.unanswered += 1
        return None

    async def _look_up(
        self, sender: str, text: str, since: float, accepted: bool, give_up: float, sent_at: float = 0.0
    ) -> list[str] | None:
        """After a turn without an answer: the answer found in the conversation once readable."""
        settle = None
        while time.monotonic() < give_up:
            tracker = await conversation_state(self.http, self.ctx, sender, events=True)
            if tracker is None:
                await asyncio.sleep(RETRY_PAUSE_S)
                continue
            found = answered_in(tracker, text, since)
            settle = settle or time.monotonic() + SETTLE_S
            if found:
                return found
            if found is None and accepted:
                if time.monotonic() < settle:  # a kept message may be replayed once the server is back
                    await asyncio.sleep(RETRY_PAUSE_S * 2)
                    continue
                self.ctx.counts.lost += 1
                self.ctx.counts.lost_messages.append(
                    {
                        "conversation": sender,
                        "text": text,
                        "sent_at": sent_at,
                        "looked_up_at": time.monotonic(),
                    }
                )
            return None
        return None

    async def intake(self, sender: str, script: IntakeScript) -> None:
        """Play one intake until a ticket reference is shown (or it stalls, or the run ends under it)."""
        counts = self.ctx.counts
        counts.intakes_started += 1
        counts.conversations.append(sender)
        self.last_texts: list[str] = []
        self.last_asked: str | None = None
        try:
            await self._intake(sender, script)
        except asyncio.CancelledError:
            counts.in_progress_at_end.append(sender)
            raise

    def _stalled(self, sender: str, reason: str) -> None:
        """Record an intake that stopped short, with what the bot last asked and said."""
        self.ctx.counts.stalled.append(
            {
                "conversation": sender,
                "reason": reason,
                "requested_slot": self.last_asked,
                "last_bot_texts": [text[:200] for text in self.last_texts[-3:]],
            }
        )

    async def _intake(self, sender: str, script: IntakeScript) -> None:
        """The turns of one intake."""
        counts = self.ctx.counts
        text = script.opening
        for _ in range(MAX_TURNS):
            texts = await self.ask(sender, text)
            if texts is None:
                self._stalled(sender, f"a message was not answered in {MESSAGE_GIVE_UP_S:.0f} s")
                return
            self.last_texts = texts
            for reply in texts:
                found = REFERENCE.search(reply)
                if found:
                    counts.completed_references[sender] = found.group(0)
                    counts.resumed += int(self.through_fault)
                    return
            tracker = None
            while tracker is None:
                tracker = await conversation_state(self.http, self.ctx, sender)
                if tracker is None:
                    await asyncio.sleep(RETRY_PAUSE_S)
            asked = (tracker.get("slots") or {}).get("requested_slot")
            in_form = bool((tracker.get("active_loop") or {}).get("name"))
            self.last_asked = asked if in_form else None
            text = script.details.get(asked, script.skip) if in_form and asked else script.confirm
            await asyncio.sleep(random.uniform(0.3, 1.0))  # the customer reads and types
        self._stalled(sender, f"no reference after {MAX_TURNS} turns")


class WebTurns(Turns):
    """A website customer: the support page's session cookie and a socket.io connection."""

    def __init__(self, ctx: SoakContext, http: aiohttp.ClientSession) -> None:
        """A new visitor (no session yet)."""
        super().__init__(ctx, http)
        self.token: str | None = None
        self.sender = ""
        self.client: socketio.AsyncClient | None = None
        self.texts: list[str] = []
        self.first_at = 0.0
        self.accepted = asyncio.Event()
        self.turn_over = asyncio.Event()

    async def open_page(self) -> str:
        """Open the support page: the session cookie, and the conversation id derived from it."""
        async with self.http.get(f"{self.ctx.rasa_url}/webhooks/webchat/") as page:
            page.raise_for_status()
            self.token = page.cookies[COOKIE_NAME].value
        customer = SessionSigner(self.ctx.webchat_secret).customer(self.token)
        assert customer is not None, "the page's session cookie does not verify with WEBCHAT_SECRET"
        self.sender = conversation_id(customer)
        return self.sender

    async def ready(self) -> None:
        """Connect (again) with the session cookie when not connected."""
        if self.client is not None and self.client.connected:
            return
        if self.token is None:
            await self.open_page()
        client = socketio.AsyncClient(reconnection=False)
        client.on("bot", self._on_bot)
        client.on("typing", self._on_typing)
        headers = {"Cookie": f"{COOKIE_NAME}={self.token}", "Origin": self.ctx.rasa_url}
        await client.connect(
            self.ctx.rasa_url,
            headers=headers,
            transports=["polling"],  # python-engineio's websocket client needs a newer aiohttp than Rasa's
            socketio_path=SOCKET_PATH,
            wait_timeout=20,
        )
        self.client = client

    async def _on_bot(self, message: Any) -> None:
        if isinstance(message, dict):
            self.first_at = self.first_at or time.monotonic()
            self.texts.append(str(message.get("text") or ""))

    async def _on_typing(self, state: Any) -> None:
        if isinstance(state, dict):
            if state.get("on"):
                self.accepted.set()
            else:
                self.turn_over.set()

    def _on_ack(self, answer: Any = None) -> None:
        if isinstance(answer, dict) and answer.get("ok"):
            self.accepted.set()  # the server recorded the message

    async def attempt(self, text: str) -> tuple[bool, list[str], float]:
        """Emit the message (with an id, as the widget does) and wait for the end of the turn."""
        assert self.client is not None
        self.texts, self.first_at = [], 0.0
        self.accepted.clear()
        self.turn_over.clear()
        try:
            await self.client.emit("message", {"text": text, "id": uuid.uuid4().hex}, callback=self._on_ack)
            await asyncio.wait_for(self.turn_over.wait(), ANSWER_WAIT_S)
        except (asyncio.TimeoutError, socketio.exceptions.SocketIOError):
            return self.accepted.is_set(), [], 0.0
        return True, list(self.texts), self.first_at

    async def close(self) -> None:
        """Disconnect."""
        if self.client is not None and self.client.connected:
            await self.client.disconnect()


class TelegramTurns(Turns):
    """A Telegram customer: a private chat whose updates reach the webhook as Telegram posts them."""

    def __init__(self, ctx: SoakContext, http: aiohttp.ClientSession, update_ids: Any) -> None:
        """A new chat."""
        super().__init__(ctx, http)
        self.chat = random.randrange(10**9, 10**10)
        self.sender = f"tg-{self.chat}"
        self.update_ids = update_ids
        self.replies: asyncio.Queue[str] = asyncio.Queue()
        ctx.telegram_replies[self.chat] = self.replies

    async def attempt(self, text: str) -> tuple[bool, list[str], float]:
        """Post the update until the webhook takes it (as Telegram does), then collect the replies."""
        update_id = next(self.update_ids)
        update = {
            "update_id": update_id,
            "message": {
                "message_id": update_id % 10**6,
                "date": int(time.time()),
                "chat": {"id": self.chat, "type": "private"},
                "from": {"id": self.chat, "is_bot": False, "first_name": "Soak"},
                "text": text,
            },
        }
        while not self.replies.empty():
            self.replies.get_nowait()
        deadline = time.monotonic() + ANSWER_WAIT_S
        accepted = False
        while not accepted and time.monotonic() < deadline:
            try:
                async with self.http.post(
                    self.ctx.telegram_webhook_url,
                    data=json.dumps(update),
                    headers={SECRET_HEADER: self.ctx.telegram_secret, "Content-Type": "application/json"},
                    timeout=aiohttp.ClientTimeout(total=20),
                ) as response:
                    accepted = response.status == 200
            except (aiohttp.ClientError, asyncio.TimeoutError):
                pass
            if not accepted:
                await asyncio.sleep(RETRY_PAUSE_S)
        if not accepted:
            return False, [], 0.0
        texts: list[str] = []
        first_at = 0.0
        try:
            texts.append(await asyncio.wait_for(self.replies.get(), max(1.0, deadline - time.monotonic())))
            first_at = time.monotonic()
            while True:  # the rest of the turn's replies follow closely
                texts.append(await asyncio.wait_for(self.replies.get(), TURN_QUIET_S))
        except asyncio.TimeoutError:
            pass
        return True, texts, first_at

    def close(self) -> None:
        """Stop listening for this chat."""
        self.ctx.telegram_replies.pop(self.chat, None)
