"""Records praise for staff or service as a ticket of category compliment; thanks that praise count too."""

from __future__ import annotations

import asyncio

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.ticket_filing import file_from_tracker
from bot.constants import Category, Slot
from bot.intake.praise import is_praise


async def record_compliment(tracker: Tracker, dispatcher: CollectingDispatcher) -> list[EventType]:
    """File the latest message as a compliment (its own words are the description) and thank."""
    words = tracker.latest_message.get("text") or ""
    ticket = await asyncio.to_thread(
        file_from_tracker,
        tracker,
        Category.COMPLIMENT.value,
        per_message=True,
        details={Slot.DESCRIPTION.value: words},
    )
    dispatcher.utter_message(response="utter_compliment_recorded", filed_ticket=ticket["reference"])
    return [SlotSet(Slot.FILED_TICKET.value, ticket["reference"])]


class ActionRecordCompliment(Action):
    """Files the compliment (with the dealer if named) and thanks the customer."""

    def name(self) -> str:
        """Action name in the domain."""
        return "action_record_compliment"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """The customer's words are the description; no questions asked."""
        return await record_compliment(tracker, dispatcher)


class ActionAcknowledgeThanks(Action):
    """A thank-you is answered; one that praises someone ("thanks Li Wei, so helpful!") is also recorded."""

    def name(self) -> str:
        """Action name in the domain."""
        return "action_acknowledge_thanks"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Record praise as a compliment, else say you're welcome."""
        if is_praise(tracker.latest_message.get("text") or ""):
            return await record_compliment(tracker, dispatcher)
        dispatcher.utter_message(response="utter_you_are_welcome")
        return []
