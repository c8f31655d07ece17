"""The entity span every rule-based finder returns."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class EntitySpan:
    """One entity with its canonical value.

    From `extract_entities`, start/end are offsets into the customer's original text; the per-entity
    finders (`find_*`) return offsets into the normalised text, which the aggregator maps back.
    """

    entity: str  # an Entity value from bot.constants
    start: int
    end: int
    value: str  # canonical value
    role: str | None = None  # only for amount: AmountRole.QUOTED / AmountRole.CHARGED
