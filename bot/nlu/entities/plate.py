"""Chinese licence plates (车牌号), ordinary and new-energy, upper case without separators."""

from __future__ import annotations

import re

from bot.constants import Entity
from bot.nlu.entities.span import EntitySpan
from bot.nlu.normalize import normalize

PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
# Hand-written after GA 36-2018 (no library covers Chinese plates). After the province and the
# issuing-office letter: an ordinary serial of 5 letters/digits (no I or O; we ask for at least two
# digits, as issued serials have), or a new-energy serial of 6: D/F first then a letter or digit and
# four digits (small vehicles), or five digits then D/F (large vehicles).
_SEPARATOR = r"[·・•\.\-\s]?"
_NEW_ENERGY = r"[df][a-hj-np-z0-9]\d{4}|\d{5}[df]"
_ORDINARY = r"(?=(?:[a-hj-np-z]*\d){2})[a-hj-np-z0-9]{5}"
_PLATE = re.compile(
    rf"(?P<province>[{PROVINCES}])(?P<office>[a-hj-z]){_SEPARATOR}(?P<serial>{_NEW_ENERGY}|{_ORDINARY})(?![a-z0-9])"
)


def find_plates(text: str) -> list[EntitySpan]:
    """Licence plates in normalised text (offsets into it): 粤B·D12345 -> 粤BD12345."""
    return [
        EntitySpan(
            Entity.LICENSE_PLATE.value,
            m.start(),
            m.end(),
            f"{m.group('province')}{m.group('office')}{m.group('serial')}".upper(),
        )
        for m in _PLATE.finditer(text)
    ]


def normalise_plate(text: str) -> str | None:
    """The licence plate in one answer, or None when there is no valid one."""
    found = find_plates(normalize(text).text)
    return found[0].value if found else None
