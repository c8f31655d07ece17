"""Odometer readings in kilometres (3万公里, 45,000 km, 30k km, 20,000 miles, 跑了两万)."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal

from bot.constants import Entity
from bot.nlu.entities.quantity import QUANTITY, parse_quantity
from bot.nlu.entities.span import EntitySpan
from bot.nlu.entities.units import COUNTED, CURRENCY_AFTER, KILOMETRES, MILES
from bot.nlu.normalize import normalize

KM_PER_MILE = Decimal("1.609344")
# Without a unit, a number after 跑了/里程 is a distance only from this size on (开了3 is not).
MIN_UNITLESS_KM = Decimal(100)
MAX_KM = Decimal(5_000_000)

_NOT_GLUED = r"(?<![a-z0-9.:/\-_])"
_WITH_UNIT = re.compile(
    rf"{_NOT_GLUED}(?P<number>{QUANTITY})[多余]?\s*(?:(?P<km>{KILOMETRES})|(?P<miles>{MILES}))"
)
_CUE = r"(?:里程(?:数|表)?|跑了|开了|行驶了?|odometer(?: reading)?|mileage)"
_AFTER_CUE = re.compile(rf"{_CUE}[^\d。！？!?;；\n]{{0,6}}?{_NOT_GLUED}(?P<number>{QUANTITY})[多余]?")
_GLUED_AFTER = re.compile(r"[a-z0-9:/_]|-\d")


def _kilometres(number: str, miles: bool) -> Decimal | None:
    """The distance in whole kilometres, or None when it is no plausible reading."""
    value = parse_quantity(number)
    if value is None:
        return None
    if miles:
        value *= KM_PER_MILE
    if not Decimal(0) < value <= MAX_KM:  # before rounding: quantize fails beyond 28 digits
        return None
    value = value.quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return value if value > 0 else None


def _with_unit(text: str) -> list[EntitySpan]:
    """Numbers followed by a distance unit."""
    spans = []
    for match in _WITH_UNIT.finditer(text):
        km = _kilometres(match.group("number"), miles=bool(match.group("miles")))
        if km is not None:
            spans.append(EntitySpan(Entity.MILEAGE.value, match.start(), match.end(), str(int(km))))
    return spans


def _after_cue(text: str) -> list[EntitySpan]:
    """Unit-less numbers after a mileage word (跑了两万, mileage 45000)."""
    spans = []
    for match in _AFTER_CUE.finditer(text):
        rest = text[match.end() :]
        if _GLUED_AFTER.match(rest) or COUNTED.match(rest) or CURRENCY_AFTER.match(rest):
            continue
        km = _kilometres(match.group("number"), miles=False)
        if km is not None and km >= MIN_UNITLESS_KM:
            spans.append(EntitySpan(Entity.MILEAGE.value, match.start("number"), match.end(), str(int(km))))
    return spans


def find_mileages(text: str) -> list[EntitySpan]:
    """Mileages in normalised text (offsets into it), in kilometres."""
    with_unit = _with_unit(text)
    taken = [(s.start, s.end) for s in with_unit]
    unitless = [s for s in _after_cue(text) if all(s.end <= a or s.start >= b for a, b in taken)]
    return sorted(with_unit + unitless, key=lambda s: s.start)


def normalise_mileage(text: str) -> str | None:
    """Kilometres as an integer string from one answer ("3万公里", "45,000 km", "30000"), or None."""
    normalized = normalize(text).text.strip()
    found = find_mileages(normalized)
    if found:
        return found[0].value
    match = re.fullmatch(rf"(?P<number>{QUANTITY})[多余]?", normalized)
    km = _kilometres(match.group("number"), miles=False) if match else None
    return str(int(km)) if km is not None else None
