"""Rasa component for the rule-based entities (models, parts, amounts, dates, phones, VINs, plates...)."""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.entities.extract import extract_entities


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class DomainEntityExtractor(GraphComponent):
    """Adds entities with canonical values; spans point into the customer's original text."""

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> DomainEntityExtractor:
        """Create the component."""
        return cls()

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Nothing to learn; training data passes unchanged."""
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        """Extract entities from every message."""
        for message in messages:
            text = message.get(TEXT) or ""
            found = []
            for span in extract_entities(text):
                entity: dict[str, Any] = {
                    "entity": span.entity,
                    "start": span.start,
                    "end": span.end,
                    "value": span.value,
                    "confidence_entity": 1.0,
                    "extractor": self.__class__.__name__,
                }
                if span.role:
                    entity["role"] = span.role
                found.append(entity)
            if found:
                message.set(ENTITIES, [*message.get(ENTITIES, []), *found], add_to_output=True)
        return messages
