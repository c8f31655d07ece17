"""Turns a finished intake into a ticket in the store (the one place actions write tickets)."""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from rasa_sdk import Tracker

from actions.conversation import channel_of, intake_key, message_key, transcript
from bot.constants import Category, Language, Slot
from bot.db.engine import database_url
from bot.tickets.draft import DETAIL_FIELDS
from bot.tickets.store import TicketDraft, TicketStore, ticket_to_dict


@lru_cache(maxsize=1)
def ticket_store() -> TicketStore:
    """The ticket store of this action server process."""
    return TicketStore(database_url())


def draft_from_tracker(
    tracker: Tracker,
    category: str | None = None,
    per_message: bool = False,
    details: Mapping[str, Any] | None = None,
) -> TicketDraft:
    """A ticket draft from the conversation's slots and transcript; `details` take precedence over slots.

    `per_message` keys the ticket to the latest message instead of the intake (compliments have no intake).
    """
    key = message_key(tracker) if per_message else intake_key(tracker)
    fields: dict[str, Any] = {name: tracker.get_slot(name) for name in DETAIL_FIELDS}
    fields.update(details or {})
    return TicketDraft(
        conversation_key=key,
        category=category or tracker.get_slot(Slot.CATEGORY.value) or Category.REPAIR_COMPLAINT.value,
        channel=channel_of(tracker),
        sender_id=tracker.sender_id,
        language=tracker.get_slot(Slot.LANGUAGE.value) or Language.ZH.value,
        transcript=transcript(tracker),
        **fields,
    )


def file_from_tracker(
    tracker: Tracker,
    category: str | None = None,
    per_message: bool = False,
    details: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """File (or find the already filed) ticket of this intake; returns its JSON form."""
    store = ticket_store()
    return ticket_to_dict(store.file_ticket(draft_from_tracker(tracker, category, per_message, details)))
