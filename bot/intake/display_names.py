"""What customers read for a canonical id: `迈腾`/`Magotan`, `鼓风机`/`blower motor` (ids stay in tickets).

The names come from the domain lexicon (bot/nlu/resources/lexicon.yml), the one list of models and parts:
Chinese is the first Chinese alias, English the canonical id in words (models are named by their id).
"""

from __future__ import annotations

import re
from functools import lru_cache

from bot.constants import Language, Slot
from bot.nlu.lexicon import load_lexicon

_CJK = re.compile(r"[\u4e00-\u9fff]")
_LATIN_WORD = re.compile(r"[a-z][a-z0-9.\-]*")


def _chinese_alias(aliases: tuple[str, ...]) -> str | None:
    """The first alias written in Chinese, with Latin model codes upper-cased again (奥迪A4L)."""
    for alias in aliases:
        if _CJK.search(alias):
            return _LATIN_WORD.sub(lambda m: m.group().upper(), alias)
    return None


@lru_cache(maxsize=1)
def _names() -> dict[Slot, dict[str, dict[str, str]]]:
    """Display names per slot, canonical id and language."""
    lexicon = load_lexicon()
    names: dict[Slot, dict[str, dict[str, str]]] = {Slot.VEHICLE_MODEL: {}, Slot.PART: {}}
    for model, aliases in lexicon.vehicle_models.items():
        names[Slot.VEHICLE_MODEL][model] = {Language.EN: model, Language.ZH: _chinese_alias(aliases) or model}
    for part, aliases in lexicon.parts.items():
        english = part.replace("_", " ")
        names[Slot.PART][part] = {Language.EN: english, Language.ZH: _chinese_alias(aliases) or english}
    return names


def display_name(slot: Slot | str, value: str, language: str) -> str:
    """The customer-facing name of a model or part id in `language`; anything else as it is."""
    names = _names().get(slot, {}).get(value)  # type: ignore[call-overload]  # Slot is a str enum
    if not names:
        return value
    return names.get(language, names[Language.ZH])  # type: ignore[call-overload]
