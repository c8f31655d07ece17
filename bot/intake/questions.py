"""Questions that ask several details at once: which details a question asks, and reading every one of
them from the customer's answer ("成都南4S店,11月3号", "11月3号在成都南4S店", "王先生 13812345678")."""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.constants import Slot
from bot.intake.dates import service_date
from bot.intake.names import name_in
from bot.intake.skips import is_skip
from bot.intake.spec import DETAILS, GROUP_OF, OPTIONAL_SLOTS
from bot.nlu.entities import EntitySpan, extract_entities, normalise_amount, normalise_mileage
from bot.nlu.normalize import normalize

# Words that only frame a detail ("在", "大概", "车架号是", "at the"): trimmed from what is left.
_FRAME_ZH = (
    r"(?:在|是|的|了|大概|大约|应该|差不多|左右|那天|那次|时间|日期|就是|还有|和|跟|以及|"
    r"经销商|店名|里程|公里数|车架号|vin码?|电话|手机号?|号码|称呼|姓名|名字)"
)
_EDGE_ZH = re.compile(rf"^(?:{_FRAME_ZH}[::]?)+|(?:{_FRAME_ZH})+$", re.IGNORECASE)
_FRAME_EN = frozenset(
    {"at", "in", "on", "the", "a", "an", "around", "about", "roughly", "was", "it", "it's", "and", "is"}
    | {"dealer", "date", "mileage", "vin", "phone", "number", "name", "my"}
)
_PIECES = re.compile(r"[,，;；、/。!！?？]+|\.(?:\s|$)")
# "I don't have / remember it" inside a longer answer ("3万公里,车架号不记得了").
_NOT_GIVEN = re.compile(
    r"不记得|不知道|不清楚|忘了|记不清|没有|没带|不方便|跳过|"
    r"skip|don'?t know|dont know|no idea|not sure|don'?t have|forgot|n/a",
    re.IGNORECASE,
)
# An explicit wish to stop the whole complaint, which a bare "no" to an optional question is not.
_STOP = re.compile(
    r"取消|不投诉|不想投诉|不用投诉|算了|不办了|cancel|stop|forget it|never ?mind", re.IGNORECASE
)
_VIN_LIKE = re.compile(r"[A-HJ-NPR-Z0-9]{10,20}", re.IGNORECASE)


def asked_together(requested: str, needed: Collection[str]) -> tuple[str, ...]:
    """The details the question for `requested` asks: it first, then its group's other members still `needed`.

    `needed` are the form's details neither filled nor skipped when the question is asked.
    """
    try:
        group = GROUP_OF[Slot(requested)]
    except (KeyError, ValueError):
        return (requested,)
    return (requested, *(s.value for s in group.slots if s.value != requested and s.value in needed))


def question_response(requested: str, asked: Sequence[str]) -> str:
    """The response that asks `asked`: the group's question when it asks several, else the detail's own."""
    group = GROUP_OF.get(Slot(requested))
    if group and len(asked) > 1 and {slot.value for slot in group.slots} == set(asked):
        return group.response
    return f"utter_ask_{requested}"


def declines(text: str, intent: str | None, asked: Sequence[str]) -> bool:
    """True when the answer declines the question ("没有", "no", "跳过"), not the whole complaint.

    A "no" that goes on to give an asked detail ("no, it was last Monday") answers it.
    """
    if _STOP.search(text or ""):
        return False
    if is_skip(text):
        return True
    return intent == "deny" and not _entity_values(list(extract_entities(text)), asked)[0]


def stops(text: str) -> bool:
    """True when the customer asks to stop the complaint altogether ("算了,取消吧", "cancel")."""
    return bool(_STOP.search(text or ""))


@dataclass(frozen=True)
class Answer:
    """What one answer says for each asked detail: a value to validate, or nothing (`missing`)."""

    values: dict[str, str] = field(default_factory=dict)
    missing: tuple[str, ...] = ()

    def skipped(self) -> tuple[str, ...]:
        """The optional details the answer left out: recorded as skipped, not asked again."""
        return tuple(slot for slot in self.missing if Slot(slot) in OPTIONAL_SLOTS)


def _entity_values(spans: list[EntitySpan], asked: Sequence[str]) -> tuple[dict[str, str], set[int]]:
    """Asked details read from entities (an amount only by its role); the values and the spans used."""
    values: dict[str, str] = {}
    claimed: set[int] = set()
    for slot in asked:
        detail = DETAILS[Slot(slot)]
        if detail.entity is None:
            continue
        wanted = detail.role.value if detail.role else None
        for index, span in enumerate(spans):
            role_fits = wanted is None or getattr(span, "role", None) == wanted
            if index not in claimed and span.entity == detail.entity.value and role_fits:
                values[slot] = str(span.value)
                claimed.add(index)
                break
    return values, claimed


def _unroled_amounts(
    text: str, spans: list[EntitySpan], claimed: set[int], pieces: list[str], empty: list[str]
) -> tuple[dict[str, str], list[str]]:
    """Amounts said without "quoted"/"charged" ("600, ¥1,450"): given to the empty amount details in the
    order they were said; the values and the pieces they used."""
    said = [
        (span.start, str(span.value), "")
        for index, span in enumerate(spans)
        if index not in claimed and span.entity == "amount" and getattr(span, "role", None) is None
    ]
    said += [(text.find(piece), piece, piece) for piece in pieces if normalise_amount(piece)]
    said.sort()
    values = dict(zip(empty, (value for _, value, _ in said), strict=False))
    used = [piece for _, _, piece in said[: len(values)] if piece]
    return values, used


def _leftover(text: str, spans: list[EntitySpan]) -> list[str]:
    """The pieces of the answer besides its entities, without framing words ("在", "车架号是", "at the")."""
    rest = text
    for span in sorted(spans, key=lambda s: s.start, reverse=True):
        rest = rest[: span.start] + " , " + rest[span.end :]
    pieces = []
    for piece in _PIECES.split(rest):
        cleaned = " ".join(word for word in piece.split() if word.lower() not in _FRAME_EN)
        for _ in range(3):  # framing words can stack ("大概是在")
            cleaned = _EDGE_ZH.sub("", cleaned).strip()
        if cleaned:
            pieces.append(cleaned)
    return pieces


_READERS: dict[str, Callable[[str], object]] = {
    Slot.CUSTOMER_NAME.value: name_in,
    Slot.SERVICE_DATE.value: service_date,
    Slot.MILEAGE.value: normalise_mileage,
    Slot.QUOTED_AMOUNT.value: normalise_amount,
    Slot.CHARGED_AMOUNT.value: normalise_amount,
    Slot.VIN.value: lambda t: _VIN_LIKE.fullmatch(t.replace(" ", "")),
    Slot.PHONE.value: lambda t: sum(c.isdigit() for c in t) >= 5,
}


def _reads_as(slot: str, text: str) -> str | None:
    """`text` as a value for `slot` when it plausibly is one (to be validated), else None."""
    reader = _READERS.get(slot)
    if reader is None:  # a detail in the customer's own words (the dealer, the part, a model name)
        return text if len(normalize(text).text.replace(" ", "")) >= 2 else None
    if slot == Slot.CUSTOMER_NAME.value:
        return name_in(text)
    return text if reader(text) else None


def read_answer(text: str, asked: Sequence[str], free_text: bool = True) -> Answer:
    """Every asked detail the answer contains, whatever their order; the rest are missing.

    Entities fill their details; each piece left (the dealer's name, a customer's name, a malformed VIN to
    explain) goes to the first asked detail still empty that it reads as. Without `free_text` (a message
    that is not an answer: a question, "no", a cancel), only entities count.
    """
    if is_skip(text):
        return Answer({}, tuple(asked))
    spans = list(extract_entities(text))
    values, claimed = _entity_values(spans, asked)
    pieces = [piece for piece in _leftover(text, spans) if not _NOT_GIVEN.search(piece)] if free_text else []
    roled = [slot for slot in asked if DETAILS[Slot(slot)].role is not None and slot not in values]
    amounts, used = _unroled_amounts(text, spans, claimed, pieces, roled)
    values.update(amounts)
    if not free_text:
        return Answer(values, tuple(slot for slot in asked if slot not in values))
    pieces = [piece for piece in pieces if piece not in used]
    unread = list(pieces)
    for strict in (True, False):  # a date or a number before the dealer's name, which takes any words
        for piece in list(unread):
            empty = [s for s in asked if s not in values and (s in _READERS) == strict]
            slot = next((s for s in empty if _reads_as(s, piece)), None)
            if slot:
                values[slot] = str(_reads_as(slot, piece))
                unread.remove(piece)
    if not values and pieces:
        values[asked[0]] = text  # nothing recognisable: the first detail's check explains what is wrong
    return Answer(values, tuple(slot for slot in asked if slot not in values))


def still_needed(
    required: Sequence[str],
    slots: Mapping[str, Any],
    skipped: Collection[str],
    answered_now: Collection[str] = (),
) -> set[str]:
    """The form's details not yet filled nor skipped; `answered_now` counts as not yet filled (the question
    that the current answer answers was asked before this turn filled them)."""
    return {
        slot for slot in required if slot not in skipped and (slots.get(slot) is None or slot in answered_now)
    }
