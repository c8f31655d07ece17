"""Vehicle identification numbers (车架号): 17 characters with a valid check digit."""

from __future__ import annotations

import re

from bot.constants import Entity
from bot.nlu.entities.span import EntitySpan
from bot.nlu.normalize import normalize

VIN_LENGTH = 17
CHECK_DIGIT_INDEX = 8
_VIN_CHARS = "0-9a-hj-npr-z"  # no I, O, Q
_IN_TEXT = re.compile(rf"(?<![a-z0-9])[{_VIN_CHARS}]{{{VIN_LENGTH}}}(?![a-z0-9])")
_ANY_ALNUM_RUN = re.compile(r"[a-z0-9]+")
_SEPARATED_RUN = re.compile(r"[a-z0-9]+(?:[\s\-]+[a-z0-9]+)*")

# Transliteration of letters to numbers and position weights of the check digit, from ISO 3779 as
# applied in North America (49 CFR 565) and in China (GB 16735, which makes the check digit mandatory).
_LETTER_VALUES = dict(
    zip(
        "ABCDEFGHJKLMNPRSTUVWXYZ",
        (1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 7, 9, 2, 3, 4, 5, 6, 7, 8, 9),
        strict=True,
    )
)
_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)


def vin_check_digit_ok(vin: str) -> bool:
    """Whether position 9 holds the check digit of the other 16 characters.

    Hand-written (no maintained Python library does this): each character's value (digits as
    themselves, letters by the standard transliteration) times its position weight, summed, modulo 11;
    a remainder of 10 is written "X".
    """
    vin = vin.upper()
    if len(vin) != VIN_LENGTH:
        return False
    total = 0
    for char, weight in zip(vin, _WEIGHTS, strict=True):
        if char.isdigit():
            value = int(char)
        elif char in _LETTER_VALUES:
            value = _LETTER_VALUES[char]
        else:
            return False
        total += value * weight
    remainder = total % 11
    return vin[CHECK_DIGIT_INDEX] == ("X" if remainder == 10 else str(remainder))


def _problem(candidate: str) -> str | None:
    """What is wrong with one 17-character candidate (lower case), or None."""
    if not re.fullmatch(rf"[{_VIN_CHARS}]+", candidate):
        return "characters"
    if not (re.search(r"[a-z]", candidate) and re.search(r"\d", candidate)):
        return "characters"
    if not vin_check_digit_ok(candidate):
        return "check_digit"
    return None


def find_vins(text: str) -> list[EntitySpan]:
    """Valid VINs in normalised text (offsets into it), upper case."""
    return [
        EntitySpan(Entity.VIN.value, m.start(), m.end(), m.group().upper())
        for m in _IN_TEXT.finditer(text)
        if _problem(m.group()) is None
    ]


def _candidates(text: str) -> list[str]:
    """17-character strings an answer may mean as its VIN: as typed, without spaces or dashes, all of it."""
    normalized = normalize(text).text
    runs = _ANY_ALNUM_RUN.findall(normalized)
    joined = [re.sub(r"[\s\-]", "", r) for r in _SEPARATED_RUN.findall(normalized)]
    everything = "".join(runs)
    return [c for c in (*runs, *joined, everything) if len(c) == VIN_LENGTH]


def normalise_vin(text: str) -> str | None:
    """The VIN in one answer, upper case, or None when there is no valid one."""
    for candidate in _candidates(text):
        if _problem(candidate) is None:
            return candidate.upper()
    return None


def vin_problem(text: str) -> str | None:
    """Why an answer is no VIN: "length", "characters" (I/O/Q, no letter/digit), "check_digit"; else None."""
    candidates = _candidates(text)
    if not candidates:
        return "length"
    problems = [_problem(c) for c in candidates]
    if None in problems:
        return None
    return "check_digit" if "check_digit" in problems else "characters"
