"""Puts a conversation in the agent queue: its ticket (or a new `general` one), the transcript so far, the
owner, and what to tell the customer (place and wait, or when agents are back)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from bot.constants import Role, TicketStatus
from bot.handoff.hours import BusinessHours, load_hours, say_when
from bot.handoff.store import HandoffStore
from bot.handoff.triggers import HandoffReason
from bot.tickets.draft import TicketDraft, TranscriptLine
from bot.tickets.models import Ticket

CLOSED_STATUSES = frozenset({TicketStatus.RESOLVED.value, TicketStatus.CLOSED.value})


@dataclass(frozen=True)
class Placement:
    """Where the customer's case stands in the queue, and what to say about it."""

    reference: str
    position: int
    wait_minutes: int
    open_now: bool
    hours: str
    reopens: str


def conversation_lines(events: Sequence[dict[str, Any]]) -> list[TranscriptLine]:
    """Customer and bot lines of a conversation (SDK event dicts); agents' lines are on the ticket already."""
    lines = []
    for event in events:
        kind = event.get("event")
        metadata = event.get("metadata") or {}
        if kind not in ("user", "bot") or not event.get("text") or metadata.get("agent_name"):
            continue
        if kind == "user" and str(event.get("text")).startswith("/EXTERNAL_"):
            continue
        at = dt.datetime.fromtimestamp(float(event.get("timestamp") or 0.0), tz=dt.timezone.utc)
        lines.append(TranscriptLine(Role.CUSTOMER if kind == "user" else Role.BOT, str(event["text"]), at))
    return lines


def customer_words(lines: Sequence[TranscriptLine], limit: int = 5) -> str:
    """The customer's latest lines, as the description of a ticket filed at handoff."""
    said = [line.text for line in lines if line.role is Role.CUSTOMER]
    return "\n".join(said[-limit:])


def _ticket_to_hand_over(tickets: HandoffStore, sender_id: str, reference: str | None) -> Ticket | None:
    """The conversation's own ticket that is still being handled, if any."""
    ticket = tickets.get(reference) if reference else None
    if ticket is None or ticket.sender_id != sender_id or ticket.status in CLOSED_STATUSES:
        return None
    return ticket


def _append_new_lines(tickets: HandoffStore, ticket: Ticket, lines: Sequence[TranscriptLine]) -> None:
    """Add the lines said since the ticket's transcript was last written."""
    last = max((message.at for message in ticket.messages), default=None)
    for line in lines:
        if last is None or line.at > last:
            tickets.add_message(ticket.reference, line.role, line.text)


def hand_off(
    tickets: HandoffStore,
    sender_id: str,
    reference: str | None,
    general_draft: Callable[[], TicketDraft],
    lines: Sequence[TranscriptLine],
    reason: HandoffReason,
    now: dt.datetime,
    language: str,
    hours: BusinessHours | None = None,
) -> Placement:
    """Queue the conversation's ticket (filing a general one first when it has none) for an agent."""
    ticket = _ticket_to_hand_over(tickets, sender_id, reference)
    if ticket is None:
        ticket = tickets.file_ticket(general_draft())
    else:
        _append_new_lines(tickets, ticket, lines)
    if reason is not HandoffReason.REOPENED:  # the reopening queued it already
        tickets.enqueue(ticket.reference, reason.value)
    hours = hours or load_hours()
    position = tickets.queue_position(ticket.reference) or 1
    opening = hours.next_opening(now)
    return Placement(
        reference=ticket.reference,
        position=position,
        wait_minutes=hours.expected_wait_minutes(position),
        open_now=hours.is_open(now),
        hours=hours.describe(language),
        reopens=say_when(opening, now, language),
    )
