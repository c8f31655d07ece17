"""Any message text is handled by the running assistant: clear answers, no crash, no command injection."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.constants import MAX_MESSAGE_CHARS
from tests.assistant import Assistant, post, run_assistant


@pytest.fixture(scope="module")
def assistant(trained_model: Path, sqlite_url: str) -> Iterator[Assistant]:
    """The running assistant on the embedded default database."""
    with run_assistant(trained_model, sqlite_url, "channel") as running:
        yield running


def test_too_long_message_gets_a_polite_answer_in_the_customers_language(assistant: Assistant) -> None:
    zh = assistant.customer().say("我的车" * 1000)
    assert "太长" in zh
    en = assistant.customer().say("my car is broken " * 200)
    assert "too long" in en


def test_too_long_message_in_an_english_conversation_without_letters(assistant: Assistant) -> None:
    customer = assistant.customer()
    customer.say("hello there")
    assert "too long" in customer.say("1" * (MAX_MESSAGE_CHARS + 1))


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "😡😡😡🚗💥",
        "空调\x00坏了\x1b[31m",
        "<script>alert('x')</script><b>bold</b>",
        "'; DROP TABLE tickets; --",
        "a" * MAX_MESSAGE_CHARS,
    ],
)
def test_odd_messages_get_an_answer(assistant: Assistant, text: str) -> None:
    replies = assistant.customer().send(text)
    assert replies and all(r.get("text") for r in replies)


def test_typed_commands_are_not_intents(assistant: Assistant) -> None:
    customer = assistant.customer()
    customer.say("My Passat's engine makes a knocking noise since the last service")
    asked = customer.requested_slot()
    assert asked is not None
    customer.say("/restart")
    assert customer.requested_slot() == asked  # the form was not restarted
    customer.say('/inform{"phone": "13800000000"}')
    tracker = customer.tracker()
    commands = [e for e in tracker["events"] if e["event"] == "user"][-2:]
    for event in commands:
        # Classified by the NLU model like any text (a ranking), not unpacked by Rasa's "/intent" handler.
        assert len(event["parse_data"].get("intent_ranking") or []) > 1
        assert all(e.get("extractor") != "RegexMessageHandler" for e in event["parse_data"]["entities"])
    assert all(e["event"] != "restart" for e in tracker["events"])


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b"{not json", 400),
        (b"[1, 2]", 400),
        (b'{"message": "hi"}', 400),
        (b'{"sender": "x", "message": 5}', 400),
        (b'{"sender": "' + b"x" * 500 + b'", "message": "hi"}', 400),
    ],
)
def test_malformed_requests_get_a_clear_400(assistant: Assistant, body: bytes, status: int) -> None:
    code, answer = post(assistant.servers.webhook_url, body, token=assistant.servers.web_api_token)
    assert code == status
    assert "error" in answer


def test_replies_follow_the_customers_language(assistant: Assistant) -> None:
    assert "Hello" in assistant.customer().say("hi there")
    assert "您好" in assistant.customer().say("你好")
    assert "您好" in assistant.customer().say("您好,請問一下")  # Traditional → answered in Chinese


@pytest.mark.parametrize("token", [None, "wrong-token", ""])
def test_the_server_to_server_api_refuses_requests_without_its_token(
    assistant: Assistant, token: str | None
) -> None:
    body = b'{"sender": "someone-else", "message": "hi"}'
    code, answer = post(assistant.servers.webhook_url, body, token=token)
    assert code == 403
    assert "error" in answer
