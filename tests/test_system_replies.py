"""Replies a channel gives itself carry only what a customer may see (no response conditions)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.core.tracker_store import InMemoryTrackerStore
from rasa.shared.core.domain import Domain

from bot.channels.guard import guard
from bot.channels.system_replies import system_reply
from bot.runtime.settings import PROJECT_ROOT

pytestmark = pytest.mark.anyio


@pytest.fixture(scope="module")
def agent() -> SimpleNamespace:
    """What system_reply uses of Rasa's agent: the real response generator and a tracker store."""
    domain = Domain.load(str(PROJECT_ROOT / "domain"))
    return SimpleNamespace(
        nlg=TemplatedNaturalLanguageGenerator(domain.responses), tracker_store=InMemoryTrackerStore(domain)
    )


@pytest.mark.parametrize(
    ("text", "words"), [("", "空消息"), ("   ", "空消息"), ("好" * 2001, "太长"), ("long " * 500, "too long")]
)
async def test_system_replies_carry_no_internal_fields(agent: SimpleNamespace, text: str, words: str) -> None:
    reply = await system_reply(agent, "web-x", guard(text), "web")
    assert reply is not None
    assert set(reply) <= {"recipient_id", "text", "buttons"}
    assert "condition" not in str(reply)
    assert words in reply["text"]
