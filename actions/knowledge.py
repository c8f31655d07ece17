"""Answers maintenance and warranty questions from the knowledge base, or offers a human agent."""

from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.responses import language_of
from bot.constants import Intent, Slot
from bot.knowledge.answer import Topic, answer

_TOPIC = {
    Intent.MAINTENANCE_QUESTION.value: Topic.MAINTENANCE,
    Intent.WARRANTY_QUESTION.value: Topic.WARRANTY,
}


class ActionAnswerQuestion(Action):
    """Maintenance/warranty answer in the customer's language, by model where it differs."""

    def name(self) -> str:
        """Action name in the domain."""
        return "action_answer_question"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Answer, or offer an agent when the knowledge base has nothing."""
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        topic = _TOPIC.get(str(intent), Topic.MAINTENANCE)
        found = answer(
            tracker.latest_message.get("text") or "",
            topic,
            language_of(tracker),
            tracker.get_slot(Slot.VEHICLE_MODEL.value),
        )
        if found is None:
            # As its own action, so the rule "offer accepted -> hand off to an agent" sees that it was made.
            return [FollowupAction("utter_offer_human")]
        # Sample figures carry their own notice inside the answer text.
        dispatcher.utter_message(response="utter_knowledge_answer", answer=found.text)
        return []
