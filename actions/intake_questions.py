"""Asking a grouped detail: the group's one question, or the detail's own once the others are known."""

from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.constants import Slot
from bot.intake.questions import asked_together, question_response, still_needed
from bot.intake.spec import QUESTION_GROUPS


class AskDetail(Action):
    """Asks `slot` together with its group's other details the form still needs."""

    slot = ""

    def name(self) -> str:
        """Rasa's convention for the action asking a form slot: action_ask_<slot>."""
        return f"action_ask_{self.slot}"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Utter the question; nothing changes in the conversation's state."""
        form = (tracker.active_loop or {}).get("name") or ""
        required = (domain.get("forms", {}).get(form) or {}).get("required_slots") or []
        skipped = tracker.get_slot(Slot.SKIPPED_SLOTS.value) or []
        asked = asked_together(self.slot, still_needed(required, tracker.slots, skipped))
        dispatcher.utter_message(response=question_response(self.slot, asked))
        return []


def _ask_class(slot: str) -> type[AskDetail]:
    """The ask action of one grouped detail."""
    name = "Ask" + "".join(part.title() for part in slot.split("_"))
    return type(name, (AskDetail,), {"slot": slot, "__doc__": f"Asks {slot} (with its group)."})


# One ask action per detail of a question group in the intake spec.
ASK_ACTIONS: dict[str, type[AskDetail]] = {
    slot.value: _ask_class(slot.value) for group in QUESTION_GROUPS for slot in group.slots
}
