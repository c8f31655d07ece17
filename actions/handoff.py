"""Handoff to a human agent, leaving the queue, the outcome of a resolved case and its 1-5 rating."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ActiveLoop, EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.responses import language_of
from actions.ticket_filing import draft_from_tracker
from bot.constants import Category, Slot
from bot.handoff import records
from bot.handoff.csat import clean_comment, is_no_comment, parse_rating
from bot.handoff.transfer import conversation_lines, customer_words, hand_off
from bot.handoff.triggers import (
    FALLBACK_ACTION,
    FALLBACKS_BEFORE_HANDOFF,
    HANDOFF_ACTION,
    consecutive_fallbacks,
    handoff_reason,
)

REASON_SLOT = "handoff_reason"
CSAT_TICKET_SLOT = "csat_ticket"
CSAT_SLOT = "csat"
CSAT_COMMENT_SLOT = "csat_comment"
NOT_RATED = "-"


class ActionHandOff(Action):
    """Queues the conversation for an agent and tells the customer their place, or when agents are back."""

    def name(self) -> str:
        """Action name in the domain."""
        return HANDOFF_ACTION

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Ticket to waiting_agent with the transcript, owner = queue; any form under way stops."""
        reason = handoff_reason(tracker.events, tracker.get_slot(REASON_SLOT))
        language = language_of(tracker)
        lines = conversation_lines(tracker.events)
        details = {} if tracker.get_slot(Slot.DESCRIPTION.value) else {"description": customer_words(lines)}
        placement = await asyncio.to_thread(
            hand_off,
            records.handoff_store(),
            tracker.sender_id,
            tracker.get_slot(Slot.FILED_TICKET.value),
            lambda: draft_from_tracker(tracker, Category.GENERAL.value, per_message=True, details=details),
            lines,
            reason,
            dt.datetime.now(dt.timezone.utc),
            language,
        )
        if placement.open_now:
            dispatcher.utter_message(
                response="utter_handoff_queued",
                reference=placement.reference,
                position=placement.position,
                wait=placement.wait_minutes,
            )
        else:
            dispatcher.utter_message(
                response="utter_handoff_after_hours",
                reference=placement.reference,
                hours=placement.hours,
                reopens=placement.reopens,
            )
        return [
            SlotSet(Slot.FILED_TICKET.value, placement.reference),
            SlotSet(REASON_SLOT, None),
            ActiveLoop(None),
            SlotSet("requested_slot", None),
        ]


class ActionHandleFallback(Action):
    """Asks the customer to rephrase; the second message in a row it cannot understand goes to a person."""

    def name(self) -> str:
        """Action name in the domain."""
        return FALLBACK_ACTION

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Rephrase, or hand off."""
        if consecutive_fallbacks(tracker.events) >= FALLBACKS_BEFORE_HANDOFF:
            return [FollowupAction(HANDOFF_ACTION)]
        dispatcher.utter_message(response="utter_default")
        return []


class ActionLeaveQueue(Action):
    """The customer no longer waits for an agent: back with the bot, the ticket kept."""

    def name(self) -> str:
        """Action name in the domain."""
        return "action_leave_queue"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Say so, with the ticket's reference."""
        dispatcher.utter_message(
            response="utter_left_queue", reference=tracker.get_slot(Slot.FILED_TICKET.value) or ""
        )
        return []


class ActionAnnounceResolution(Action):
    """Tells the customer the outcome of the case an agent resolved; the rating form follows."""

    def name(self) -> str:
        """Action name in the domain."""
        return "action_announce_resolution"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """The resolution summary of the ticket named in the (internal) message's metadata."""
        metadata: dict[str, Any] = tracker.latest_message.get("metadata") or {}
        reference = str(metadata.get("reference") or tracker.get_slot(Slot.FILED_TICKET.value) or "")
        ticket = await asyncio.to_thread(records.handoff_store().get, reference) if reference else None
        resolution = (ticket.resolution if ticket is not None else None) or ""
        dispatcher.utter_message(response="utter_case_resolved", reference=reference, resolution=resolution)
        return [
            SlotSet(CSAT_TICKET_SLOT, reference),
            SlotSet(CSAT_SLOT, None),
            SlotSet(CSAT_COMMENT_SLOT, None),
        ]


def _invalid_ratings(events: list[dict[str, Any]]) -> int:
    """How often the customer was asked again for a rating since the case was resolved."""
    count = 0
    for event in reversed(events):
        if event.get("event") == "action" and event.get("name") == "action_announce_resolution":
            break
        if (
            event.get("event") == "bot"
            and (event.get("metadata") or {}).get("utter_action") == "utter_invalid_csat"
        ):
            count += 1
    return count


class ValidateCsatForm(FormValidationAction):
    """A rating 1-5, then an optional comment."""

    def name(self) -> str:
        """Rasa's naming convention: validate_<form>."""
        return "validate_csat_form"

    def validate_csat(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """A number from 1 to 5; anything else is asked again."""
        if value is None:  # cleared when the rating starts: nothing to check yet
            return {CSAT_SLOT: None}
        rating = parse_rating(str(value))
        if rating is not None:
            return {CSAT_SLOT: str(rating)}
        if _invalid_ratings(tracker.events) >= 1:  # asked twice: the customer would rather not rate
            return {CSAT_SLOT: NOT_RATED, CSAT_COMMENT_SLOT: NOT_RATED}
        dispatcher.utter_message(response="utter_invalid_csat")
        return {CSAT_SLOT: None}

    def validate_csat_comment(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Whatever the customer says (a "skip" means no comment)."""
        if value is None:  # cleared when the rating starts: not answered yet
            return {CSAT_COMMENT_SLOT: None}
        return {CSAT_COMMENT_SLOT: clean_comment(str(value)) or NOT_RATED}


class ActionStoreCsat(Action):
    """Stores the rating and comment on the resolved ticket and thanks the customer."""

    def name(self) -> str:
        """Action name in the domain."""
        return "action_store_csat"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """csat and csat_comment on the ticket; the rating slots are cleared."""
        reference = tracker.get_slot(CSAT_TICKET_SLOT)
        rating = parse_rating(str(tracker.get_slot(CSAT_SLOT) or ""))
        comment = str(tracker.get_slot(CSAT_COMMENT_SLOT) or "")
        if reference and rating is not None:
            stored_comment = None if is_no_comment(comment) else clean_comment(comment)
            await asyncio.to_thread(records.set_csat, reference, rating, stored_comment)
            dispatcher.utter_message(response="utter_csat_thanks")
        else:
            dispatcher.utter_message(response="utter_no_problem")
        return [SlotSet(CSAT_SLOT, None), SlotSet(CSAT_COMMENT_SLOT, None), SlotSet(CSAT_TICKET_SLOT, None)]
