"""Loads the held-out examples: text, gold intent and gold (entity, canonical value) pairs."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bot.constants import Entity
from bot.runtime.settings import PROJECT_ROOT

HOLDOUT_PATH = PROJECT_ROOT / "tests" / "data" / "nlu_holdout.yml"
# The day the held-out dates are written relative to (exported as BOT_TODAY while parsing).
HOLDOUT_TODAY = "2026-11-22"
IGNORED_ENTITIES = frozenset({Entity.LANGUAGE.value})

EntityValue = tuple[str, str]


@dataclass(frozen=True)
class Example:
    """One held-out message with its gold labels."""

    text: str
    intent: str
    entities: tuple[EntityValue, ...] = ()


def canonical(value: object) -> str:
    """An entity value as a comparable string (200.0 and "200" are the same amount)."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def entity_values(entities: list[dict]) -> tuple[EntityValue, ...]:
    """(entity, canonical value) pairs of Rasa entity dicts, without the ignored entity types."""
    return tuple(
        (str(e["entity"]), canonical(e.get("value", "")))
        for e in entities
        if e.get("entity") not in IGNORED_ENTITIES
    )


def load_examples(path: Path = HOLDOUT_PATH) -> list[Example]:
    """Every intent example of a Rasa NLU file, in file order."""
    from rasa.shared.nlu.training_data.loading import load_data

    data = load_data(str(path))
    return [
        Example(str(m.get("text")), str(m.get("intent")), entity_values(m.get("entities") or []))
        for m in data.intent_examples
    ]
