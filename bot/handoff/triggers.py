"""Why a conversation goes to an agent, read from the conversation's events (Rasa SDK tracker dicts)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.constants import Intent, StrEnum

HANDOFF_ACTION = "action_hand_off"
FALLBACK_ACTION = "action_handle_fallback"
FILE_TICKET_ACTION = "action_file_ticket"
OFFER_HUMAN_RESPONSE = "utter_offer_human"
# NLU fallbacks in a row after which the customer is handed to an agent.
FALLBACKS_BEFORE_HANDOFF = 2
_SKIPPED_ACTIONS = {"action_listen", HANDOFF_ACTION}


class HandoffReason(StrEnum):
    """What triggered a handoff (stored as the ticket's handoff_reason)."""

    REQUEST_HUMAN = "request_human"
    FALLBACK = "fallback"
    KB_UNANSWERED = "kb_unanswered"
    URGENT = "urgent"
    ANGRY = "angry"
    REOPENED = "reopened"


def _intent(event: dict[str, Any]) -> str | None:
    """The intent of a user event."""
    return ((event.get("parse_data") or {}).get("intent") or {}).get("name")


def consecutive_fallbacks(events: Sequence[dict[str, Any]]) -> int:
    """How many of the customer's latest messages in a row the NLU could not understand."""
    count = 0
    for event in reversed(events):
        if event.get("event") != "user":
            continue
        if _intent(event) != Intent.NLU_FALLBACK:
            break
        count += 1
    return count


def _previous_action(events: Sequence[dict[str, Any]]) -> str | None:
    """The last action run before this handoff, not counting listening."""
    for event in reversed(events):
        if event.get("event") == "user":
            return None
        if event.get("event") == "action" and event.get("name") not in _SKIPPED_ACTIONS:
            return str(event.get("name"))
    return None


def _answered_offer(events: Sequence[dict[str, Any]]) -> bool:
    """Whether the latest customer message answers the bot's offer of a person."""
    seen_user = False
    for event in reversed(events):
        kind = event.get("event")
        if kind == "user":
            if seen_user:
                return False
            seen_user = True
        elif seen_user and kind == "bot":
            return (event.get("metadata") or {}).get("utter_action") == OFFER_HUMAN_RESPONSE
        elif seen_user and kind == "action" and event.get("name") not in _SKIPPED_ACTIONS:
            return event.get("name") == OFFER_HUMAN_RESPONSE
    return False


def handoff_reason(events: Sequence[dict[str, Any]], preset: str | None = None) -> HandoffReason:
    """The trigger of the handoff now under way (`preset`: the reason the gate set for this turn)."""
    if preset in HandoffReason._value2member_map_:
        return HandoffReason(preset)
    previous = _previous_action(events)
    if previous == FILE_TICKET_ACTION:
        return HandoffReason.URGENT
    if previous == FALLBACK_ACTION:
        return HandoffReason.FALLBACK
    latest_user = next((e for e in reversed(events) if e.get("event") == "user"), None)
    intent = _intent(latest_user) if latest_user else None
    if intent == Intent.AFFIRM and _answered_offer(events):
        return HandoffReason.KB_UNANSWERED
    return HandoffReason.REQUEST_HUMAN
