"""Complaint intake: start, roadside start, summary, single-field correction, filing, cancelling."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.responses import language_of, render
from actions.ticket_filing import file_from_tracker
from bot.constants import Category, Priority, Slot
from bot.handoff.triggers import HANDOFF_ACTION
from bot.intake.case import closing_slots, opening_slots, slots_set_this_turn
from bot.intake.corrections import correction_from_text
from bot.intake.roadside import RoadsideVerdict, roadside_verdict
from bot.intake.routing import routed_category
from bot.intake.secondary import secondary_category
from bot.intake.spec import FORM_OF
from bot.intake.summary import summary_details


def slot_events(values: Mapping[str, Any]) -> list[EventType]:
    """SlotSet events for slot values."""
    return [SlotSet(name, value) for name, value in values.items()]


def _text(tracker: Tracker) -> str:
    """The latest customer message."""
    return tracker.latest_message.get("text") or ""


def start_intake(tracker: Tracker, dispatcher: CollectingDispatcher, category: str) -> list[EventType]:
    """Events opening an intake of `category` with the latest message as its description; greets."""
    values = opening_slots(category, _text(tracker), slots_set_this_turn(tracker.events), tracker.slots)
    start = "utter_roadside_start" if category == Category.ROADSIDE_ASSISTANCE else "utter_intake_start"
    dispatcher.utter_message(response=start)
    return slot_events(values)


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
        return start_intake(tracker, dispatcher, intent)


class ActionStartRoadside(Action):
    """Opens the urgent roadside path only on a clear, confident request for help now."""

    def name(self) -> str:
        """Action name in the domain."""
        return "action_start_roadside"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Start the roadside form; otherwise say how to get help (unsure) or that it was not understood."""
        ranking = tracker.latest_message.get("intent_ranking") or []
        confidence = float((tracker.latest_message.get("intent") or {}).get("confidence") or 0.0)
        runner_up = float(ranking[1].get("confidence") or 0.0) if len(ranking) > 1 else 0.0
        verdict = roadside_verdict(_text(tracker), confidence, runner_up)
        if verdict is RoadsideVerdict.OPEN:
            return start_intake(tracker, dispatcher, Category.ROADSIDE_ASSISTANCE.value)
        unclear = "utter_roadside_unclear" if verdict is RoadsideVerdict.UNSURE else "utter_default"
        dispatcher.utter_message(response=unclear)
        return [FollowupAction("action_listen")]


class ActionRouteDetails(Action):
    """Details given outside any case ("帕萨特上周五在4S店修空调,报价200收了1000") open the likeliest case."""

    def name(self) -> str:
        """Action name in the domain."""
        return "action_route_details"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Start the intake the message points to and run its form; otherwise ask what happened."""
        category = routed_category(
            tracker.latest_message.get("intent_ranking") or [],
            _text(tracker),
            tracker.get_slot(Slot.QUOTED_AMOUNT.value),
            tracker.get_slot(Slot.CHARGED_AMOUNT.value),
        )
        if category is None:
            dispatcher.utter_message(response="utter_ask_how_can_help")
            return []
        return [*start_intake(tracker, dispatcher, category), FollowupAction(FORM_OF[category])]


class ActionShowSummary(Action):
    """Shows every collected detail and asks the customer to confirm or correct."""

    def name(self) -> str:
        """Action name in the domain."""
        return "action_show_summary"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Recompute the secondary category from all details, then summarise."""
        secondary = tracker.get_slot(Slot.SECONDARY_CATEGORY.value)
        if not secondary:
            found = secondary_category(
                tracker.get_slot(Slot.CATEGORY.value) or "",
                tracker.get_slot(Slot.DESCRIPTION.value) or "",
                tracker.get_slot(Slot.QUOTED_AMOUNT.value),
                tracker.get_slot(Slot.CHARGED_AMOUNT.value),
            )
            secondary = found.value if found else None
        language = language_of(tracker)
        slots = {**tracker.slots, Slot.SECONDARY_CATEGORY.value: secondary}

        def text(name: str, **values: Any) -> str:
            return render(domain, name, language, **values)

        dispatcher.utter_message(response="utter_summary", details=summary_details(slots, language, text))
        return [SlotSet(Slot.SECONDARY_CATEGORY.value, secondary)]


class ActionApplyCorrection(Action):
    """Changes the single detail the customer corrected ("电话错了,是13912345678")."""

    def name(self) -> str:
        """Action name in the domain."""
        return "action_apply_correction"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Entities in the message were already put into their slots; free-text fields are parsed here."""
        if slots_set_this_turn(tracker.events) - {Slot.LANGUAGE.value}:
            return []
        correction = correction_from_text(_text(tracker))
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
        events: list[EventType] = [SlotSet(Slot.FILED_TICKET.value, reference)]
        if ticket["priority"] == Priority.URGENT:
            events.append(FollowupAction(HANDOFF_ACTION))  # urgent cases go straight to an agent
        return events


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
        return slot_events(closing_slots())
