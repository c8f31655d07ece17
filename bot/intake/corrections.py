"""Understands a free-text correction of one detail ("名字错了,是张伟", "the dealer is Chengdu South")."""

from __future__ import annotations

import re

from bot.constants import Slot

# Field words in Chinese and English, for details that no entity extractor recognises by shape.
_FIELDS: tuple[tuple[Slot, str], ...] = (
    (Slot.CUSTOMER_NAME, r"名字|姓名|称呼|name"),
    (Slot.DEALER, r"经销商|4s店|维修站|服务站|店名|dealer(?:ship)?|service station"),
    (Slot.LOCATION, r"位置|地点|地址|location|address"),
    (Slot.DESCRIPTION, r"描述|问题是|description"),
)
_VALUE = re.compile(
    r"(?:应该是|应为|改成|改为|换成|是|为|should be|change it to|change to|it'?s|is|:|:)\s*(?P<value>.+)$",
    re.IGNORECASE,
)


def correction_from_text(text: str) -> tuple[Slot, str] | None:
    """The slot a correction names and its new value, or None if the message names no field or value."""
    lowered = text.strip().lower()
    for slot, words in _FIELDS:
        field = re.search(words, lowered)
        if not field:
            continue
        rest = text.strip()[field.end() :]
        match = _VALUE.search(rest)
        if not match:
            continue
        value = match.group("value").strip().rstrip("。.!!,,")  # noqa: B005 - a set of punctuation marks
        if value:
            return slot, value
    return None
