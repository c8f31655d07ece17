"""Ticket status lookup: own tickets directly, other tickets only with the phone number on them."""

from __future__ import annotations

import asyncio
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.responses import language_of, render
from actions.ticket_filing import ticket_store
from bot.constants import Slot
from bot.nlu.entities import normalise_phone, normalise_ticket_ref
from bot.tickets.reference import REFERENCE_TIMEZONE

MAX_ATTEMPTS = 2
_VERIFIED = "verified"


def _reference(tracker: Tracker) -> str | None:
    """The reference asked about, or this conversation's own ticket."""
    return tracker.get_slot(Slot.TICKET_REF.value) or tracker.get_slot(Slot.FILED_TICKET.value)


def _ticket(reference: str | None) -> Any:
    """The ticket with this reference, if any."""
    return ticket_store().get(reference) if reference else None


def _attempts(tracker: Tracker) -> dict[str, int]:
    """Failed attempts per slot so far."""
    return dict(tracker.get_slot(Slot.FAILED_ATTEMPTS.value) or {})


class ValidateTicketStatusForm(FormValidationAction):
    """Asks for the reference when needed and, for another conversation's ticket, for its phone."""

    def name(self) -> str:
        """Rasa's naming convention: validate_<form>."""
        return "validate_ticket_status_form"

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        """Nothing to ask for this conversation's own ticket; reference and phone otherwise."""
        attempts = _attempts(tracker)
        if any(n >= MAX_ATTEMPTS for n in attempts.values()):
            return []
        reference = _reference(tracker)
        if not reference:
            return [Slot.TICKET_REF.value, Slot.STATUS_PHONE.value]
        ticket = await asyncio.to_thread(_ticket, reference)
        if ticket is None or ticket.sender_id == tracker.sender_id:
            return []
        return [Slot.STATUS_PHONE.value]

    def validate_ticket_ref(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """A reference that exists."""
        reference = normalise_ticket_ref(str(value)) if value else None
        if reference and _ticket(reference) is not None:
            return {Slot.TICKET_REF.value: reference}
        attempts = _attempts(tracker)
        attempts[Slot.TICKET_REF.value] = attempts.get(Slot.TICKET_REF.value, 0) + 1
        dispatcher.utter_message(response="utter_ticket_not_found", ticket_ref=str(value or "")[:40])
        return {Slot.TICKET_REF.value: None, Slot.FAILED_ATTEMPTS.value: attempts}

    def validate_status_phone(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """The phone on the ticket; a wrong one is refused without saying whose ticket it is."""
        phone = normalise_phone(str(value)) if value else None
        reference = _reference(tracker)
        if phone and reference and ticket_store().status_for_customer(reference, phone) is not None:
            return {Slot.STATUS_PHONE.value: _VERIFIED}
        attempts = _attempts(tracker)
        attempts[Slot.STATUS_PHONE.value] = attempts.get(Slot.STATUS_PHONE.value, 0) + 1
        dispatcher.utter_message(response="utter_status_phone_mismatch")
        return {Slot.STATUS_PHONE.value: None, Slot.FAILED_ATTEMPTS.value: attempts}


class ActionShowTicketStatus(Action):
    """Tells the customer the status of a ticket they may see."""

    def name(self) -> str:
        """Action name in the domain."""
        return "action_show_ticket_status"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Show the status if allowed, then forget the lookup details."""
        reference = _reference(tracker)
        ticket = await asyncio.to_thread(_ticket, reference)
        reset: list[EventType] = [
            SlotSet(Slot.TICKET_REF.value, None),
            SlotSet(Slot.STATUS_PHONE.value, None),
            SlotSet(Slot.FAILED_ATTEMPTS.value, None),
        ]
        if ticket is None:
            if reference:
                dispatcher.utter_message(response="utter_ticket_not_found", ticket_ref=reference)
            else:
                dispatcher.utter_message(response="utter_ask_ticket_ref")
            return reset
        allowed = (
            ticket.sender_id == tracker.sender_id or tracker.get_slot(Slot.STATUS_PHONE.value) == _VERIFIED
        )
        if not allowed:
            dispatcher.utter_message(response="utter_offer_human")
            return reset
        language = language_of(tracker)
        dispatcher.utter_message(
            response="utter_ticket_status",
            ticket_ref=ticket.reference,
            category_label=render(domain, f"utter_label_category_{ticket.category}", language),
            status_label=render(domain, f"utter_label_status_{ticket.status}", language),
            created=ticket.created_at.astimezone(REFERENCE_TIMEZONE).strftime("%Y-%m-%d %H:%M"),
        )
        return reset
