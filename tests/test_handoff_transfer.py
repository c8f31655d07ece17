"""Queueing a conversation for an agent on a real database: the ticket it reuses or files, the transcript
it carries, the owner, the place in the queue, and what to say in and outside business hours."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from bot.constants import Role, TicketStatus
from bot.handoff.hours import load_hours
from bot.handoff.models import Owner
from bot.handoff.store import HandoffStore
from bot.handoff.transfer import conversation_lines, hand_off
from bot.handoff.triggers import HandoffReason
from bot.tickets.draft import TicketDraft, TranscriptLine

BEIJING = ZoneInfo("Asia/Shanghai")
OPEN = load_hours(env={})


def draft(sender: str, key: str, category: str = "general", text: str = "转人工") -> TicketDraft:
    at = dt.datetime(2026, 11, 25, 2, 0, tzinfo=dt.timezone.utc)
    return TicketDraft(
        conversation_key=key,
        category=category,
        channel="web",
        sender_id=sender,
        language="zh",
        transcript=[TranscriptLine(Role.CUSTOMER, text, at)],
        description=text,
    )


def test_a_conversation_without_a_ticket_gets_a_general_one_in_the_queue(fresh_sqlite_url: str) -> None:
    store = HandoffStore(fresh_sqlite_url)
    now = dt.datetime(2026, 11, 25, 10, 0, tzinfo=BEIJING)
    placement = hand_off(
        store,
        "web-a",
        None,
        lambda: draft("web-a", "web-a:1"),
        [],
        HandoffReason.REQUEST_HUMAN,
        now,
        "zh",
        OPEN,
    )
    ticket = store.get(placement.reference)
    assert ticket is not None and ticket.category == "general"
    assert ticket.status == TicketStatus.WAITING_AGENT and ticket.handoff_reason == "request_human"
    assert [m.text for m in ticket.messages] == ["转人工"]
    owner = store.owner_of("web-a")
    assert owner is not None and owner.owner == Owner.QUEUE and owner.ticket_reference == ticket.reference
    assert (placement.position, placement.wait_minutes, placement.open_now) == (1, 4, True)

    second = hand_off(
        store, "web-b", None, lambda: draft("web-b", "web-b:1"), [], HandoffReason.ANGRY, now, "zh", OPEN
    )
    assert second.position == 2 and second.wait_minutes == 8


def test_the_just_filed_ticket_is_handed_over_with_the_lines_since_filing(fresh_sqlite_url: str) -> None:
    store = HandoffStore(fresh_sqlite_url)
    filed = store.file_ticket(draft("web-c", "web-c:1", "pricing_dispute", "报价200收了1000"))
    later = dt.datetime(2026, 11, 25, 3, 0, tzinfo=dt.timezone.utc)
    lines = [
        TranscriptLine(
            Role.CUSTOMER, "报价200收了1000", dt.datetime(2026, 11, 25, 2, 0, tzinfo=dt.timezone.utc)
        ),
        TranscriptLine(Role.BOT, "已为您提交投诉", later),
        TranscriptLine(Role.CUSTOMER, "转人工", later + dt.timedelta(seconds=5)),
    ]
    now = dt.datetime(2026, 11, 25, 11, 0, tzinfo=BEIJING)
    placement = hand_off(
        store,
        "web-c",
        filed.reference,
        lambda: draft("web-c", "x"),
        lines,
        HandoffReason.URGENT,
        now,
        "en",
        OPEN,
    )
    assert placement.reference == filed.reference
    ticket = store.get(filed.reference)
    assert ticket is not None and ticket.category == "pricing_dispute"
    assert [m.text for m in ticket.messages] == ["报价200收了1000", "已为您提交投诉", "转人工"]
    assert ticket.handoff_reason == "urgent"


def test_another_conversations_or_a_resolved_ticket_is_not_reused(fresh_sqlite_url: str) -> None:
    store = HandoffStore(fresh_sqlite_url)
    other = store.file_ticket(draft("web-other", "web-other:1"))
    now = dt.datetime(2026, 11, 25, 11, 0, tzinfo=BEIJING)
    placement = hand_off(
        store,
        "web-d",
        other.reference,
        lambda: draft("web-d", "web-d:1"),
        [],
        HandoffReason.FALLBACK,
        now,
        "zh",
        OPEN,
    )
    assert placement.reference != other.reference
    store.resolve(placement.reference, "wangli", "done")
    again = hand_off(
        store,
        "web-d",
        placement.reference,
        lambda: draft("web-d", "web-d:2"),
        [],
        HandoffReason.REQUEST_HUMAN,
        now,
        "zh",
        OPEN,
    )
    assert again.reference not in (placement.reference, other.reference)


def test_outside_business_hours_the_customer_hears_when_agents_are_back(fresh_sqlite_url: str) -> None:
    store = HandoffStore(fresh_sqlite_url)
    evening = dt.datetime(2026, 11, 25, 21, 30, tzinfo=BEIJING)
    placement = hand_off(
        store,
        "web-e",
        None,
        lambda: draft("web-e", "web-e:1"),
        [],
        HandoffReason.REQUEST_HUMAN,
        evening,
        "zh",
        OPEN,
    )
    assert not placement.open_now
    assert placement.reopens == "明天 08:00" and placement.hours == "每天 08:00–20:00"
    ticket = store.get(placement.reference)
    assert ticket is not None and ticket.status == TicketStatus.WAITING_AGENT  # saved and queued


def test_a_reopened_case_keeps_its_queue_place_and_reason(fresh_sqlite_url: str) -> None:
    store = HandoffStore(fresh_sqlite_url)
    now = dt.datetime(2026, 11, 25, 11, 0, tzinfo=BEIJING)
    first = hand_off(
        store,
        "web-f",
        None,
        lambda: draft("web-f", "web-f:1"),
        [],
        HandoffReason.REQUEST_HUMAN,
        now,
        "zh",
        OPEN,
    )
    store.resolve(first.reference, "wangli", "done")
    store.reopen(first.reference)
    again = hand_off(
        store,
        "web-f",
        first.reference,
        lambda: draft("web-f", "x"),
        [],
        HandoffReason.REOPENED,
        now,
        "zh",
        OPEN,
    )
    ticket = store.get(first.reference)
    assert again.reference == first.reference
    assert ticket is not None and ticket.status == TicketStatus.REOPENED and ticket.reopened_count == 1


def test_transcript_lines_leave_out_agents_and_internal_triggers() -> None:
    events = [
        {"event": "user", "text": "转人工", "timestamp": 1.0},
        {"event": "bot", "text": "已为您转接", "timestamp": 2.0},
        {"event": "bot", "text": "您好,我是王丽", "timestamp": 3.0, "metadata": {"agent_name": "王丽"}},
        {"event": "user", "text": "/EXTERNAL_case_resolved", "timestamp": 4.0},
        {"event": "action", "name": "action_listen", "timestamp": 5.0},
    ]
    assert [(line.role, line.text) for line in conversation_lines(events)] == [
        (Role.CUSTOMER, "转人工"),
        (Role.BOT, "已为您转接"),
    ]
