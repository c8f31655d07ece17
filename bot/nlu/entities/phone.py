"""Phone numbers (China by default) found and validated with the phonenumbers library, as E.164."""

from __future__ import annotations

import re

import phonenumbers

from bot.constants import Entity
from bot.nlu.entities.span import EntitySpan
from bot.nlu.normalize import normalize

DEFAULT_REGION = "CN"
MOBILE_DIGITS = 11
# How a customer writes a Chinese number: international (+86 / 0086), a landline with its leading 0,
# an 11-digit mobile starting with 1 (perhaps after 86), or a 400/800 service line. phonenumbers
# alone also accepts "2026-000123" (an area code without its 0): a ticket number or date far more often.
_PLAUSIBLE = re.compile(r"\+|0|(?:86)?1\d{10}$|[48]00")
_DIGIT_RUN = re.compile(r"\+?\d(?:[\d\s\-()]*\d)?")


def _plausible(raw: str) -> bool:
    """Whether the matched text is written the way customers write phone numbers."""
    digits = re.sub(r"[^\d+]", "", raw)
    return bool(_PLAUSIBLE.match(digits))


def find_phones(text: str) -> list[EntitySpan]:
    """Valid phone numbers in normalised text (offsets into it), as E.164."""
    spans = []
    for match in phonenumbers.PhoneNumberMatcher(text, DEFAULT_REGION):
        if not phonenumbers.is_valid_number(match.number) or not _plausible(match.raw_string):
            continue
        value = phonenumbers.format_number(match.number, phonenumbers.PhoneNumberFormat.E164)
        spans.append(EntitySpan(Entity.PHONE.value, match.start, match.end, value))
    return spans


def normalise_phone(text: str) -> str | None:
    """The phone number in one answer as E.164 (+8613812345678), or None when there is no valid one."""
    found = find_phones(normalize(text).text)
    return found[0].value if found else None


def phone_problem(text: str) -> str | None:
    """Why an answer is no phone number: "missing" (no digits), "length", "invalid"; None when it is one."""
    if normalise_phone(text):
        return None
    runs = _DIGIT_RUN.findall(normalize(text).text)
    if not runs:
        return "missing"
    digits = re.sub(r"\D", "", max(runs, key=len))
    if digits.startswith("1") and len(digits) != MOBILE_DIGITS:
        return "length"
    try:
        number = phonenumbers.parse(digits, DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        return "invalid"
    if phonenumbers.is_possible_number_with_reason(number) in (
        phonenumbers.ValidationResult.TOO_SHORT,
        phonenumbers.ValidationResult.TOO_LONG,
        phonenumbers.ValidationResult.INVALID_LENGTH,
    ):
        return "length"
    return "invalid"
