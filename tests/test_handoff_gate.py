"""The handoff gate's routing: with the queue or an agent the bot is silent; leaving only while queued;
anger and a reopened case hand off; everything else goes to Rasa."""

from __future__ import annotations

import pytest

from bot.handoff.gate import Route, route
from bot.handoff.records import Owner

BOT, QUEUE, AGENT = (
    Owner("bot"),
    Owner("queue", "CMP-2026-000001"),
    Owner("agent", "CMP-2026-000001", "wangli"),
)


def never() -> bool:
    raise AssertionError("the database need not be asked")


@pytest.mark.parametrize(
    "text", ["我的车是迈腾", "你好?有人吗", "转人工", "你们这是什么破服务!!!骗子!", "问题还没解决"]
)
def test_with_the_queue_or_an_agent_every_message_is_held(text: str) -> None:
    assert route(QUEUE, text, never) is Route.HOLD
    assert route(AGENT, text, never) is Route.HOLD


@pytest.mark.parametrize("text", ["算了,不用人工了", "never mind", "不等了"])
def test_leaving_is_possible_only_while_queued(text: str) -> None:
    assert route(QUEUE, text, never) is Route.LEAVE_QUEUE
    assert route(AGENT, text, never) is Route.HOLD  # the agent is already talking to them


def test_with_the_bot_ordinary_messages_go_to_rasa() -> None:
    assert route(BOT, "我的迈腾空调有异响,修了两次还没好,很失望", lambda: False) is Route.RASA
    assert route(BOT, "转人工", never) is Route.RASA  # Rasa's rule hands off and records the reason
    assert route(BOT, "The bill was 1000 yuan instead of 200, I'm disappointed", never) is Route.RASA


def test_anger_hands_off() -> None:
    assert route(BOT, "垃圾4S店,坑人的黑心商家!!", never) is Route.ANGRY
    assert route(BOT, "You are scammers and crooks", never) is Route.ANGRY


def test_not_solved_reopens_only_a_recently_resolved_case() -> None:
    assert route(BOT, "问题还没解决", lambda: True) is Route.REOPEN
    assert route(BOT, "it's still broken", lambda: True) is Route.REOPEN
    assert route(BOT, "问题还没解决", lambda: False) is Route.RASA


def test_owner_kinds() -> None:
    assert QUEUE.with_people and QUEUE.queued
    assert AGENT.with_people and not AGENT.queued
    assert not BOT.with_people
