"""All rule-based entities of a message: every finder on the normalised text, overlaps resolved."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable

from bot.constants import Entity
from bot.nlu.entities.amount import find_amounts
from bot.nlu.entities.date import find_dates, reference_today
from bot.nlu.entities.dealer import find_dealers, trim_dealer
from bot.nlu.entities.mileage import find_mileages
from bot.nlu.entities.part import find_parts
from bot.nlu.entities.phone import find_phones
from bot.nlu.entities.plate import find_plates
from bot.nlu.entities.span import EntitySpan
from bot.nlu.entities.ticket_ref import find_ticket_refs
from bot.nlu.entities.vehicle_model import find_vehicle_models
from bot.nlu.entities.vin import find_vins
from bot.nlu.normalize import normalize

# Where spans overlap, the earlier kind wins (a phone number is not an amount, a VIN holds no phone).
PRIORITY: tuple[Entity, ...] = (
    Entity.TICKET_REF,
    Entity.VIN,
    Entity.PHONE,
    Entity.LICENSE_PLATE,
    Entity.DATE,
    Entity.MILEAGE,
    Entity.AMOUNT,
    Entity.VEHICLE_MODEL,
    Entity.PART,
)


def _finders(today: dt.date) -> dict[Entity, Callable[[str], list[EntitySpan]]]:
    """Each entity kind's finder over normalised text."""
    return {
        Entity.TICKET_REF: find_ticket_refs,
        Entity.VIN: find_vins,
        Entity.PHONE: find_phones,
        Entity.LICENSE_PLATE: find_plates,
        Entity.DATE: lambda text: find_dates(text, today),
        Entity.MILEAGE: find_mileages,
        Entity.AMOUNT: find_amounts,
        Entity.VEHICLE_MODEL: find_vehicle_models,
        Entity.PART: find_parts,
    }


def _without_overlaps(candidates: list[EntitySpan]) -> list[EntitySpan]:
    """Keep spans by entity priority, then length, then position; drop any that overlaps a kept one."""
    rank = {entity.value: i for i, entity in enumerate(PRIORITY)}
    kept: list[EntitySpan] = []
    for span in sorted(candidates, key=lambda s: (rank[s.entity], s.start - s.end, s.start)):
        if all(span.end <= k.start or span.start >= k.end for k in kept):
            kept.append(span)
    return kept


def _dealers(text: str, kept: list[EntitySpan]) -> list[EntitySpan]:
    """Dealer names, starting after any other entity that runs into them (上周五成都南4S店)."""
    dealers = []
    for dealer in find_dealers(text):
        overlapping = [k for k in kept if k.start < dealer.end and k.end > dealer.start]
        if any(k.end >= dealer.end for k in overlapping):
            continue
        trimmed = trim_dealer(dealer, max((k.end for k in overlapping), default=dealer.start))
        if trimmed is not None:
            dealers.append(trimmed)
    return dealers


def extract_entities(text: str, today: dt.date | None = None) -> list[EntitySpan]:
    """All rule-based entities in the text, non-overlapping, sorted by start."""
    if not text:
        return []
    normalized = normalize(text)
    finders = _finders(reference_today(today))
    candidates = [span for entity in PRIORITY for span in finders[entity](normalized.text)]
    kept = _without_overlaps(candidates)
    spans = []
    for span in [*kept, *_dealers(normalized.text, kept)]:
        start, end = normalized.to_original(span.start, span.end)
        spans.append(dataclasses.replace(span, start=start, end=end))
    # A dealer keeps the customer's spelling ("北京亚运村4S店", "Shanghai Pudong dealer").
    spans = [
        dataclasses.replace(s, value=text[s.start : s.end]) if s.entity == Entity.DEALER else s for s in spans
    ]
    return sorted(spans, key=lambda s: s.start)
