"""A service date answer: an exact day or a rough period (a canonical entity value or the words)."""

from __future__ import annotations

from bot.nlu.entities import normalise_date
from bot.nlu.entities.approximate_date import period_of
from bot.nlu.entities.date import reference_today


def service_date(value: str) -> str | None:
    """The date as ISO (`2026-10-05`, `2026-10`, `2026-W46`), or None when unreadable or in the future."""
    period = period_of(value)
    if period is not None:  # already canonical: the date entity's value
        return value.strip() if period[0] <= reference_today() else None
    return normalise_date(value)
