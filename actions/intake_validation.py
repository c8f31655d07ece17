"""Form validation for the intake forms: normalise each answer, explain a bad one, allow skips."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.skips import is_skip
from bot.constants import Category, Slot
from bot.nlu.entities import (
    normalise_amount,
    normalise_date,
    normalise_mileage,
    normalise_part,
    normalise_phone,
    normalise_plate,
    normalise_vehicle_model,
    normalise_vin,
    vin_problem,
)
from bot.nlu.normalize import normalize

OPTIONAL_SLOTS = frozenset(
    {
        Slot.DEALER,
        Slot.SERVICE_DATE,
        Slot.PART,
        Slot.CUSTOMER_NAME,
        Slot.MILEAGE,
        Slot.VIN,
        Slot.LICENSE_PLATE,
    }
)
MAX_FAILED_ATTEMPTS = 2
MAX_FREE_TEXT = 200
# What an unlisted model name can look like ("2008款老宝来", "e-Golf", "CC 猎装版"): no markup, no sentences.
_MODEL_NAME = re.compile(r"[\w .\-·+]{1,30}")
_NAME_PATTERNS = (
    re.compile(r"(?:我姓|姓)(\S{1,2})"),
    re.compile(r"(?:我叫|叫我|我是|名字是|名字叫)\s*(\S{1,12})"),
    re.compile(r"(?:my name is|i am|i'm|call me|this is|name'?s)\s+([a-z][a-z .'\-]{0,40})", re.IGNORECASE),
)


def extract_name(text: str) -> str:
    """The name in "我姓王" / "my name is Li Wei", or the trimmed answer itself."""
    cleaned = text.strip().rstrip("。.!!")  # noqa: B005 - a set of trailing punctuation marks
    for pattern in _NAME_PATTERNS:
        match = pattern.search(cleaned)
        if match:
            name = match.group(1).strip().rstrip(",,。.")  # noqa: B005 - a set of punctuation marks
            return f"{name}先生/女士" if pattern is _NAME_PATTERNS[0] else name
    return cleaned[:40]


def _free_text(value: Any, limit: int = MAX_FREE_TEXT) -> str | None:
    """A free-text answer, trimmed; None when empty."""
    if not isinstance(value, str):
        return None
    text = " ".join(value.split())
    return text[:limit] or None


class IntakeFormValidation(FormValidationAction):
    """Shared validation of the intake slots; subclasses only name their form."""

    form = ""

    def name(self) -> str:
        """Rasa's naming convention: validate_<form>."""
        return f"validate_{self.form}"

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        """The form's slots minus those the customer skipped."""
        skipped = set(tracker.get_slot(Slot.SKIPPED_SLOTS.value) or [])
        return [slot for slot in domain_slots if slot not in skipped]

    # --- bookkeeping -------------------------------------------------------------------------

    def _skip(self, slot: Slot, tracker: Tracker, dispatcher: CollectingDispatcher) -> dict[str, Any]:
        """Record that an optional slot is skipped."""
        skipped = list(tracker.get_slot(Slot.SKIPPED_SLOTS.value) or [])
        if slot.value not in skipped:
            skipped.append(slot.value)
        dispatcher.utter_message(response="utter_slot_skipped")
        return {slot.value: None, Slot.SKIPPED_SLOTS.value: skipped}

    def _reject(
        self, slot: Slot, response: str, tracker: Tracker, dispatcher: CollectingDispatcher
    ) -> dict[str, Any]:
        """Explain a bad answer; an optional slot is skipped after the second failed attempt."""
        attempts = dict(tracker.get_slot(Slot.FAILED_ATTEMPTS.value) or {})
        attempts[slot.value] = attempts.get(slot.value, 0) + 1
        if slot in OPTIONAL_SLOTS and attempts[slot.value] >= MAX_FAILED_ATTEMPTS:
            return {**self._skip(slot, tracker, dispatcher), Slot.FAILED_ATTEMPTS.value: attempts}
        dispatcher.utter_message(response=response)
        return {slot.value: None, Slot.FAILED_ATTEMPTS.value: attempts}

    def _attempts(self, slot: Slot, tracker: Tracker) -> int:
        """Failed attempts so far for a slot."""
        return int((tracker.get_slot(Slot.FAILED_ATTEMPTS.value) or {}).get(slot.value, 0))

    def _skippable(
        self, slot: Slot, value: Any, tracker: Tracker, dispatcher: CollectingDispatcher
    ) -> dict[str, Any] | None:
        """If the customer declined an optional question, the skip events; else None."""
        if slot in OPTIONAL_SLOTS and is_skip(value):
            return self._skip(slot, tracker, dispatcher)
        return None

    def _normalised(
        self,
        slot: Slot,
        value: Any,
        normalise: Callable[[str], str | None],
        response: str,
        tracker: Tracker,
        dispatcher: CollectingDispatcher,
    ) -> dict[str, Any]:
        """An optional detail: skipped on request, else normalised, else explained with `response`."""
        skipped = self._skippable(slot, value, tracker, dispatcher)
        if skipped:
            return skipped
        normalised = normalise(str(value)) if value else None
        if normalised:
            return {slot.value: normalised}
        return self._reject(slot, response, tracker, dispatcher)

    # --- slots -------------------------------------------------------------------------------

    def validate_description(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """The customer's own words; at least a few characters."""
        text = _free_text(value, 4000)
        if text and len(normalize(text).text.replace(" ", "")) >= 4:
            return {Slot.DESCRIPTION.value: text}
        if text and self._attempts(Slot.DESCRIPTION, tracker) >= 1:
            return {Slot.DESCRIPTION.value: text}
        return self._reject(Slot.DESCRIPTION, "utter_description_too_short", tracker, dispatcher)

    def validate_vehicle_model(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """A known model by canonical name; an unknown one is taken as written on the second try."""
        model = normalise_vehicle_model(str(value)) if value else None
        if model:
            return {Slot.VEHICLE_MODEL.value: model}
        text = _free_text(value, 60)
        if text and _MODEL_NAME.fullmatch(text) and self._attempts(Slot.VEHICLE_MODEL, tracker) >= 1:
            return {Slot.VEHICLE_MODEL.value: text}
        return self._reject(Slot.VEHICLE_MODEL, "utter_invalid_vehicle_model", tracker, dispatcher)

    def validate_phone(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """A valid phone number (China by default), stored in E.164."""
        phone = normalise_phone(str(value)) if value else None
        if phone:
            return {Slot.PHONE.value: phone}
        return self._reject(Slot.PHONE, "utter_invalid_phone", tracker, dispatcher)

    def validate_dealer(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """The dealer as the customer names it."""
        return self._skippable(Slot.DEALER, value, tracker, dispatcher) or {
            Slot.DEALER.value: _free_text(value, 100)
        }

    def validate_service_date(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """A past or present date, stored as ISO."""
        return self._normalised(
            Slot.SERVICE_DATE, value, normalise_date, "utter_invalid_date", tracker, dispatcher
        )

    def validate_part(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """A part id when we know the part, otherwise the customer's words."""
        skipped = self._skippable(Slot.PART, value, tracker, dispatcher)
        if skipped:
            return skipped
        part = normalise_part(str(value)) if value else None
        return {Slot.PART.value: part or _free_text(value, 60)}

    def _amount(
        self, slot: Slot, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> dict[str, Any]:
        """An amount in CNY."""
        amount = normalise_amount(str(value)) if value else None
        if amount:
            return {slot.value: amount}
        return self._reject(slot, "utter_invalid_amount", tracker, dispatcher)

    def validate_quoted_amount(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """What the customer was quoted."""
        return self._amount(Slot.QUOTED_AMOUNT, value, dispatcher, tracker)

    def validate_charged_amount(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """What the customer was charged."""
        return self._amount(Slot.CHARGED_AMOUNT, value, dispatcher, tracker)

    def validate_vin(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """A 17-character VIN with a correct check digit; the re-ask says what was wrong."""
        response = f"utter_invalid_vin_{vin_problem(str(value or '')) or 'length'}"
        return self._normalised(Slot.VIN, value, normalise_vin, response, tracker, dispatcher)

    def validate_license_plate(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """A Chinese licence plate, upper-case without separators."""
        return self._normalised(
            Slot.LICENSE_PLATE, value, normalise_plate, "utter_invalid_plate", tracker, dispatcher
        )

    def validate_mileage(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Kilometres as an integer."""
        return self._normalised(
            Slot.MILEAGE, value, normalise_mileage, "utter_invalid_mileage", tracker, dispatcher
        )

    def validate_customer_name(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """How to address the customer."""
        skipped = self._skippable(Slot.CUSTOMER_NAME, value, tracker, dispatcher)
        if skipped:
            return skipped
        name = extract_name(str(value)) if value else ""
        return {Slot.CUSTOMER_NAME.value: name or None}

    def validate_location(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Where a stranded customer is, in their words."""
        return {Slot.LOCATION.value: _free_text(value, 300)}


class ValidateRepairComplaintForm(IntakeFormValidation):
    """Repair did not fix the fault."""

    form = f"{Category.REPAIR_COMPLAINT}_form"


class ValidatePricingDisputeForm(IntakeFormValidation):
    """Bill differs from the quote."""

    form = f"{Category.PRICING_DISPUTE}_form"


class ValidateProductDefectForm(IntakeFormValidation):
    """Fault of the car itself."""

    form = f"{Category.PRODUCT_DEFECT}_form"


class ValidateStaffComplaintForm(IntakeFormValidation):
    """Staff conduct."""

    form = f"{Category.STAFF_COMPLAINT}_form"


class ValidateRoadsideAssistanceForm(IntakeFormValidation):
    """Stranded customer: location, phone, and a plate unless the model is already known."""

    form = f"{Category.ROADSIDE_ASSISTANCE}_form"

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        """Location and phone; the plate only when the model is unknown."""
        slots = await super().required_slots(domain_slots, dispatcher, tracker, domain)
        if tracker.get_slot(Slot.VEHICLE_MODEL.value):
            slots = [s for s in slots if s != Slot.LICENSE_PLATE.value]
        return slots
