"""Complaint intake: start, summary, single-field correction, filing, cancelling."""

from __future__ import annotations

import asyncio
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.conversation import CASE_SLOTS
from actions.responses import language_of, render
from actions.ticket_filing import file_from_tracker
from bot.constants import INTAKE_CATEGORIES, Category, Priority, Slot
from bot.intake.corrections import correction_from_text
from bot.intake.secondary import evident_category, secondary_category

# Order of the summary lines.
SUMMARY_SLOTS = (
    Slot.CATEGORY,
    Slot.SECONDARY_CATEGORY,
    Slot.VEHICLE_MODEL,
    Slot.PHONE,
    Slot.CUSTOMER_NAME,
    Slot.DEALER,
    Slot.SERVICE_DATE,
    Slot.PART,
    Slot.QUOTED_AMOUNT,
    Slot.CHARGED_AMOUNT,
    Slot.MILEAGE,
    Slot.VIN,
    Slot.LICENSE_PLATE,
    Slot.LOCATION,
    Slot.DESCRIPTION,
)
_CATEGORY_SLOTS = (Slot.CATEGORY, Slot.SECONDARY_CATEGORY)


def _slots_set_this_turn(tracker: Tracker) -> set[str]:
    """Slots filled from the latest customer message."""
    names: set[str] = set()
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            break
        if event.get("event") == "slot":
            names.add(str(event.get("name")))
    return names


def start_intake(
    tracker: Tracker, dispatcher: CollectingDispatcher, category: str, text: str
) -> list[EventType]:
    """Events opening an intake of `category` with `text` as its description; greets the customer."""
    fresh = _slots_set_this_turn(tracker)
    events: list[EventType] = [SlotSet(slot.value, None) for slot in CASE_SLOTS if slot.value not in fresh]
    events.append(SlotSet(Slot.FILED_TICKET.value, None))
    events.append(SlotSet(Slot.CATEGORY.value, category))
    events.append(SlotSet(Slot.DESCRIPTION.value, text))
    secondary = secondary_category(
        category,
        text,
        tracker.get_slot(Slot.QUOTED_AMOUNT.value),
        tracker.get_slot(Slot.CHARGED_AMOUNT.value),
    )
    events.append(SlotSet(Slot.SECONDARY_CATEGORY.value, secondary.value if secondary else None))
    if category == Category.ROADSIDE_ASSISTANCE:
        dispatcher.utter_message(response="utter_roadside_start")
    else:
        dispatcher.utter_message(response="utter_intake_start")
    return events


class ActionStartIntake(Action):
    """Opens an intake: category from the intent, the opening message as description, fresh case slots."""

    def name(self) -> str:
        """Action name in the domain."""
        return "action_start_intake"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Reset details of an earlier case, keep what the opening message already said."""
        intent = (tracker.latest_message.get("intent") or {}).get("name") or ""
        return start_intake(tracker, dispatcher, intent, tracker.latest_message.get("text") or "")


# How likely a complaint category must be (second to `inform`) for details to open a case of it.
MIN_ROUTING_CONFIDENCE = 0.05
_FORM_OF = {category.value: f"{category.value}_form" for category in INTAKE_CATEGORIES}


def routed_category(tracker: Tracker) -> str | None:
    """The complaint category a details-only message most likely belongs to, if any.

    The classifier's runner-up complaint intent when it is not negligible, else what the words and
    amounts show (a quote and a different charge is a pricing dispute; a repair visit a repair complaint).
    """
    for ranked in tracker.latest_message.get("intent_ranking") or []:
        name = ranked.get("name")
        if name in _FORM_OF and float(ranked.get("confidence") or 0.0) >= MIN_ROUTING_CONFIDENCE:
            return str(name)
    evident = evident_category(
        tracker.latest_message.get("text") or "",
        tracker.get_slot(Slot.QUOTED_AMOUNT.value),
        tracker.get_slot(Slot.CHARGED_AMOUNT.value),
    )
    return evident.value if evident else None


class ActionRouteDetails(Action):
    """Details given outside any case ("帕萨特上周五在4S店修空调,报价200收了1000") open the likeliest case."""

    def name(self) -> str:
        """Action name in the domain."""
        return "action_route_details"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Start the intake the message points to and run its form; otherwise ask what happened."""
        category = routed_category(tracker)
        if category is None:
            dispatcher.utter_message(response="utter_ask_how_can_help")
            return []
        events = start_intake(tracker, dispatcher, category, tracker.latest_message.get("text") or "")
        return [*events, FollowupAction(_FORM_OF[category])]


def _display(slot: Slot, value: Any, domain: DomainDict, language: str) -> str:
    """A slot value as the customer should read it."""
    if slot in _CATEGORY_SLOTS:
        return render(domain, f"utter_label_category_{value}", language) or str(value)
    return str(value)


def summary_details(tracker: Tracker, domain: DomainDict) -> str:
    """One line per collected detail, labelled in the customer's language."""
    language = language_of(tracker)
    lines = []
    for slot in SUMMARY_SLOTS:
        value = tracker.get_slot(slot.value)
        if value in (None, ""):
            continue
        label = render(domain, f"utter_label_slot_{slot.value}", language)
        lines.append(f"· {label}: {_display(slot, value, domain, language)}")
    return "\n".join(lines)


class ActionShowSummary(Action):
    """Shows every collected detail and asks the customer to confirm or correct."""

    def name(self) -> str:
        """Action name in the domain."""
        return "action_show_summary"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Recompute the secondary category from all details, then summarise."""
        category = tracker.get_slot(Slot.CATEGORY.value) or ""
        secondary = tracker.get_slot(Slot.SECONDARY_CATEGORY.value)
        if not secondary:
            found = secondary_category(
                category,
                tracker.get_slot(Slot.DESCRIPTION.value) or "",
                tracker.get_slot(Slot.QUOTED_AMOUNT.value),
                tracker.get_slot(Slot.CHARGED_AMOUNT.value),
            )
            secondary = found.value if found else None
        events: list[EventType] = [SlotSet(Slot.SECONDARY_CATEGORY.value, secondary)]
        tracker.slots[Slot.SECONDARY_CATEGORY.value] = secondary
        dispatcher.utter_message(response="utter_summary", details=summary_details(tracker, domain))
        return events


class ActionApplyCorrection(Action):
    """Changes the single detail the customer corrected ("电话错了,是13912345678")."""

    def name(self) -> str:
        """Action name in the domain."""
        return "action_apply_correction"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Entities in the message were already put into their slots; free-text fields are parsed here."""
        if _slots_set_this_turn(tracker) - {Slot.LANGUAGE.value}:
            return []
        correction = correction_from_text(tracker.latest_message.get("text") or "")
        if correction is None:
            dispatcher.utter_message(response="utter_ask_what_to_correct")
            return []
        slot, value = correction
        return [SlotSet(slot.value, value)]


class ActionFileTicket(Action):
    """Files the ticket (idempotent per intake) and gives the customer the reference."""

    def name(self) -> str:
        """Action name in the domain."""
        return "action_file_ticket"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """File, then tell the customer what happens next."""
        ticket = await asyncio.to_thread(file_from_tracker, tracker)
        reference = ticket["reference"]
        if ticket["category"] == Category.ROADSIDE_ASSISTANCE:
            response = "utter_roadside_filed"
        elif ticket["priority"] == Priority.URGENT:
            response = "utter_ticket_filed_urgent"
        else:
            response = "utter_ticket_filed"
        dispatcher.utter_message(response=response, filed_ticket=reference)
        return [SlotSet(Slot.FILED_TICKET.value, reference)]


class ActionCancelIntake(Action):
    """Drops the case details without filing anything."""

    def name(self) -> str:
        """Action name in the domain."""
        return "action_cancel_intake"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Reset the case and say so."""
        dispatcher.utter_message(response="utter_intake_cancelled")
        return [SlotSet(slot.value, None) for slot in CASE_SLOTS] + [SlotSet("requested_slot", None)]
