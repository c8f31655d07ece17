"""Renders the domain's bilingual responses inside actions, for texts composed from several fragments."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker

from bot.constants import Language, Slot


def language_of(tracker: Tracker) -> str:
    """The customer's language for this conversation (Chinese unless they wrote English)."""
    return tracker.get_slot(Slot.LANGUAGE.value) or Language.ZH.value


def render(domain: dict[str, Any], name: str, language: str, **values: Any) -> str:
    """Text of response `name` in `language`, chosen like Rasa chooses it, with placeholders filled."""
    variants = domain.get("responses", {}).get(name, [])
    default = None
    for variant in variants:
        conditions = variant.get("condition") or []
        if not conditions:
            default = default or variant
        elif all(c.get("name") == Slot.LANGUAGE.value and c.get("value") == language for c in conditions):
            default = variant
            break
    if default is None:
        return ""
    text = str(default.get("text", ""))
    return text.format_map(_Blank(values)) if values else text


class _Blank(dict):  # type: ignore[type-arg]
    """format_map helper: unknown placeholders render empty instead of raising."""

    def __missing__(self, key: str) -> str:
        return ""
