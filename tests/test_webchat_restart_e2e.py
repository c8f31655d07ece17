"""A website message being handled when the Rasa server is `kill -9`ed is answered once after the restart.

One server pair per database (SQLite, PostgreSQL), started as separate processes this module may kill.
The action server is stopped (SIGSTOP) while the message is handled, so the turn is still waiting on it
when Rasa dies; it is let go only once the customer's widget is connected to the restarted server, so the
replayed turn's reply has to reach that widget live.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import shutil
import signal
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import socketio
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.benchmark.soak_faults import ServerProcess
from bot.channels.models import InboxState, WebchatInboxMessage
from bot.channels.webchat import SOCKET_PATH
from bot.channels.webchat_session import COOKIE_NAME, SessionSigner, conversation_id
from bot.constants import Slot
from bot.db.engine import shared_engine
from bot.db.migrate import upgrade
from bot.runtime.servers import actions_command, child_environment, rasa_command
from bot.runtime.settings import local_settings
from tests.assistant import LOG_DIR

WEBCHAT_SECRET = "restart-test-secret-" + "y" * 24
OPENING = "I want to complain: the workshop replaced my clutch and it slips again after a week"
START_TIMEOUT_S = 900.0  # loading the model can take minutes on the shared 2-core machine
TURN_TIMEOUT_S = 120.0


@dataclass
class Deployment:
    """The running servers of one database, and that database's inbox."""

    database_url: str
    base_url: str
    token: str
    rasa: ServerProcess
    actions: ServerProcess

    def tracker(self, conversation: str) -> dict[str, Any]:
        """The conversation's tracker from Rasa's HTTP API."""
        url = f"{self.base_url}/conversations/{conversation}/tracker?token={self.token}"
        with urllib.request.urlopen(url, timeout=30) as response:
            return json.loads(response.read())

    def entry(self, conversation: str, client_id: str) -> WebchatInboxMessage:
        """The inbox row of a message."""
        query = select(WebchatInboxMessage).where(
            WebchatInboxMessage.conversation_id == conversation, WebchatInboxMessage.client_id == client_id
        )
        with Session(shared_engine(self.database_url)) as session:
            return session.execute(query).scalar_one()

    def mark_received(self, conversation: str) -> None:
        """Set a conversation's messages back to `received`, as if never marked handled."""
        query = (
            update(WebchatInboxMessage)
            .where(WebchatInboxMessage.conversation_id == conversation)
            .values(state=InboxState.RECEIVED)
        )
        with Session(shared_engine(self.database_url)) as session, session.begin():
            session.execute(query)


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def deployment(request: pytest.FixtureRequest, trained_model: Path) -> Iterator[Deployment]:
    """Rasa and the action server on one database, as processes the test can kill and start again."""
    url = request.getfixturevalue(f"{request.param}_url")
    upgrade(url)
    settings = local_settings(trained_model.parent)
    token = secrets.token_urlsafe(16)
    log_dir = LOG_DIR / f"webchat-restart-{request.param}"
    shutil.rmtree(log_dir, ignore_errors=True)
    # A long action timeout: the stopped action server keeps the turn waiting until Rasa is killed.
    env = child_environment(
        settings, {"DATABASE_URL": url, "WEBCHAT_SECRET": WEBCHAT_SECRET, "ACTION_TIMEOUT_S": "300"}
    )
    actions = ServerProcess(
        "action server",
        actions_command(settings),
        env,
        f"http://127.0.0.1:{settings.actions_port}/health",
        log_dir / "actions.log",
    )
    rasa = ServerProcess(
        "Rasa server",
        rasa_command(settings, trained_model, token),
        env,
        f"{settings.rasa_url}/status?token={token}",
        log_dir / "rasa.log",
    )
    actions.start()
    rasa.start()
    try:
        asyncio.run(actions.wait_up(START_TIMEOUT_S))
        asyncio.run(rasa.wait_up(START_TIMEOUT_S))
        yield Deployment(url, settings.rasa_url, token, rasa, actions)
    finally:
        if actions.process is not None and actions.process.poll() is None:
            os.kill(actions.process.pid, signal.SIGCONT)
        rasa.stop()
        actions.stop()


class Widget:
    """A website customer's widget: the page's session cookie and a socket.io connection."""

    def __init__(self, base_url: str, token: str = "") -> None:
        """A widget of the page at `base_url` (with an earlier session cookie, if given)."""
        self.base_url = base_url
        self.token = token
        self.client = socketio.AsyncClient(reconnection=False)
        self.messages: list[dict[str, Any]] = []
        self.history: list[dict[str, Any]] | None = None
        self.typing_on = asyncio.Event()
        self.turn_over = asyncio.Event()
        self.client.on("bot", self._on_bot)
        self.client.on("typing", self._on_typing)
        self.client.on("history", self._on_history)

    async def _on_bot(self, message: Any) -> None:
        self.messages.append(message)

    async def _on_typing(self, state: Any) -> None:
        if isinstance(state, dict):
            (self.typing_on if state.get("on") else self.turn_over).set()

    async def _on_history(self, shown: Any) -> None:
        self.history = list(shown.get("messages") or [])

    @property
    def conversation(self) -> str:
        """The conversation the server derives from the session cookie."""
        customer = SessionSigner(WEBCHAT_SECRET).customer(self.token)
        assert customer is not None
        return conversation_id(customer)

    async def connect(self, http: aiohttp.ClientSession) -> None:
        """Open the page (a session cookie) once, then connect the socket with it."""
        if not self.token:
            async with http.get(f"{self.base_url}/webhooks/webchat/") as page:
                page.raise_for_status()
                self.token = page.cookies[COOKIE_NAME].value
        await self.client.connect(
            self.base_url,
            headers={"Cookie": f"{COOKIE_NAME}={self.token}", "Origin": self.base_url},
            transports=["polling"],  # python-engineio's websocket client needs a newer aiohttp than Rasa's
            socketio_path=SOCKET_PATH,
            wait_timeout=30,
        )

    async def send(self, text: str, client_id: str) -> dict[str, Any]:
        """Emit a message with the widget's id; the server's acknowledgement."""
        self.typing_on.clear()
        self.turn_over.clear()
        answer = await self.client.call("message", {"text": text, "id": client_id}, timeout=60)
        assert isinstance(answer, dict), answer
        return answer

    async def say(self, text: str, client_id: str) -> list[str]:
        """Send a message and wait for the end of its turn; the texts shown meanwhile."""
        before = len(self.messages)
        assert (await self.send(text, client_id))["ok"]
        await asyncio.wait_for(self.turn_over.wait(), TURN_TIMEOUT_S)
        return [str(m.get("text") or "") for m in self.messages[before:]]

    async def ask_history(self) -> list[dict[str, Any]]:
        """What a freshly opened page shows."""
        self.history = None
        await self.client.emit("history")
        for _ in range(300):
            if self.history is not None:
                return self.history
            await asyncio.sleep(0.1)
        raise AssertionError("no history came")


async def _wait_state(deployment: Deployment, conversation: str, client_id: str, state: str) -> None:
    """Wait until the inbox says the message ended as `state`."""
    deadline = time.monotonic() + TURN_TIMEOUT_S
    while time.monotonic() < deadline:
        found = await asyncio.to_thread(lambda: deployment.entry(conversation, client_id).state)
        if found == state:
            return
        await asyncio.sleep(0.5)
    raise AssertionError(f"message {client_id} is {found}, not {state}")


def _user_texts(tracker: dict[str, Any]) -> list[str]:
    return [e["text"] for e in tracker["events"] if e["event"] == "user"]


def _answered(tracker: dict[str, Any], text: str) -> bool:
    """Whether the customer's `text` is followed by a bot message in the conversation."""
    events = [e for e in tracker["events"] if e["event"] in ("user", "bot")]
    at = [i for i, e in enumerate(events) if e["event"] == "user" and e["text"] == text]
    return len(at) == 1 and at[0] + 1 < len(events) and events[at[0] + 1]["event"] == "bot"


def test_a_message_cut_off_by_kill_9_is_answered_once_after_the_restart(deployment: Deployment) -> None:
    async def scenario() -> None:
        async with aiohttp.ClientSession() as http:
            widget = Widget(deployment.base_url)
            await widget.connect(http)
            conversation = widget.conversation
            assert await widget.say(OPENING, "m-1")
            assert deployment.tracker(conversation)["slots"]["requested_slot"] == Slot.VEHICLE_MODEL.value
            await _wait_state(deployment, conversation, "m-1", InboxState.DONE)
            # As if the process had died after saving that turn but before marking it handled.
            deployment.mark_received(conversation)

            assert deployment.actions.process is not None
            os.kill(deployment.actions.process.pid, signal.SIGSTOP)  # the next turn waits on it
            assert (await widget.send("it's a Bora", "m-2")) == {"ok": True}
            await asyncio.wait_for(widget.typing_on.wait(), 30)
            await asyncio.sleep(3)  # well inside the turn
            deployment.rasa.kill9()
            assert deployment.entry(conversation, "m-2").state == InboxState.RECEIVED

            deployment.rasa.start()
            await deployment.rasa.wait_up(START_TIMEOUT_S)
            again = Widget(deployment.base_url, widget.token)  # the page reconnects with its cookie
            await again.connect(http)
            shown = await again.ask_history()
            assert [m["text"] for m in shown if m["kind"] == "user"] == [OPENING, "it's a Bora"]
            # The widget had no confirmation in its view: it sends the message again, with the same id.
            assert (await again.send("it's a Bora", "m-2")) == {"ok": True, "duplicate": True}
            os.kill(deployment.actions.process.pid, signal.SIGCONT)
            await asyncio.wait_for(again.turn_over.wait(), TURN_TIMEOUT_S)
            assert again.messages, "the replayed turn's reply did not reach the connected widget"
            await _wait_state(deployment, conversation, "m-2", InboxState.DONE)
            assert deployment.entry(conversation, "m-1").state == InboxState.SUPERSEDED

            tracker = deployment.tracker(conversation)
            assert _user_texts(tracker) == [OPENING, "it's a Bora"]
            assert _answered(tracker, OPENING) and _answered(tracker, "it's a Bora")
            assert tracker["slots"][Slot.VEHICLE_MODEL.value] == "Bora"
            assert tracker["slots"]["requested_slot"] == Slot.PHONE.value
            texts = [m["text"] for m in await again.ask_history() if m["kind"] == "user"]
            assert texts == [OPENING, "it's a Bora"]
            await again.client.disconnect()

    asyncio.run(scenario())


def test_a_message_sent_twice_with_one_id_is_handled_once(deployment: Deployment) -> None:
    async def scenario() -> None:
        async with aiohttp.ClientSession() as http:
            widget = Widget(deployment.base_url)
            await widget.connect(http)
            assert await widget.say(OPENING, "m-1")
            answers = await asyncio.gather(
                widget.client.call("message", {"text": "it's a Jetta", "id": "m-2"}, timeout=60),
                widget.client.call("message", {"text": "it's a Jetta", "id": "m-2"}, timeout=60),
            )
            assert sorted(a.get("duplicate", False) for a in answers) == [False, True]
            await _wait_state(deployment, widget.conversation, "m-2", InboxState.DONE)
            tracker = deployment.tracker(widget.conversation)
            assert _user_texts(tracker) == [OPENING, "it's a Jetta"]
            assert _answered(tracker, "it's a Jetta")
            await widget.client.disconnect()

    asyncio.run(scenario())
