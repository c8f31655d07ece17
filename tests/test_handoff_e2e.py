"""Handoff end to end against the real servers (one pair for the module): each trigger queues the case and
tells the customer their place in their language; while queued or with an agent the bot is silent and the
customer's lines go to the ticket; leaving the queue; a handoff outlasting the session expiry; the console's
internal routes (agent message, resolution -> rating -> comment stored); reopening within 7 days."""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import bot.runtime.servers
from bot.constants import TicketStatus
from bot.handoff.models import Owner
from bot.handoff.store import HandoffStore
from tests.assistant import REFERENCE, Assistant, Customer, post, run_assistant

INTERNAL_TOKEN = f"test-internal-{uuid.uuid4().hex}"
# Sessions expire after 15 s here, so a handoff can outlast one within the test.
SESSION_MINUTES = 0.25
# The shared 2-core machine can take minutes to load a model while others train.
bot.runtime.servers.START_TIMEOUT_S = max(bot.runtime.servers.START_TIMEOUT_S, 600.0)
QUEUE_ZH = re.compile(r"排在第 (\d+) 位,预计等待约 (\d+) 分钟")
QUEUE_EN = re.compile(r"You are number (\d+) in the queue; the expected wait is about (\d+) minutes")


@pytest.fixture(scope="module")
def assistant(trained_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Assistant]:
    """The servers on a database of their own, agents at work round the clock, short sessions."""
    from bot.db.migrate import upgrade

    url = f"sqlite:///{tmp_path_factory.mktemp('handoff') / 'bot.db'}"
    upgrade(url)
    env = {
        "HANDOFF_HOURS": "00:00-24:00",
        "SESSION_EXPIRATION_MINUTES": str(SESSION_MINUTES),
        "INTERNAL_API_TOKEN": INTERNAL_TOKEN,
    }
    with run_assistant(trained_model, url, "handoff", extra_env=env) as running:
        yield running


@pytest.fixture(scope="module")
def store(assistant: Assistant) -> HandoffStore:
    """The handoff store on the servers' database (what the console uses)."""
    return HandoffStore(assistant.database_url)


def internal(
    assistant: Assistant, route: str, body: dict[str, Any], token: str | None = INTERNAL_TOKEN
) -> Any:
    """POST to the Rasa server's internal handoff routes; (status, body)."""
    url = f"{assistant.servers.settings.rasa_url}/webhooks/handoff/{route}"
    return post(url, json.dumps(body).encode(), token=token)


def bot_texts_since(customer: Customer, count: int) -> list[str]:
    """Texts of the bot's (and agents') messages in the conversation after the first `count` events."""
    events = customer.tracker()["events"][count:]
    return [str(e.get("text")) for e in events if e.get("event") == "bot" and e.get("text")]


def queued(customer: Customer, reply: str, store: HandoffStore, reason: str, english: bool = False) -> str:
    """Assert the customer was told their place in the queue and the ticket waits for an agent."""
    match = (QUEUE_EN if english else QUEUE_ZH).search(reply)
    assert match, reply
    assert int(match.group(1)) >= 1 and int(match.group(2)) >= 1
    reference = REFERENCE.search(reply)
    assert reference, reply
    ticket = store.get(reference.group(0))
    assert ticket is not None
    assert ticket.status == TicketStatus.WAITING_AGENT
    assert ticket.handoff_reason == reason
    assert ticket.sender_id == customer.sender
    owner = store.owner_of(customer.sender)
    assert owner is not None and owner.owner == Owner.QUEUE and owner.ticket_reference == ticket.reference
    return ticket.reference


def test_request_human_in_chinese_queues_a_general_ticket_with_the_transcript(
    assistant: Assistant, store: HandoffStore
) -> None:
    customer = assistant.customer()
    customer.say("你好")
    reply = customer.say("转人工")
    reference = queued(customer, reply, store, "request_human")
    ticket = store.get(reference)
    assert ticket is not None and ticket.category == "general"
    lines = [(m.role, m.text) for m in ticket.messages]
    assert ("customer", "你好") in lines and ("customer", "转人工") in lines


def test_request_human_in_english(assistant: Assistant, store: HandoffStore) -> None:
    customer = assistant.customer()
    reply = customer.say("I want to talk to a human")
    queued(customer, reply, store, "request_human", english=True)
    assert "never mind" in reply


def test_messages_during_the_handoff_go_to_the_ticket_without_a_bot_answer(
    assistant: Assistant, store: HandoffStore
) -> None:
    customer = assistant.customer()
    reference = queued(customer, customer.say("转人工"), store, "request_human")
    assert customer.send("我的车是迈腾,鼓风机坏了") == []
    assert customer.send("你好?有人吗") == []
    ticket = store.get(reference)
    assert ticket is not None
    texts = [m.text for m in ticket.messages if m.role == "customer"]
    assert texts[-2:] == ["我的车是迈腾,鼓风机坏了", "你好?有人吗"]
    user_texts = [e["text"] for e in customer.tracker()["events"] if e.get("event") == "user"]
    assert user_texts[-2:] == ["我的车是迈腾,鼓风机坏了", "你好?有人吗"]


def test_leaving_the_queue_returns_to_the_bot_and_keeps_the_ticket(
    assistant: Assistant, store: HandoffStore
) -> None:
    customer = assistant.customer()
    reference = queued(customer, customer.say("转人工"), store, "request_human")
    reply = customer.say("算了,不用人工了")
    assert "已为您取消转人工" in reply and reference in reply
    owner = store.owner_of(customer.sender)
    assert owner is not None and owner.owner == Owner.BOT
    ticket = store.get(reference)
    assert ticket is not None and ticket.status == TicketStatus.OPEN
    assert "一汽-大众" in customer.say("你好")  # the bot answers again


def test_leaving_the_queue_in_english(assistant: Assistant, store: HandoffStore) -> None:
    customer = assistant.customer()
    reference = queued(customer, customer.say("agent please"), store, "request_human", english=True)
    reply = customer.say("never mind")
    assert "cancelled the transfer" in reply and reference in reply


# Messages the bot may not understand; the test uses two that the model answers with nlu_fallback.
NONSENSE = [
    "嗯嗯嗯",
    "呃",
    "lkjhgf asdpoiu",
    "qwpoeiru zxmcnvb",
    "哦哦哦",
    "hmm",
    "那个那个",
    "blub blub",
    "zzzz",
    "啊?",
    "xyz",
    "大大大",
    "...",
    "咕噜咕噜",
    "asdf",
    # More filler and noise: which of these the classifier is unsure about depends on the trained model,
    # so the pool is wide enough that any model leaves at least two to nlu_fallback.
    "meh",
    "额",
    "...?",
    "emm",
    "um",
    "huh",
    "嗯?",
    "啥",
    "??",
    "hm",
    "ehh",
    "唔",
    "诶",
    "咦",
    "pfff",
    "tsk",
    "hmmm",
    "mmm",
]


def fallback_texts(assistant: Assistant) -> list[str]:
    """Messages of NONSENSE that the model's NLU classifies as nlu_fallback."""
    url = f"{assistant.servers.settings.rasa_url}/model/parse?token={assistant.servers.auth_token}"
    found = []
    for text in NONSENSE:
        status, parsed = post(url, json.dumps({"text": text}).encode())
        if status == 200 and parsed["intent"]["name"] == "nlu_fallback":
            found.append(text)
    return found


def test_two_fallbacks_in_a_row_hand_off(assistant: Assistant, store: HandoffStore) -> None:
    texts = fallback_texts(assistant)
    assert len(texts) >= 2, f"the model understands all of {NONSENSE}"
    customer = assistant.customer()
    first = customer.say(texts[0])
    assert "没有完全理解" in first or "didn't quite get that" in first
    reply = customer.say(texts[1])
    match = REFERENCE.search(reply)
    assert match, reply
    ticket = store.get(match.group(0))
    assert ticket is not None and ticket.handoff_reason == "fallback"
    assert ticket.status == TicketStatus.WAITING_AGENT
    assert "排在第" in reply or "number" in reply


def test_an_angry_customer_is_handed_off(assistant: Assistant, store: HandoffStore) -> None:
    customer = assistant.customer()
    reply = customer.say("你们这是什么破服务!!!骗子!修了三次空调还是坏的")
    reference = queued(customer, reply, store, "angry")
    ticket = store.get(reference)
    assert ticket is not None
    assert any("破服务" in m.text for m in ticket.messages if m.role == "customer")


def test_an_angry_customer_in_english(assistant: Assistant, store: HandoffStore) -> None:
    customer = assistant.customer()
    reply = customer.say("This is a fucking scam, you charged me 1000 yuan for a 200 yuan part!!")
    queued(customer, reply, store, "angry", english=True)


def test_an_unanswerable_question_and_the_accepted_offer_hand_off(
    assistant: Assistant, store: HandoffStore
) -> None:
    customer = assistant.customer()
    offer = customer.say("保养打折吗")
    assert "转接人工客服" in offer, offer
    reply = customer.say("是")
    queued(customer, reply, store, "kb_unanswered")


def test_an_urgent_ticket_goes_to_an_agent_after_filing(assistant: Assistant, store: HandoffStore) -> None:
    customer = assistant.customer()
    customer.say("我的车在高速上抛锚了,需要救援")
    reply = customer.answer_form(
        {
            "location": "京港澳高速 长沙往武汉方向 120公里处",
            "phone": "13812345678",
            "license_plate": "湘A12345",
            "vehicle_model": "迈腾",
        }
    )
    assert "紧急工单" in reply, reply
    reference = queued(customer, reply, store, "urgent")
    ticket = store.get(reference)
    assert ticket is not None and ticket.priority == "urgent" and ticket.category == "roadside_assistance"


def test_a_handoff_outlasting_the_session_stays_with_the_agent(
    assistant: Assistant, store: HandoffStore
) -> None:
    customer = assistant.customer()
    reference = queued(customer, customer.say("转人工"), store, "request_human")
    assert store.claim(reference, "wangli").won
    time.sleep(SESSION_MINUTES * 60 + 3)  # the Rasa session expires
    assert customer.send("还在吗?我的车还是有异响") == []
    events = customer.tracker()["events"]
    handoff_at = max(
        i for i, e in enumerate(events) if e.get("event") == "action" and e.get("name") == "action_hand_off"
    )
    assert any(e.get("event") == "session_started" for e in events[handoff_at:]), "the session did not expire"
    owner = store.owner_of(customer.sender)
    assert owner is not None and owner.owner == Owner.AGENT and owner.agent_username == "wangli"
    ticket = store.get(reference)
    assert ticket is not None and ticket.messages[-1].text == "还在吗?我的车还是有异响"


def test_internal_routes_refuse_requests_without_the_token(assistant: Assistant) -> None:
    body = {"sender_id": "anyone", "kind": "agent_message", "text": "hi", "agent_name": "王丽"}
    status, answer = internal(assistant, "push", body, token=None)
    assert status == 401 and answer["delivered"] is False
    status, _ = internal(assistant, "push", body, token="wrong")
    assert status == 401
    status, _ = internal(assistant, "resolved", {"sender_id": "x", "reference": "y", "resolution": "z"}, None)
    assert status == 401


def test_agent_reply_resolution_rating_and_reopening(assistant: Assistant, store: HandoffStore) -> None:
    customer = assistant.customer()
    customer.say("空调鼓风机有异响")
    reference = queued(customer, customer.say("转人工"), store, "request_human")
    assert store.claim(reference, "wangli").won
    status, answer = internal(
        assistant, "push", {"sender_id": customer.sender, "kind": "agent_joined", "agent_name": "王丽"}
    )
    assert status == 200, answer
    start = len(customer.tracker()["events"])
    status, answer = internal(
        assistant,
        "push",
        {
            "sender_id": customer.sender,
            "kind": "agent_message",
            "text": "您好,我是王丽,马上为您核实。",
            "agent_name": "王丽",
        },
    )
    assert status == 200 and "delivered" in answer, answer
    agent_lines = [e for e in customer.tracker()["events"][start:] if e.get("event") == "bot"]
    assert agent_lines[-1]["text"] == "您好,我是王丽,马上为您核实。"
    assert agent_lines[-1]["metadata"]["agent_name"] == "王丽"
    assert customer.send("好的,谢谢") == []  # to the agent, not the bot

    store.resolve(reference, "wangli", "已为您更换鼓风机,费用按原报价200元结算。")
    start = len(customer.tracker()["events"])
    status, answer = internal(
        assistant,
        "resolved",
        {"sender_id": customer.sender, "reference": reference, "resolution": "已为您更换鼓风机"},
    )
    assert status == 200, answer
    told = "\n".join(bot_texts_since(customer, start))
    assert reference in told and "已为您更换鼓风机,费用按原报价200元结算。" in told
    assert "请打分" in told and "请回复 1 到 5" not in told
    buttons = [e for e in customer.tracker()["events"][start:] if e.get("event") == "bot"][-1]["data"][
        "buttons"
    ]
    assert [b["payload"] for b in buttons] == ["1", "2", "3", "4", "5"]

    assert "还有什么想对我们说的" in customer.say("4")
    assert "感谢您的评价" in customer.say("王丽处理得很及时,谢谢")
    ticket = store.get(reference)
    assert ticket is not None and ticket.csat == 4 and ticket.csat_comment == "王丽处理得很及时,谢谢"
    owner = store.owner_of(customer.sender)
    assert owner is not None and owner.owner == Owner.BOT

    reply = customer.say("过了两天,问题还没解决")
    match = QUEUE_ZH.search(reply)
    assert match and reference in reply, reply
    ticket = store.get(reference)
    assert ticket is not None and ticket.status == TicketStatus.REOPENED and ticket.reopened_count == 1
    owner = store.owner_of(customer.sender)
    assert owner is not None and owner.owner == Owner.QUEUE
    assert [t.reference for t in store.queue()].count(reference) == 1
