"""Rule-based entity extraction with canonical values, and normalisers for single form answers."""

from bot.nlu.entities.amount import normalise_amount
from bot.nlu.entities.date import normalise_date
from bot.nlu.entities.extract import extract_entities
from bot.nlu.entities.mileage import normalise_mileage
from bot.nlu.entities.part import normalise_part
from bot.nlu.entities.phone import normalise_phone, phone_problem
from bot.nlu.entities.plate import normalise_plate
from bot.nlu.entities.span import EntitySpan
from bot.nlu.entities.ticket_ref import normalise_ticket_ref
from bot.nlu.entities.vehicle_model import normalise_vehicle_model
from bot.nlu.entities.vin import normalise_vin, vin_check_digit_ok, vin_problem

__all__ = [
    "EntitySpan",
    "extract_entities",
    "normalise_amount",
    "normalise_date",
    "normalise_mileage",
    "normalise_part",
    "normalise_phone",
    "normalise_plate",
    "normalise_ticket_ref",
    "normalise_vehicle_model",
    "normalise_vin",
    "phone_problem",
    "vin_check_digit_ok",
    "vin_problem",
]
