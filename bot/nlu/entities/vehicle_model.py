"""Vehicle models by their lexicon name (帕萨特 / passat / 帕薩特 -> Passat)."""

from __future__ import annotations

from functools import lru_cache

from bot.constants import Entity
from bot.nlu.entities.aliases import AliasMatcher
from bot.nlu.entities.span import EntitySpan
from bot.nlu.lexicon import load_lexicon
from bot.nlu.normalize import normalize


@lru_cache(maxsize=1)
def _matcher() -> AliasMatcher:
    """The alias matcher over the lexicon's vehicle models."""
    return AliasMatcher(load_lexicon().vehicle_models)


def find_vehicle_models(text: str) -> list[EntitySpan]:
    """Vehicle models in normalised text (offsets into it), as lexicon names."""
    return [EntitySpan(Entity.VEHICLE_MODEL.value, s, e, name) for s, e, name in _matcher().find(text)]


def normalise_vehicle_model(text: str) -> str | None:
    """The lexicon name of the model in one answer, or None when no known model is named."""
    found = find_vehicle_models(normalize(text).text)
    return found[0].value if found else None
