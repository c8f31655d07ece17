"""Website chat sessions and history: signed cookies, derived conversation ids, what the widget shows."""

from __future__ import annotations

import time

import pytest
from itsdangerous import URLSafeTimedSerializer

from bot.channels import webchat_session
from bot.channels.webchat_history import history, widget_message
from bot.channels.webchat_session import SessionSigner, conversation_id, token_from_cookie_header


def test_a_session_names_a_random_customer_and_renews_for_the_same_one() -> None:
    signer = SessionSigner("k" * 32)
    token, customer = signer.issue()
    assert signer.customer(token) == customer
    renewed, same = signer.issue(customer)
    assert same == customer and signer.customer(renewed) == customer
    assert signer.issue()[1] != customer
    assert conversation_id(customer) == f"web-{customer}"


@pytest.mark.parametrize(
    "forged",
    [
        None,
        "",
        "not-a-token",
        SessionSigner("another-key").issue("a" * 32)[0],
        URLSafeTimedSerializer("k" * 32, salt="other-purpose").dumps({"c": "a" * 32}),
        URLSafeTimedSerializer("k" * 32, salt="webchat-session-v1").dumps({"c": "web-../../x"}),
    ],
)
def test_forged_or_foreign_tokens_name_no_customer(forged: str | None) -> None:
    assert SessionSigner("k" * 32).customer(forged) is None


def test_a_tampered_token_names_no_customer() -> None:
    signer = SessionSigner("k" * 32)
    token, _ = signer.issue()
    payload, _, signature = token.rpartition(".")
    tampered = f"{payload}.{'A' if signature[0] != 'A' else 'B'}{signature[1:]}"
    assert signer.customer(tampered) is None


def test_an_expired_token_names_no_customer(monkeypatch: pytest.MonkeyPatch) -> None:
    signer = SessionSigner("k" * 32)
    token, _ = signer.issue()
    monkeypatch.setenv(webchat_session.MAX_AGE_ENV, "0.0001")  # below the 60 s floor: one minute
    real_time = time.time
    monkeypatch.setattr(time, "time", lambda: real_time() + 120)
    assert signer.customer(token) is None


def test_the_token_is_read_from_a_cookie_header() -> None:
    assert token_from_cookie_header("a=1; webchat_session=abc.def; b=2") == "abc.def"
    assert token_from_cookie_header("a=1") is None
    assert token_from_cookie_header(None) is None


def test_history_shows_customer_bot_agent_and_marker_messages() -> None:
    buttons = [{"title": "是", "payload": "是"}]
    events = [
        {"event": "action", "name": "action_listen", "timestamp": 1.0},
        {"event": "user", "text": "空调有异响", "timestamp": 2.0, "metadata": {}},
        {
            "event": "bot",
            "text": "信息正确吗?",
            "timestamp": 3.0,
            "data": {"buttons": buttons},
            "metadata": {},
        },
        {"event": "user", "text": "是", "timestamp": 4.0, "metadata": {"shown_text": "是"}},
        {
            "event": "bot",
            "text": "x",
            "timestamp": 5.0,
            "metadata": {"marker": "agent_joined", "agent_name": "王芳"},
        },
        {"event": "bot", "text": "您好", "timestamp": 6.0, "metadata": {"agent_name": "王芳"}},
    ]
    shown = history(events)
    assert [m["kind"] for m in shown] == ["user", "bot", "user", "marker", "agent"]
    assert shown[1]["buttons"] == buttons
    assert shown[3]["marker"] == "agent_joined" and shown[4]["agent_name"] == "王芳"


def test_a_live_agent_message_is_labelled() -> None:
    message = widget_message({"text": "您好", "metadata": {"agent_name": "王芳"}})
    assert message["kind"] == "agent" and message["agent_name"] == "王芳"
    assert widget_message({"text": "hi", "marker": "something_else"})["kind"] == "bot"
