"""Property-based tests of the REST webhook's payload parsing: any body gets an answer or a clear 400.

The channel, its dispatcher, guard, replay cache and system replies are the real ones, served by Sanic on a
local port; only the assistant behind the channel stands in (it answers every message and serialises its
metadata as Rasa's tracker store does).
"""

from __future__ import annotations

import asyncio
import json
import threading
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rasa.core.channels.channel import UserMessage, register
from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.core.tracker_store import InMemoryTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import UserUttered
from sanic import Sanic

from bot.channels.web import WebInput
from bot.runtime.ports import free_port
from bot.runtime.settings import PROJECT_ROOT

TOKEN = f"props-{uuid.uuid4().hex}"
PROPERTY_SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=list(HealthCheck))


class StandInAssistant:
    """Answers every message once, after storing it the way Rasa's tracker store would."""

    def __init__(self, domain: Domain) -> None:
        self.tracker_store = InMemoryTrackerStore(domain)
        self.nlg = TemplatedNaturalLanguageGenerator(domain.responses)

    async def handle_message(self, message: UserMessage) -> None:
        json.dumps(UserUttered(message.text, metadata=message.metadata).as_dict())
        await message.output_channel.send_text_message(message.sender_id, "收到")


@pytest.fixture(scope="module")
def webhook_url() -> Iterator[str]:
    """The web channel on a Sanic app of its own, in a background event loop."""
    mp = pytest.MonkeyPatch()
    mp.setenv("WEB_API_TOKEN", TOKEN)
    app = Sanic(f"webhook_properties_{uuid.uuid4().hex[:8]}")
    app.ctx.agent = StandInAssistant(Domain.load(str(PROJECT_ROOT / "domain")))
    register([WebInput.from_credentials(None)], app, route="/webhooks/")
    port = free_port()
    loop = asyncio.new_event_loop()

    async def serve() -> Any:
        server = await app.create_server("127.0.0.1", port, return_asyncio_server=True, access_log=False)
        await server.startup()
        await server.start_serving()
        return server

    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    future = asyncio.run_coroutine_threadsafe(serve(), loop)
    server = future.result(timeout=60)
    try:
        yield f"http://127.0.0.1:{port}/webhooks/web/webhook"
    finally:

        async def stop() -> None:
            server.close()
            await server.wait_closed()

        asyncio.run_coroutine_threadsafe(stop(), loop).result(timeout=30)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=30)
        mp.undo()


def _post(url: str, body: bytes) -> tuple[int, Any]:
    request = urllib.request.Request(
        url, body, {"Content-Type": "application/json", "Authorization": f"Bearer {TOKEN}"}
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def _assert_answered(status: int, body: Any) -> None:
    """A list of replies that all say something, or a 400 that says what was wrong."""
    if status == 200:
        assert isinstance(body, list) and body, body
        assert all(isinstance(reply.get("text"), str) and reply["text"] for reply in body), body
    else:
        assert status == 400, (status, body)
        assert isinstance(body, dict) and isinstance(body.get("error"), str)


JSON_LEAF = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**50), max_value=10**50),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=30),
)
JSON = st.recursive(
    JSON_LEAF,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)


def _deep(depth: int) -> Any:
    document: Any = "bottom"
    for level in range(depth):
        document = {"k": document} if level % 2 else [document]
    return document


BODIES = st.one_of(
    st.fixed_dictionaries(
        {
            "sender": st.one_of(st.text(min_size=1, max_size=40), JSON_LEAF),
            "message": st.one_of(st.text(max_size=300), JSON),
        },
        optional={
            "message_id": st.one_of(st.text(max_size=20), st.integers(min_value=-(10**40), max_value=10**40)),
            "metadata": st.one_of(JSON, st.integers(min_value=1, max_value=3000).map(_deep)),
        },
    ),
    JSON,
)


@PROPERTY_SETTINGS
@given(body=BODIES)
def test_any_json_body_is_answered_or_refused_clearly(webhook_url: str, body: Any) -> None:
    try:
        raw = json.dumps(body).encode()
    except (RecursionError, ValueError):
        return  # not expressible as JSON text
    _assert_answered(*_post(webhook_url, raw))


@PROPERTY_SETTINGS
@given(raw=st.binary(max_size=300))
def test_any_bytes_are_answered_or_refused_clearly(webhook_url: str, raw: bytes) -> None:
    _assert_answered(*_post(webhook_url, raw))


@pytest.mark.parametrize(
    "raw",
    [
        b'{"sender": "s1", "message": "\xff\xfe\xfd"}',  # invalid UTF-8 inside a string
        b'{"sender": "s1", "message": "\\ud800 lone surrogate"}',
        b'{"sender": "s1", "message": "' + b"9" * 5000 + b'"}',
        b'{"sender": "s1", "message": 1' + b"0" * 5000 + b"}",  # a huge number where text belongs
        b'{"sender": "s1", "message": "hi", "message_id": 1' + b"0" * 400 + b"}",
        b'{"sender": "s1", "message": "hi", "metadata": ' + b'{"a":' * 5000 + b"1" + b"}" * 5000 + b"}",
        b'{"sender": "s1", "message": "hi", "metadata": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
    ],
    ids=["bad-utf8", "lone-surrogate", "long-digits", "huge-number", "huge-id", "deep-object", "deep-list"],
)
def test_hostile_bodies(webhook_url: str, raw: bytes) -> None:
    """Bodies hypothesis rarely builds: bad encodings, huge numbers, nesting deeper than parsers allow."""
    _assert_answered(*_post(webhook_url, raw))
