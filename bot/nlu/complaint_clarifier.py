"""Rasa component: a complaint-like message read as small talk asks what the complaint is about."""

from __future__ import annotations

import re
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import (
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.constants import Intent
from bot.nlu.lexicon_featurizer import LEXICON_CLASSES
from bot.nlu.narrative import narrative_size

COMPLAINT_UNSURE = "complaint_unsure"
# Parse-result property: the classifier's intent this component replaced (for the evaluation).
REPLACED_INTENT = "clarifier_replaced"
# Guesses that lose a complaint when the message is one: small talk and "not understood". Details-only
# messages (inform) are routed to the likeliest complaint by the dialogue, questions are answered.
SMALL_TALK = frozenset(
    {
        Intent.GREET.value,
        Intent.GOODBYE.value,
        Intent.THANK.value,
        Intent.AFFIRM.value,
        Intent.DENY.value,
        Intent.OUT_OF_SCOPE.value,
        Intent.BOT_CHALLENGE.value,
        Intent.NLU_FALLBACK.value,
    }
)
COMPLAINTS = (
    Intent.PRODUCT_DEFECT.value,
    Intent.REPAIR_COMPLAINT.value,
    Intent.PRICING_DISPUTE.value,
    Intent.STAFF_COMPLAINT.value,
)
# A story of a fault this long (Chinese characters plus English words) is a complaint, whatever its parts
# about calling customer service, waiting for news or thanking in advance made the classifier read.
NARRATIVE_MIN_SIZE = 20
NOT_A_STORY = SMALL_TALK | {
    Intent.INFORM.value,
    Intent.REQUEST_HUMAN.value,
    Intent.CHECK_TICKET_STATUS.value,
    Intent.COMPLIMENT.value,
}
# Praise of a fault put right is a compliment, however long.
_PUT_RIGHT = re.compile(r"修好|解决了|搞定|处理好了|\b(?:fixed|resolved|sorted)\b", re.IGNORECASE)
# Roadside assistance files an urgent ticket at once: only a confident reading opens it.
ROADSIDE_MIN_CONFIDENCE = 0.7
_THING = frozenset({"part", "model", "brand", "service"})


def complaint_like(classes: set[str]) -> bool:
    """A fault of a thing (a symptom with a part, model, brand or dealer), or a demand about one."""
    if "symptom" in classes and classes & _THING:
        return True
    return "demand" in classes and bool(classes & (_THING | {"symptom"}))


def likeliest_complaint(message: Message) -> str | None:
    """The complaint intent ranked highest by the classifier, if any is ranked."""
    ranking = message.get(INTENT_RANKING_KEY) or []
    return next((r[INTENT_NAME_KEY] for r in ranking if r.get(INTENT_NAME_KEY) in COMPLAINTS), None)


def told_story(message: Message, name: str | None, roadside_unsure: bool) -> bool:
    """A long story of a fault read as small talk, a detail, a question about service or an unsure
    roadside request (praise of a fault put right stays a compliment)."""
    text = str(message.get(TEXT) or "")
    if narrative_size(text) < NARRATIVE_MIN_SIZE or not (name in NOT_A_STORY or roadside_unsure):
        return False
    return not (name == Intent.COMPLIMENT.value and _PUT_RIGHT.search(text))


def live_request(classes: set[str], confidence: float) -> bool:
    """A confident roadside reading of a request for help now (a breakdown told without "now", "help",
    "stranded", "拖车"... is a fault to complain about, not an urgent ticket)."""
    return confidence >= ROADSIDE_MIN_CONFIDENCE and "now" in classes


def bill_without_money(name: str | None, classes: set[str]) -> bool:
    """A billing-dispute reading of a message that names no money, price or fee."""
    return name == Intent.PRICING_DISPUTE.value and "money" not in classes


def next_complaint(message: Message, besides: str) -> str | None:
    """The complaint intent ranked highest after `besides`."""
    ranking = message.get(INTENT_RANKING_KEY) or []
    names = (r.get(INTENT_NAME_KEY) for r in ranking)
    return next((n for n in names if n in COMPLAINTS and n != besides), None)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class ComplaintClarifier(GraphComponent):
    """After the classifiers, replaces guesses that lose a complaint or file a wrong one (`clarified_intent`).

    A long story of a fault read as something else, or a fault read as roadside without a request for
    help now, becomes the complaint the classifier ranks highest; a billing dispute that names no money
    becomes the next complaint; complaint-like small talk becomes `complaint_unsure` (the assistant then
    asks: the car, a repair, a bill or our staff?); an unsure roadside reading of anything else becomes
    nlu_fallback.
    """

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> ComplaintClarifier:
        """Create the component."""
        return cls()

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Nothing to learn; training data passes unchanged."""
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        """Replace unsafe guesses on every message."""
        for message in messages:
            intent = message.get(INTENT) or {}
            replacement = clarified_intent(message)
            if replacement is None:
                continue
            message.set(REPLACED_INTENT, intent.get(INTENT_NAME_KEY), add_to_output=True)
            message.set(
                INTENT,
                {
                    INTENT_NAME_KEY: replacement,
                    PREDICTED_CONFIDENCE_KEY: float(intent.get(PREDICTED_CONFIDENCE_KEY) or 0.0),
                },
                add_to_output=True,
            )
        return messages


def clarified_intent(message: Message) -> str | None:
    """The intent that replaces the classifier's unsafe guess; None to keep the guess."""
    intent = message.get(INTENT) or {}
    name = intent.get(INTENT_NAME_KEY)
    confidence = float(intent.get(PREDICTED_CONFIDENCE_KEY) or 0.0)
    classes = set(message.get(LEXICON_CLASSES) or [])
    like = complaint_like(classes)
    unsure_roadside = name == Intent.ROADSIDE_ASSISTANCE.value and not live_request(classes, confidence)
    if like and (unsure_roadside or told_story(message, name, unsure_roadside)):
        complaint = likeliest_complaint(message)
        if complaint:
            return complaint
    if bill_without_money(name, classes) and (complaint := next_complaint(message, name)):
        return complaint
    if like and (name in SMALL_TALK or unsure_roadside):
        return COMPLAINT_UNSURE
    return Intent.NLU_FALLBACK.value if unsure_roadside else None
