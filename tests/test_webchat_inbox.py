"""The website chat's inbox on SQLite and PostgreSQL: recorded once per client id, pending per process,
and the start-up check that recognises a message whose turn is already in the conversation."""

from __future__ import annotations

import uuid

import pytest
from rasa.shared.core.events import ActionExecuted, UserUttered

from bot.channels.models import InboxState
from bot.channels.webchat_inbox import INBOX_KEY, WebchatInbox, inbox_id_of, last_inbox_id


@pytest.fixture(params=["sqlite", "postgres"])
def inbox(request: pytest.FixtureRequest) -> WebchatInbox:
    """An inbox on each database."""
    return WebchatInbox(request.getfixturevalue(f"{request.param}_url"))


def _conversation() -> str:
    return f"web-{uuid.uuid4().hex[:12]}"


def test_a_message_is_recorded_once_per_client_id(inbox: WebchatInbox) -> None:
    conversation = _conversation()
    first = inbox.take(conversation, "m-1", "我的车空调坏了", None, {"client_id": "m-1"}, "host:1")
    assert first is not None and first.text == "我的车空调坏了" and first.attempts == 1
    assert inbox.take(conversation, "m-1", "我的车空调坏了", None, {}, "host:1") is None  # resent
    other = inbox.take(_conversation(), "m-1", "hello", None, {}, "host:1")  # same id, other customer
    assert other is not None and other.id > first.id
    assert inbox.state(first.id) == InboxState.RECEIVED


def test_pending_lists_this_process_s_unfinished_messages_in_order(inbox: WebchatInbox) -> None:
    process = f"host-{uuid.uuid4().hex[:6]}:5005"
    conversation = _conversation()
    done = inbox.take(conversation, "a", "one", None, {}, process)
    kept = inbox.take(conversation, "b", None, "/affirm", {"shown_text": "是"}, process)
    later = inbox.take(conversation, "c", "three", None, {}, process)
    elsewhere = inbox.take(conversation, "d", "four", None, {}, "another:5005")
    assert done and kept and later and elsewhere
    inbox.finish(done.id, InboxState.DONE)
    pending = inbox.pending(process)
    assert [e.id for e in pending] == [kept.id, later.id]
    assert pending[0].payload == "/affirm" and pending[0].details == {"shown_text": "是"}
    inbox.start(kept.id)
    assert inbox.pending(process)[0].attempts == 2
    assert [e.id for e, _ in inbox.unhandled(conversation)] == [kept.id, later.id, elsewhere.id]
    assert [e.id for e, _ in inbox.unhandled(conversation, after=kept.id)] == [later.id, elsewhere.id]


def test_a_turn_in_the_conversation_is_recognised_by_its_inbox_id() -> None:
    events = [
        ActionExecuted("action_listen"),
        UserUttered("hi", metadata={INBOX_KEY: 7}),
        UserUttered("again", message_id="webchat-inbox-12"),
        UserUttered("from the API", message_id="abc123"),
    ]
    assert [inbox_id_of(e) for e in events] == [None, 7, 12, None]
    assert last_inbox_id(events) == 12
    assert last_inbox_id([]) == 0
