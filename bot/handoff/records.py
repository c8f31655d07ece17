"""The handoff's view of the database for the gate (Rasa server) and the actions (action server):
who owns a conversation, the customer's lines during a handoff, reopening, the rating; over HandoffStore."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache

from bot.db.engine import database_url
from bot.handoff.models import Owner as OwnerKind
from bot.handoff.store import HandoffStore

# A resolved case can be reopened by its customer for this long.
REOPEN_WITHIN = dt.timedelta(days=7)


class NotThisConversation(LookupError):
    """The ticket does not belong to the conversation named with it."""


@dataclass(frozen=True)
class Owner:
    """Who answers a conversation now, and the ticket the queue or agent works on."""

    owner: str
    reference: str | None = None
    agent: str | None = None

    @property
    def with_people(self) -> bool:
        """Whether the queue or an agent has the conversation (the bot stays silent)."""
        return self.owner in (OwnerKind.QUEUE.value, OwnerKind.AGENT.value)

    @property
    def queued(self) -> bool:
        """Whether the customer is still waiting for an agent."""
        return self.owner == OwnerKind.QUEUE.value


@lru_cache(maxsize=1)
def handoff_store() -> HandoffStore:
    """The handoff store of this process (DATABASE_URL)."""
    return HandoffStore(database_url())


def owner_of(sender_id: str) -> Owner:
    """The conversation's owner (the bot when it was never handed off)."""
    row = handoff_store().owner_of(sender_id)
    if row is None:
        return Owner(OwnerKind.BOT.value)
    return Owner(row.owner, row.ticket_reference, row.agent_username)


def add_customer_message(reference: str | None, text: str) -> None:
    """The customer's line on the ticket the agent works on."""
    if reference:
        handoff_store().add_customer_message(reference, text)


def leave_queue(sender_id: str, reference: str | None) -> None:
    """Back to the bot; the ticket stays (open again)."""
    if reference:
        handoff_store().leave_queue(reference)


def recently_resolved(sender_id: str, now: dt.datetime) -> str | None:
    """The conversation's case resolved in the last 7 days (the latest), if any."""
    ticket = handoff_store().recently_resolved(sender_id, now - REOPEN_WITHIN)
    return ticket.reference if ticket is not None else None


def reopen(reference: str) -> None:
    """Not solved after all: the case goes back to the queue with its history."""
    handoff_store().reopen(reference)


def back_to_bot(sender_id: str, reference: str) -> None:
    """After resolution the bot has the conversation again (HandoffStore.resolve usually did it already)."""
    store = handoff_store()
    ticket = store.get(reference)
    if ticket is None or ticket.sender_id != sender_id:
        raise NotThisConversation(reference)
    store.set_owner(
        sender_id, OwnerKind.BOT, channel=ticket.channel, language=ticket.language, reference=reference
    )


def set_csat(reference: str, rating: int, comment: str | None) -> None:
    """The customer's rating and comment on the resolved ticket."""
    handoff_store().set_csat(reference, rating, comment)
