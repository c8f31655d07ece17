"""Records praise for staff or service as a ticket of category compliment."""

from __future__ import annotations

import asyncio

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.ticket_filing import file_from_tracker
from bot.constants import Category, Slot


class ActionRecordCompliment(Action):
    """Files the compliment (with the dealer if named) and thanks the customer."""

    def name(self) -> str:
        """Action name in the domain."""
        return "action_record_compliment"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """The customer's words are the description; no questions asked."""
        tracker.slots[Slot.DESCRIPTION.value] = tracker.latest_message.get("text") or ""
        ticket = await asyncio.to_thread(
            file_from_tracker, tracker, Category.COMPLIMENT.value, per_message=True
        )
        dispatcher.utter_message(response="utter_compliment_recorded", filed_ticket=ticket["reference"])
        return [SlotSet(Slot.FILED_TICKET.value, ticket["reference"])]
