"""One intake's slots: which details belong to a case, and the slot values that open a new one."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from bot.constants import Slot
from bot.intake.secondary import secondary_category
from bot.intake.vehicles import named_model

# Details of one case; reset when a new intake starts. Customer and vehicle identity carry over.
CASE_SLOTS = (
    Slot.CATEGORY,
    Slot.SECONDARY_CATEGORY,
    Slot.DESCRIPTION,
    Slot.DEALER,
    Slot.SERVICE_DATE,
    Slot.PART,
    Slot.QUOTED_AMOUNT,
    Slot.CHARGED_AMOUNT,
    Slot.MILEAGE,
    Slot.LOCATION,
    Slot.SKIPPED_SLOTS,
    Slot.FAILED_ATTEMPTS,
)


def slots_set_this_turn(events: Iterable[Mapping[str, Any]]) -> set[str]:
    """Names of the slots set since the latest customer message (events oldest first)."""
    names: set[str] = set()
    for event in reversed(list(events)):
        if event.get("event") == "user":
            break
        if event.get("event") == "slot":
            names.add(str(event.get("name")))
    return names


def opening_slots(category: str, text: str, fresh: set[str], slots: Mapping[str, Any]) -> dict[str, Any]:
    """Slot values opening an intake: earlier case details cleared, this message's details kept.

    `fresh` names the slots the opening message itself filled; `slots` are the current values.
    """
    values: dict[str, Any] = {slot.value: None for slot in CASE_SLOTS if slot.value not in fresh}
    values[Slot.FILED_TICKET.value] = None
    values[Slot.CATEGORY.value] = category
    values[Slot.DESCRIPTION.value] = text
    secondary = secondary_category(
        category, text, slots.get(Slot.QUOTED_AMOUNT.value), slots.get(Slot.CHARGED_AMOUNT.value)
    )
    values[Slot.SECONDARY_CATEGORY.value] = secondary.value if secondary else None
    if Slot.VEHICLE_MODEL.value not in fresh and (model := named_model(text)):
        values[Slot.VEHICLE_MODEL.value] = model  # a car outside our lineup, named by brand and model
    return values


def closing_slots() -> dict[str, Any]:
    """Slot values that drop a cancelled case."""
    return {**{slot.value: None for slot in CASE_SLOTS}, "requested_slot": None}
