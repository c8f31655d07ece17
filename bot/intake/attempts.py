"""Counting failed answers per detail, and when an optional detail is given up on."""

from __future__ import annotations

from collections.abc import Mapping

from bot.constants import Slot
from bot.intake.spec import OPTIONAL_SLOTS

MAX_FAILED_ATTEMPTS = 2


def attempts_of(attempts: Mapping[str, int] | None, slot: Slot) -> int:
    """Failed attempts so far for `slot`."""
    return int((attempts or {}).get(slot.value, 0))


def with_failure(attempts: Mapping[str, int] | None, slot: Slot) -> dict[str, int]:
    """The attempt counts after one more failed answer for `slot` (a new dict)."""
    counted = dict(attempts or {})
    counted[slot.value] = counted.get(slot.value, 0) + 1
    return counted


def gives_up(slot: Slot, failures: int) -> bool:
    """True when an optional detail has failed often enough to be skipped."""
    return slot in OPTIONAL_SLOTS and failures >= MAX_FAILED_ATTEMPTS


def with_skipped(skipped: list[str] | None, slot: Slot) -> list[str]:
    """The skipped details after skipping `slot` (a new list, each slot once)."""
    names = list(skipped or [])
    if slot.value not in names:
        names.append(slot.value)
    return names
