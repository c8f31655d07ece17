"""What intake hands to the store: a ticket's details as collected, coerced to the column types."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from bot.constants import Role
from bot.nlu.entities.approximate_date import period_of

# Column widths of the tickets table (free-text answers are cut to fit rather than refused).
_MAX_CHARS = {"customer_name": 100, "dealer": 200, "location": 500, "part": 64, "vehicle_model": 64}


@dataclass(frozen=True)
class TranscriptLine:
    """One line of a conversation: who said it, what, and when (aware UTC)."""

    role: Role
    text: str
    at: dt.datetime


@dataclass(frozen=True)
class TicketDraft:
    """A ticket about to be filed; detail fields carry the slot names of the domain."""

    conversation_key: str
    category: str
    channel: str
    sender_id: str
    language: str
    transcript: list[Any] = field(default_factory=list)
    secondary_category: str | None = None
    customer_name: str | None = None
    phone: str | None = None
    vehicle_model: str | None = None
    vin: str | None = None
    license_plate: str | None = None
    dealer: str | None = None
    service_date: Any = None
    service_date_precision: str | None = None
    part: str | None = None
    quoted_amount: Any = None
    charged_amount: Any = None
    mileage: Any = None
    location: str | None = None
    description: str | None = None


# The details a draft carries besides identity and transcript (the same names as the ticket columns).
DETAIL_FIELDS: tuple[str, ...] = tuple(
    f.name
    for f in dataclasses.fields(TicketDraft)
    if f.name not in ("conversation_key", "category", "channel", "sender_id", "language", "transcript")
)


def _text(value: Any, name: str) -> str | None:
    """Stripped text cut to the column width, None when empty."""
    if value is None:
        return None
    text = str(value).strip()
    limit = _MAX_CHARS.get(name)
    return (text[:limit] if limit else text) or None


def _date(value: Any) -> dt.date | None:
    """An ISO date, or the first day of an ISO week or month (slots hold strings); junk is dropped."""
    if value in (None, ""):
        return None
    if isinstance(value, dt.date):
        return value
    period = period_of(str(value)[:10])
    return period[0] if period else None


def date_precision(value: Any) -> str | None:
    """day, week or month: how precisely a service date value was given."""
    if isinstance(value, dt.date):
        return "day"
    period = period_of(str(value)[:10]) if value not in (None, "") else None
    return period[1] if period else None


def _decimal(value: Any) -> Decimal | None:
    """An amount in CNY."""
    if value in (None, ""):
        return None
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return None
    return amount if amount.is_finite() and amount >= 0 else None


def _int(value: Any) -> int | None:
    """Whole kilometres."""
    amount = _decimal(value)
    return int(amount) if amount is not None else None


_COERCE: dict[str, Callable[[Any], Any]] = {
    "service_date": _date,
    "quoted_amount": _decimal,
    "charged_amount": _decimal,
    "mileage": _int,
}


def column_value(name: str, value: Any) -> Any:
    """One detail as the value of its ticket column (typed; text trimmed to the column width)."""
    coerce = _COERCE.get(name)
    return coerce(value) if coerce else _text(value, name)


def column_values(draft: TicketDraft) -> dict[str, Any]:
    """The draft's details as values for the ticket columns (the date's precision from its value)."""
    values = {name: column_value(name, getattr(draft, name)) for name in DETAIL_FIELDS}
    if values["service_date"] is not None and not values["service_date_precision"]:
        values["service_date_precision"] = date_precision(draft.service_date)
    return values


def transcript_lines(draft: TicketDraft) -> list[TranscriptLine]:
    """The draft's transcript as typed lines (accepts lines or {role, text, at} dicts)."""
    lines = []
    for line in draft.transcript:
        if isinstance(line, TranscriptLine):
            lines.append(line)
            continue
        at = line["at"]
        if not isinstance(at, dt.datetime):
            at = dt.datetime.fromisoformat(str(at))
        lines.append(TranscriptLine(Role(line["role"]), str(line["text"]), at))
    return lines
