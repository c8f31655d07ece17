"""Form validation for the intake forms: normalise each answer, explain a bad one, allow skips."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.constants import Category, Slot
from bot.intake.attempts import attempts_of, gives_up, with_failure, with_skipped
from bot.intake.case import slots_set_this_turn
from bot.intake.dates import service_date
from bot.intake.names import extract_name
from bot.intake.questions import asked_together, declines, read_answer, still_needed
from bot.intake.roadside import is_location
from bot.intake.skips import is_skip
from bot.intake.spec import CATEGORIES, FORM_OF, NOT_AN_ANSWER, OPTIONAL_SLOTS
from bot.intake.vehicles import named_model
from bot.nlu.entities import (
    normalise_amount,
    normalise_mileage,
    normalise_part,
    normalise_phone,
    normalise_plate,
    normalise_vehicle_model,
    normalise_vin,
    vin_problem,
)
from bot.nlu.normalize import normalize

MAX_FREE_TEXT = 200
# What an unlisted model name can look like ("2008款老宝来", "e-Golf", "CC 猎装版"): no markup, no sentences.
_MODEL_NAME = re.compile(r"[\w .\-·+]{1,30}")


def _free_text(value: Any, limit: int = MAX_FREE_TEXT) -> str | None:
    """A free-text answer, trimmed; None when empty."""
    if not isinstance(value, str):
        return None
    text = " ".join(value.split())
    return text[:limit] or None


class IntakeFormValidation(FormValidationAction):
    """Shared validation of the intake slots; one subclass per form of the intake spec."""

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

    async def get_validation_events(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Read the answer to the question asked: every detail of a grouped question, a declined optional one.

        A bare "没有"/"no" to an optional question skips it (the cancel question is for required ones).
        """
        requested = tracker.get_slot("requested_slot")
        required = await self.required_slots(self.domain_slots(domain), dispatcher, tracker, domain)
        if not requested or requested not in required:
            return await super().get_validation_events(dispatcher, tracker, domain)
        skipped = tracker.get_slot(Slot.SKIPPED_SLOTS.value) or []
        answered_now = slots_set_this_turn(tracker.events)
        asked = asked_together(requested, still_needed(required, tracker.slots, skipped, answered_now))
        text = tracker.latest_message.get("text") or ""
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        declined = declines(text, intent, asked)
        if declined and Slot(requested) in OPTIONAL_SLOTS:
            dispatcher.utter_message(response="utter_slot_skipped")
            return self._missing(asked, tracker)
        if declined or len(asked) == 1:  # a required detail declined: the rules ask whether to cancel
            return await super().get_validation_events(dispatcher, tracker, domain)
        answer = read_answer(text, asked, free_text=intent not in NOT_AN_ANSWER)
        if not answer.values and intent in NOT_AN_ANSWER:  # a digression or a cancel: the rules answer it
            return await super().get_validation_events(dispatcher, tracker, domain)
        extracted = tracker.slots_to_validate().items()
        candidates = {k: v for k, v in extracted if k not in asked and k in required}
        candidates.update(answer.values)
        validated: dict[str, Any] = {}
        for slot, value in candidates.items():
            output = getattr(self, f"validate_{slot}")(value, dispatcher, tracker, domain)
            validated.update(output)
            tracker.slots.update(output)  # later checks see earlier results, as the SDK's loop does
        events: list[EventType] = [SlotSet(slot, value) for slot, value in validated.items()]
        return [*events, *self._missing(answer.missing, tracker)]

    def _missing(self, slots: tuple[str, ...], tracker: Tracker) -> list[EventType]:
        """Details the answer left out: optional ones recorded as skipped, required ones asked again."""
        skipped = list(tracker.get_slot(Slot.SKIPPED_SLOTS.value) or [])
        for slot in slots:
            if Slot(slot) in OPTIONAL_SLOTS:
                skipped = with_skipped(skipped, Slot(slot))
        return [*(SlotSet(slot, None) for slot in slots), SlotSet(Slot.SKIPPED_SLOTS.value, skipped)]

    # --- bookkeeping -------------------------------------------------------------------------

    def _skip(self, slot: Slot, tracker: Tracker, dispatcher: CollectingDispatcher) -> dict[str, Any]:
        """Record that an optional slot is skipped."""
        dispatcher.utter_message(response="utter_slot_skipped")
        skipped = with_skipped(tracker.get_slot(Slot.SKIPPED_SLOTS.value), slot)
        return {slot.value: None, Slot.SKIPPED_SLOTS.value: skipped}

    def _reject(
        self, slot: Slot, response: str, tracker: Tracker, dispatcher: CollectingDispatcher
    ) -> dict[str, Any]:
        """Explain a bad answer; an optional slot is skipped after the second failed attempt."""
        attempts = with_failure(tracker.get_slot(Slot.FAILED_ATTEMPTS.value), slot)
        if gives_up(slot, attempts[slot.value]):
            return {**self._skip(slot, tracker, dispatcher), Slot.FAILED_ATTEMPTS.value: attempts}
        dispatcher.utter_message(response=response)
        return {slot.value: None, Slot.FAILED_ATTEMPTS.value: attempts}

    def _attempts(self, slot: Slot, tracker: Tracker) -> int:
        """Failed attempts so far for a slot."""
        return attempts_of(tracker.get_slot(Slot.FAILED_ATTEMPTS.value), slot)

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
        """Ours by canonical name, another brand's by brand and model; else as written on the second try."""
        model = (normalise_vehicle_model(str(value)) or named_model(str(value))) if value else None
        if model:
            return {Slot.VEHICLE_MODEL.value: model}
        text = _free_text(value, 60)
        if text and _MODEL_NAME.fullmatch(text) and self._attempts(Slot.VEHICLE_MODEL, tracker) >= 1:
            return {Slot.VEHICLE_MODEL.value: text}
        return self._reject(Slot.VEHICLE_MODEL, "utter_invalid_vehicle_model", tracker, dispatcher)

    def validate_phone(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """A valid phone number (China by default), stored in E.164 (a name given with it: `read_answer`)."""
        phone = normalise_phone(str(value)) if value else None
        if not phone:
            return self._reject(Slot.PHONE, "utter_invalid_phone", tracker, dispatcher)
        return {Slot.PHONE.value: phone}

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
        """A past or present date as ISO; a rough one ("上个月", "last month") at its month or week."""
        return self._normalised(
            Slot.SERVICE_DATE, value, service_date, "utter_invalid_date", tracker, dispatcher
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
        """What the customer was first quoted."""
        return self._amount(Slot.QUOTED_AMOUNT, value, dispatcher, tracker)

    def validate_charged_amount(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """What the customer was then asked or made to pay."""
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
        """Where a stranded customer is, in their words (a road, street or landmark, not a stray symbol)."""
        text = _free_text(value, 300)
        if text and is_location(text):
            return {Slot.LOCATION.value: text}
        return self._reject(Slot.LOCATION, "utter_invalid_location", tracker, dispatcher)


class ValidateRoadsideAssistanceForm(IntakeFormValidation):
    """Stranded customer: location, phone, and a plate unless the model is already known."""

    form = FORM_OF[Category.ROADSIDE_ASSISTANCE]

    async def extract_location(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """A location shared as coordinates by the channel answers the question, whatever its intent."""
        message = tracker.latest_message or {}
        shared = (message.get("metadata") or {}).get("location")
        if tracker.get_slot("requested_slot") == Slot.LOCATION.value and isinstance(shared, dict):
            return {Slot.LOCATION.value: message.get("text")}
        return {}

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


def _validator_class(form: str) -> type[IntakeFormValidation]:
    """A validation action class for one form of the spec."""
    name = "Validate" + "".join(part.title() for part in form.split("_"))
    return type(name, (IntakeFormValidation,), {"form": form, "__doc__": f"Validates {form}."})


# One validator per intake form of the spec (roadside has its own rules above).
FORM_VALIDATORS: dict[str, type[IntakeFormValidation]] = {
    category.form: ValidateRoadsideAssistanceForm
    if category.form == ValidateRoadsideAssistanceForm.form
    else _validator_class(category.form)
    for category in CATEGORIES
}
