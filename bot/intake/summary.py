"""The summary a customer confirms: every detail in their language, names not ids, the price jump."""

from __future__ import annotations

import calendar
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from bot.constants import Language, Slot
from bot.intake.display_names import display_name
from bot.nlu.entities.approximate_date import DAY, MONTH, WEEK, period_of

# Order of the summary lines.
SUMMARY_SLOTS = (
    Slot.CATEGORY,
    Slot.SECONDARY_CATEGORY,
    Slot.VEHICLE_MODEL,
    Slot.PHONE,
    Slot.CUSTOMER_NAME,
    Slot.DEALER,
    Slot.SERVICE_DATE,
    Slot.PART,
    Slot.QUOTED_AMOUNT,
    Slot.CHARGED_AMOUNT,
    Slot.MILEAGE,
    Slot.VIN,
    Slot.LICENSE_PLATE,
    Slot.LOCATION,
    Slot.DESCRIPTION,
)
_CATEGORY_SLOTS = (Slot.CATEGORY, Slot.SECONDARY_CATEGORY)

# Renders a domain response by name in the customer's language, with placeholders filled.
Text = Callable[..., str]


def _amount(value: Any) -> Decimal | None:
    """An amount slot as a number."""
    try:
        return Decimal(str(value)) if value not in (None, "") else None
    except InvalidOperation:
        return None


def _money(amount: Decimal) -> str:
    """1000 -> "1,000"; 99.5 -> "99.5"."""
    return f"{amount:,.0f}" if amount == amount.to_integral_value() else f"{amount:,}"


def date_text(value: str, language: str, text: Text) -> str:
    """A service date as the customer said it: a day, "2026年10月(大约)", "around October 2026"."""
    period = period_of(value)
    if period is None or period[1] == DAY:
        return value
    first, precision = period
    month_name = calendar.month_name[first.month] if language == Language.EN else str(first.month)
    response = {MONTH: "utter_date_month", WEEK: "utter_date_week"}[precision]
    return text(response, year=first.year, month=month_name, day=first.day) or value


def price_jump(slots: Mapping[str, Any], text: Text) -> str | None:
    """ "200 → 1,000 (+800)" when the customer was asked or made to pay more than first quoted."""
    quoted = _amount(slots.get(Slot.QUOTED_AMOUNT.value))
    charged = _amount(slots.get(Slot.CHARGED_AMOUNT.value))
    if quoted is None or charged is None or charged == quoted:
        return None
    sign = "+" if charged > quoted else "-"
    return text(
        "utter_price_jump",
        quoted=_money(quoted),
        charged=_money(charged),
        difference=f"{sign}{_money(abs(charged - quoted))}",
    )


def _shown(slot: Slot, value: Any, language: str, text: Text) -> str:
    """A slot value as the customer should read it."""
    if slot in _CATEGORY_SLOTS:
        return text(f"utter_label_category_{value}") or str(value)
    if slot == Slot.SERVICE_DATE:
        return date_text(str(value), language, text)
    if slot in (Slot.QUOTED_AMOUNT, Slot.CHARGED_AMOUNT):
        amount = _amount(value)
        return _money(amount) if amount is not None else str(value)
    return display_name(slot, str(value), language)


def summary_details(slots: Mapping[str, Any], language: str, text: Text) -> str:
    """One line per collected detail, labelled in the customer's language, then the price jump."""
    lines = []
    for slot in SUMMARY_SLOTS:
        value = slots.get(slot.value)
        if value in (None, ""):
            continue
        lines.append(f"· {text(f'utter_label_slot_{slot.value}')}: {_shown(slot, value, language, text)}")
    jump = price_jump(slots, text)
    if jump:
        lines.insert(_after_amounts(lines, slots), f"· {text('utter_label_price_jump')}: {jump}")
    return "\n".join(lines)


def _after_amounts(lines: list[str], slots: Mapping[str, Any]) -> int:
    """Where the price-jump line goes: right after the amount lines."""
    shown = [s for s in SUMMARY_SLOTS if slots.get(s.value) not in (None, "")]
    return shown.index(Slot.CHARGED_AMOUNT) + 1 if Slot.CHARGED_AMOUNT in shown else len(lines)
