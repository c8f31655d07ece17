"""Two Rasa processes and action servers behind nginx, sharing a PostgreSQL and a Redis of the tests' own.

One cluster for the module (two Rasa starts on the shared machine). Customers talk to each process directly
(to choose where a turn lands) or through nginx (as in production).
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import socketio
from yarl import URL

from bot.benchmark.intake import ZH_DETAILS
from bot.channels.webchat import SOCKET_PATH
from bot.channels.webchat_session import COOKIE_NAME
from bot.constants import Slot
from bot.runtime.cluster import Cluster, running_cluster
from tests.assistant import REFERENCE, get_json, post
from tests.own_services import own_postgres, own_redis

WEB_API_TOKEN = f"cluster-api-{uuid.uuid4().hex}"
INTERNAL_TOKEN = f"cluster-internal-{uuid.uuid4().hex}"
TURN_TIMEOUT_S = 90.0


@pytest.fixture(scope="module")
def cluster(trained_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    """Two processes behind nginx on their own PostgreSQL and Redis."""
    with own_postgres() as database, own_redis() as redis_server:
        env = {
            "DATABASE_URL": database.url,
            "REDIS_URL": redis_server.url,
            "REDIS_KEY_PREFIX": f"cluster-{uuid.uuid4().hex[:6]}",
            "WEB_API_TOKEN": WEB_API_TOKEN,
            "INTERNAL_API_TOKEN": INTERNAL_TOKEN,
            "WEBCHAT_SECRET": uuid.uuid4().hex,
        }
        run_dir = tmp_path_factory.mktemp("cluster")
        with running_cluster(trained_model, 2, extra_env=env, run_dir=run_dir) as running:
            yield running


def _say(base_url: str, sender: str, text: str) -> list[str]:
    """One REST turn at `base_url`; the reply texts."""
    status, body = post(
        f"{base_url}/webhooks/web/webhook",
        json.dumps({"sender": sender, "message": text}).encode(),
        timeout=TURN_TIMEOUT_S,
        token=WEB_API_TOKEN,
    )
    assert status == 200, (status, body)
    return [str(reply.get("text") or "") for reply in body]


def _tracker(cluster: Cluster, base_url: str, sender: str) -> dict[str, Any]:
    """The conversation's tracker as one process sees it."""
    return get_json(f"{base_url}/conversations/{sender}/tracker?token={cluster.auth_token}")


def test_turns_alternating_between_processes_stay_in_order(cluster: Cluster) -> None:
    """Each turn on the other process: every message is in the conversation once, in order, each answered."""
    sender = f"cluster-{uuid.uuid4().hex[:8]}"
    nodes = [node.url for node in cluster.nodes]
    sent = ["我的迈腾空调修完以后还是有异响"]
    replies = _say(nodes[0], sender, sent[0])
    turn = 1
    while not any(REFERENCE.search(text) for text in replies) and turn < 16:
        tracker = _tracker(cluster, nodes[turn % 2], sender)
        asked = tracker["slots"].get("requested_slot")
        in_form = bool((tracker.get("active_loop") or {}).get("name"))
        text = ZH_DETAILS.get(asked, "跳过") if in_form and asked else "确认"
        sent.append(text)
        replies = _say(nodes[turn % 2], sender, text)
        assert replies, f"turn {turn} on process {turn % 2 + 1} got no answer"
        turn += 1
    assert any(REFERENCE.search(text) for text in replies), "the intake did not end with a ticket reference"
    for base_url in nodes:  # both processes read the same conversation
        events = _tracker(cluster, base_url, sender)["events"]
        user_texts = [e["text"] for e in events if e["event"] == "user"]
        assert user_texts == sent
        kinds = [e["event"] for e in events if e["event"] in ("user", "bot")]
        answered = [
            i + 1 < len(kinds) and kinds[i + 1] == "bot" for i, kind in enumerate(kinds) if kind == "user"
        ]
        assert all(answered) and len(answered) == len(sent)


class WidgetCustomer:
    """A website customer: the page's cookie and a socket.io connection to one address."""

    def __init__(self, base_url: str) -> None:
        """A customer of the page at `base_url`."""
        self.base_url = base_url
        self.token = ""
        # A browser sends the session cookie on every socket.io request, which keeps the socket on one process
        # behind nginx. python-engineio's client sends a Cookie header only with its first request, so the
        # cookie goes into the client's jar (unsafe: aiohttp's default jar refuses IP hosts like 127.0.0.1).
        self.client = socketio.AsyncClient(
            reconnection=True, reconnection_delay=0.5, http_session=self._http_session
        )
        self.messages: list[dict[str, Any]] = []
        self.turn_over = asyncio.Event()
        self.disconnected = False
        self.client.on("bot", self._on_bot)
        self.client.on("typing", self._on_typing)
        self.client.on("disconnect", self._on_disconnect)

    def _http_session(self) -> aiohttp.ClientSession:
        """The socket's HTTP session, carrying the page's session cookie as a browser would."""
        jar = aiohttp.CookieJar(unsafe=True)
        jar.update_cookies({COOKIE_NAME: self.token}, response_url=URL(f"{self.base_url}/webhooks/webchat/"))
        return aiohttp.ClientSession(cookie_jar=jar)

    async def _on_bot(self, message: Any) -> None:
        self.messages.append(message)

    async def _on_typing(self, state: Any) -> None:
        if isinstance(state, dict) and not state.get("on"):
            self.turn_over.set()

    async def _on_disconnect(self, *args: Any) -> None:
        self.disconnected = True

    async def open(self, http: aiohttp.ClientSession) -> None:
        """Open the page and connect with its session cookie."""
        async with http.get(f"{self.base_url}/webhooks/webchat/") as page:
            page.raise_for_status()
            self.token = page.cookies[COOKIE_NAME].value
        await self.client.connect(
            self.base_url,
            headers={"Origin": self.base_url},
            transports=["polling"],  # python-engineio's websocket client needs a newer aiohttp than Rasa's
            socketio_path=SOCKET_PATH,
            wait_timeout=30,
        )

    async def say(self, text: str) -> list[str]:
        """Send a message; the texts shown until the end of the turn."""
        self.turn_over.clear()
        before = len(self.messages)
        await self.client.emit("message", {"text": text})
        await asyncio.wait_for(self.turn_over.wait(), TURN_TIMEOUT_S)
        return [str(m.get("text") or "") for m in self.messages[before:]]

    async def wait_for(self, text: str, timeout_s: float = 30) -> dict[str, Any]:
        """Wait until a message with `text` is shown."""
        deadline = asyncio.get_running_loop().time() + timeout_s
        while asyncio.get_running_loop().time() < deadline:
            for message in self.messages:
                if message.get("text") == text:
                    return message
            await asyncio.sleep(0.1)
        raise AssertionError(f"{text!r} never reached the customer; shown: {self.messages}")


def test_agent_reply_reaches_a_customer_connected_to_the_other_process(cluster: Cluster) -> None:
    """The console's push lands on process 2; the customer's socket is on process 1 and shows the reply."""

    async def scenario() -> None:
        async with aiohttp.ClientSession() as http:
            customer = WidgetCustomer(cluster.nodes[0].url)
            await customer.open(http)
            marker = f"cluster-probe-{uuid.uuid4().hex[:6]}"
            assert await customer.say(f"你好 {marker}")
            sender = _sender_of(cluster, cluster.nodes[0].url, marker)
            text = "您好，我是客服李娜，您的情况我们已经收到。"
            status, body = await asyncio.to_thread(
                post,
                f"{cluster.nodes[1].url}/webhooks/handoff/push",
                json.dumps(
                    {"sender_id": sender, "kind": "agent_message", "text": text, "agent_name": "李娜"}
                ).encode(),
                30,
                INTERNAL_TOKEN,
            )
            assert status == 200 and body.get("delivered") is True, body
            shown = await customer.wait_for(text)
            assert shown.get("agent_name") == "李娜" and shown.get("kind") == "agent"
            await customer.client.disconnect()

    asyncio.run(scenario())


def _sender_of(cluster: Cluster, base_url: str, marker: str) -> str:
    """The website conversation whose last customer message contains `marker` (found in the database)."""
    import sqlalchemy as sa

    engine = sa.create_engine(cluster.env["DATABASE_URL"])
    try:
        with engine.connect() as connection:
            row = connection.execute(
                sa.text("SELECT sender_id FROM events WHERE type_name = 'user' AND data LIKE :m"),
                {"m": f"%{marker}%"},
            ).first()
    finally:
        engine.dispose()
    assert row is not None, "the customer's message is not in the shared database"
    return row[0]


def test_killing_one_process_leaves_the_other_serving(cluster: Cluster) -> None:
    """Customers through nginx; process 1 is killed; its customers reconnect; every customer is answered."""

    async def scenario() -> None:
        async with aiohttp.ClientSession() as http:
            customers = [WidgetCustomer(cluster.url) for _ in range(8)]
            for customer in customers:
                await customer.open(http)
                assert await customer.say("你好")
            cluster.kill_node(0)
            await asyncio.sleep(3)
            assert any(c.disconnected for c in customers), "no customer was on the killed process"
            for customer in customers:
                for _ in range(60):  # python-socketio's client reconnects by itself, through nginx
                    if customer.client.connected:
                        break
                    await asyncio.sleep(0.5)
                assert customer.client.connected, "a customer could not reconnect"
                replies = await customer.say(f"我的{ZH_DETAILS[Slot.VEHICLE_MODEL.value]}空调坏了")
                assert any(replies), "a customer got no answer after the kill"
            rest = await asyncio.to_thread(_say, cluster.url, f"cluster-{uuid.uuid4().hex[:8]}", "你好")
            assert rest, "the REST channel through nginx got no answer after the kill"
            for customer in customers:
                await customer.client.disconnect()

    asyncio.run(scenario())
