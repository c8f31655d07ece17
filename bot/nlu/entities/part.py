"""Vehicle parts by their lexicon id (鼓风机 -> blower_motor, AC / 空调 -> air_conditioning)."""

from __future__ import annotations

from functools import lru_cache

from bot.constants import Entity
from bot.nlu.entities.aliases import AliasMatcher
from bot.nlu.entities.span import EntitySpan
from bot.nlu.lexicon import load_lexicon
from bot.nlu.normalize import normalize


@lru_cache(maxsize=1)
def _matcher() -> AliasMatcher:
    """The alias matcher over the lexicon's parts."""
    return AliasMatcher(load_lexicon().parts)


def find_parts(text: str) -> list[EntitySpan]:
    """Parts in normalised text (offsets into it), as lexicon part ids."""
    return [EntitySpan(Entity.PART.value, s, e, part) for s, e, part in _matcher().find(text)]


def normalise_part(text: str) -> str | None:
    """The lexicon id of the part in one answer, or None when no known part is named."""
    found = find_parts(normalize(text).text)
    return found[0].value if found else None
