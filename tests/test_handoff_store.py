"""The handoff store on SQLite and PostgreSQL: owners, queue order, concurrent claims, replies, resolution,
satisfaction, reopening, agents and login attempts."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from bot.constants import Category, TicketStatus
from bot.db.column_types import utc_now
from bot.handoff.models import AgentRole, Owner
from bot.handoff.store import AgentExists, HandoffStore
from bot.runtime.settings import PROJECT_ROOT
from bot.tickets.models import EventKind
from bot.tickets.serialize import ticket_to_dict
from bot.tickets.store import TicketDraft


@pytest.fixture(params=["sqlite", "postgres"])
def store(request: pytest.FixtureRequest, tmp_path) -> HandoffStore:  # type: ignore[no-untyped-def]
    """A handoff store on each database; the queue is emptied of earlier tests' tickets."""
    url = request.getfixturevalue(f"{request.param}_url")
    handoff = HandoffStore(url, attachments_dir=tmp_path / "attachments")
    for ticket in handoff.queue():
        handoff.resolve(ticket.reference, "cleanup", "test cleanup")
    return handoff


def file(store: HandoffStore, *, priority_words: str = "空调异响", category: str = "repair_complaint") -> str:
    """File a ticket from a new conversation; return its reference."""
    sender = f"handoff-{uuid.uuid4().hex[:8]}"
    draft = TicketDraft(
        conversation_key=f"{sender}:1",
        category=category,
        channel="web",
        sender_id=sender,
        language="zh",
        transcript=[{"role": "customer", "text": priority_words, "at": utc_now()}],
        description=priority_words,
        phone="+8613812345678",
    )
    return store.file_ticket(draft).reference


def test_enqueue_sets_waiting_agent_reason_and_owner_queue(store: HandoffStore) -> None:
    reference = file(store)
    ticket = store.enqueue(reference, "request_human")
    assert ticket.status == TicketStatus.WAITING_AGENT
    assert ticket.handoff_reason == "request_human"
    assert ticket.waiting_since is not None
    owner = store.owner_of(ticket.sender_id)
    assert owner is not None and owner.owner == Owner.QUEUE and owner.ticket_reference == reference
    assert [e.kind for e in store.events(reference)][-1] == EventKind.HANDOFF
    assert store.owner_of("nobody-" + uuid.uuid4().hex) is None


def test_queue_is_ordered_by_priority_then_waiting_time(store: HandoffStore) -> None:
    first_normal = file(store)
    store.enqueue(first_normal, "request_human")
    second_normal = file(store)
    store.enqueue(second_normal, "fallback")
    urgent = file(store, priority_words="刹车失灵了", category=Category.ROADSIDE_ASSISTANCE.value)
    store.enqueue(urgent, "urgent")
    assert [t.reference for t in store.queue()] == [urgent, first_normal, second_normal]
    assert store.queue_position(urgent) == 1
    assert store.queue_position(second_normal) == 3


def test_two_concurrent_claims_exactly_one_wins(store: HandoffStore) -> None:
    for _ in range(5):
        reference = file(store)
        store.enqueue(reference, "request_human")
        barrier = threading.Barrier(2)

        def claim(agent: str, reference: str = reference, barrier: threading.Barrier = barrier):  # type: ignore[no-untyped-def]
            barrier.wait()
            return store.claim(reference, agent)

        with ThreadPoolExecutor(2) as pool:
            outcomes = list(pool.map(claim, ["alice", "bob"]))
        winners = [o for o in outcomes if o.won]
        losers = [o for o in outcomes if not o.won]
        assert len(winners) == 1 and len(losers) == 1
        winner = winners[0].assigned_to
        assert losers[0].assigned_to == winner  # the loser is told who has it
        ticket = store.get(reference)
        assert ticket is not None and ticket.assigned_to == winner and ticket.status == TicketStatus.ASSIGNED
        owner = store.owner_of(ticket.sender_id)
        assert owner is not None and owner.owner == Owner.AGENT and owner.agent_username == winner
        assigned_events = [e for e in store.events(reference) if e.kind == EventKind.ASSIGNED]
        assert len(assigned_events) == 1
        assert store.queue_position(reference) is None


def test_reassign_and_agent_loads(store: HandoffStore) -> None:
    suffix = uuid.uuid4().hex[:6]
    carol, dave = f"carol{suffix}", f"dave{suffix}"
    for name in (carol, dave):
        store.add_agent(name, name.title(), AgentRole.AGENT, "hash")
    reference = file(store)
    store.enqueue(reference, "angry")
    assert store.claim(reference, carol).won
    assert store.agent_loads()[carol] == 1 and store.agent_loads()[dave] == 0
    store.reassign(reference, dave, actor="boss")
    loads = store.agent_loads()
    assert loads[carol] == 0 and loads[dave] == 1
    assert store.owner_of(store.get(reference).sender_id).agent_username == dave  # type: ignore[union-attr]


def test_agent_reply_sets_first_response_once_and_records_delivery(store: HandoffStore) -> None:
    reference = file(store)
    store.enqueue(reference, "request_human")
    store.claim(reference, "erin")
    first = store.record_agent_reply(reference, "erin", "您好,我是客服小王", author="小王")
    first_at = store.get(reference).first_response_at  # type: ignore[union-attr]
    assert first_at is not None
    second = store.record_agent_reply(reference, "erin", "请稍等", author="小王")
    assert store.get(reference).first_response_at == first_at  # type: ignore[union-attr]
    store.mark_delivery(first, delivered=True)
    store.mark_delivery(second, delivered=False, error="customer offline")
    assert store.message(first).delivery == "sent"  # type: ignore[union-attr]
    failed = store.message(second)
    assert failed is not None and failed.delivery == "failed" and failed.delivery_error == "customer offline"
    transcript = ticket_to_dict(store.get(reference))["transcript"]  # type: ignore[arg-type]
    assert transcript[-1]["role"] == "agent" and transcript[-1]["agent_name"] == "小王"
    assert [e.kind for e in store.events(reference)].count(EventKind.FIRST_RESPONSE) == 1


def test_resolve_csat_and_reopen(store: HandoffStore) -> None:
    reference = file(store)
    store.enqueue(reference, "request_human")
    store.claim(reference, "frank")
    ticket = store.resolve(reference, "frank", "已退还差价800元")
    assert ticket.status == TicketStatus.RESOLVED and ticket.resolved_at is not None
    assert store.owner_of(ticket.sender_id).owner == Owner.BOT  # type: ignore[union-attr]
    since = utc_now() - dt.timedelta(days=7)
    assert store.recently_resolved(ticket.sender_id, since).reference == reference  # type: ignore[union-attr]
    store.set_csat(reference, 4, None)
    store.set_csat_comment(reference, "处理很快")
    rated = store.get(reference)
    assert rated is not None and rated.csat == 4 and rated.csat_comment == "处理很快"
    with pytest.raises(ValueError):
        store.set_csat(reference, 6)
    reopened = store.reopen(reference)
    assert reopened.status == TicketStatus.REOPENED and reopened.reopened_count == 1
    assert reopened.assigned_to is None
    assert store.queue_position(reference) is not None
    assert store.owner_of(ticket.sender_id).owner == Owner.QUEUE  # type: ignore[union-attr]
    document = ticket_to_dict(store.get(reference))  # type: ignore[arg-type]
    assert document["resolution"] == "已退还差价800元" and document["csat"] == 4


def test_leaving_the_queue_keeps_the_ticket(store: HandoffStore) -> None:
    reference = file(store)
    store.enqueue(reference, "request_human")
    ticket = store.leave_queue(reference)
    assert ticket.status == TicketStatus.OPEN and store.queue_position(reference) is None
    assert store.owner_of(ticket.sender_id).owner == Owner.BOT  # type: ignore[union-attr]


def test_attachments_steps_and_change_cursor(store: HandoffStore) -> None:
    reference = file(store)
    before = store.change_cursor()
    store.enqueue(reference, "request_human")
    after_enqueue = store.change_cursor()
    assert after_enqueue.as_key() != before.as_key()
    attachment = store.add_attachment(reference, "../../photo.jpg", "image/jpeg", b"\xff\xd8jpeg", "仪表盘")
    assert attachment.filename == "photo.jpg" and attachment.size == 6 and attachment.caption == "仪表盘"
    assert store.attachments(reference)[0].id == attachment.id
    assert store.change_cursor().as_key() != after_enqueue.as_key()
    store.check_step(reference, "apologise", True, "gina")
    store.check_step(reference, "goodwill", True, "gina")
    store.check_step(reference, "goodwill", False, "gina")
    assert store.steps_done(reference) == {"apologise"}


def test_agents_and_login_attempts(store: HandoffStore) -> None:
    name = f"harry{uuid.uuid4().hex[:6]}"
    store.add_agent(name, "Harry", AgentRole.SUPERVISOR, "hash", language="en")
    with pytest.raises(AgentExists):
        store.add_agent(name, "Harry 2", AgentRole.AGENT, "hash")
    agent = store.agent(name)
    assert agent is not None and agent.role == "supervisor" and agent.language == "en" and agent.active
    since = utc_now() - dt.timedelta(minutes=15)
    ip = f"10.0.0.{uuid.uuid4().int % 250}"
    for _ in range(3):
        store.record_login(name, ip, success=False)
    assert store.failed_logins(since, username=name) == 3
    assert store.failed_logins(since, ip=ip) >= 3
    store.record_login(name, ip, success=True)
    assert store.failed_logins(since, username=name) == 0


def test_cli_json_carries_the_handoff_fields_agent_turns_and_attachments(store: HandoffStore) -> None:
    reference = file(store)
    store.enqueue(reference, "angry")
    store.claim(reference, "ivy")
    message = store.record_agent_reply(reference, "ivy", "您好,我是小艾", author="小艾")
    store.mark_delivery(message, delivered=True)
    store.add_attachment(reference, "photo.jpg", "image/jpeg", b"\xff\xd8jpeg", "刹车灯")
    store.resolve(reference, "ivy", "已安排免费复检")
    store.set_csat(reference, 5, "很好")
    env = {**os.environ, "DATABASE_URL": store.url}
    shown = subprocess.run(
        [sys.executable, "-m", "bot.cli", "tickets", "show", reference, "--json"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    document = json.loads(shown.stdout)
    assert document["assigned_to"] == "ivy" and document["handoff_reason"] == "angry"
    assert document["first_response_at"] and document["resolved_at"]
    assert document["resolution"] == "已安排免费复检"
    assert document["csat"] == 5 and document["csat_comment"] == "很好"
    assert document["attachments"][0]["filename"] == "photo.jpg"
    assert document["attachments"][0]["caption"] == "刹车灯"
    [agent_turn] = [line for line in document["transcript"] if line["role"] == "agent"]
    assert agent_turn == {**agent_turn, "agent_name": "小艾", "text": "您好,我是小艾", "delivery": "sent"}
