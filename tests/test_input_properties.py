"""Property-based tests: the input guard and every entity normaliser take any text without an exception."""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Callable

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.channels.guard import Verdict, guard
from bot.constants import MAX_MESSAGE_CHARS
from bot.nlu.entities import (
    extract_entities,
    normalise_amount,
    normalise_date,
    normalise_mileage,
    normalise_part,
    normalise_phone,
    normalise_plate,
    normalise_ticket_ref,
    normalise_vehicle_model,
    normalise_vin,
    phone_problem,
    vin_problem,
)
from bot.nlu.entities.quantity import parse_quantity

TODAY = dt.date(2026, 11, 22)
PROPERTY_SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Text that looks like what the normalisers look for, mixed with anything at all.
_DOMAIN_PIECES = st.sampled_from(
    [
        "13812345678",
        "+86 138-1234-5678",
        "LFV2A21K7E3123456",
        "粤B12345",
        "CMP-2026-000001",
        "3000元",
        "¥1,234.50",
        "三千五百块",
        "一万二",
        "12万公里",
        "5 万 km",
        "30000 miles",
        "上周三",
        "2026-02-30",
        "去年12月",
        "3 weeks ago",
        "迈腾",
        "Passat",
        "鼓风机",
        "刹车",
        "9" * 400,
        "1e999999",
        "0." + "0" * 300 + "1",
        "亿亿亿亿亿亿亿亿",
        "零" * 50,
        "-" * 30,
        "\u202e",
        "\ufeff",
        "\ud800",
        "e\u0301",
        "ｌｆｖ２ａ２１",
    ]
)
ANY_TEXT = st.one_of(
    st.text(max_size=300),
    st.lists(st.one_of(_DOMAIN_PIECES, st.text(max_size=20)), max_size=12).map("".join),
    st.integers(min_value=-(10**400), max_value=10**400).map(str),
    st.binary(max_size=200).map(lambda b: b.decode("utf-8", errors="surrogateescape")),
)

NORMALISERS: dict[str, Callable[[str], object]] = {
    "amount": normalise_amount,
    "date": lambda text: normalise_date(text, TODAY),
    "mileage": normalise_mileage,
    "part": normalise_part,
    "phone": normalise_phone,
    "phone_problem": phone_problem,
    "plate": normalise_plate,
    "ticket_ref": normalise_ticket_ref,
    "vehicle_model": normalise_vehicle_model,
    "vin": normalise_vin,
    "vin_problem": vin_problem,
}


@PROPERTY_SETTINGS
@given(text=ANY_TEXT)
def test_guard_takes_any_text(text: str) -> None:
    guarded = guard(text)
    if guarded.verdict is Verdict.PASS:
        assert guarded.text.strip()
        assert len(guarded.text) <= MAX_MESSAGE_CHARS
        assert not guarded.text.lstrip().startswith("/")
        assert all(ch in "\n\t" or unicodedata.category(ch) not in {"Cc", "Cs"} for ch in guarded.text)
        guarded.text.encode("utf-8")  # storable: no lone surrogates
        assert guard(guarded.text) == guarded  # cleaning is done once and for all
    else:
        assert guarded.verdict in (Verdict.EMPTY, Verdict.TOO_LONG)


@PROPERTY_SETTINGS
@given(
    value=st.one_of(st.none(), st.integers(), st.floats(), st.binary(max_size=50), st.lists(st.integers()))
)
def test_guard_takes_any_value(value: object) -> None:
    assert guard(value).verdict in set(Verdict)


@PROPERTY_SETTINGS
@given(text=ANY_TEXT)
def test_every_normaliser_takes_any_text(text: str) -> None:
    text = guard(text).text  # what every channel hands on (no control characters, no lone surrogates)
    for name, normalise in NORMALISERS.items():
        value = normalise(text)
        assert value is None or isinstance(value, str), name
        if isinstance(value, str):
            value.encode("utf-8")


@PROPERTY_SETTINGS
@given(text=ANY_TEXT)
def test_extraction_takes_any_text_and_spans_lie_inside_it(text: str) -> None:
    text = guard(text).text
    for span in extract_entities(text, TODAY):
        assert 0 <= span.start <= span.end <= len(text)
        assert isinstance(span.value, str)


@PROPERTY_SETTINGS
@given(
    number=st.integers(min_value=0, max_value=10**60),
    unit=st.sampled_from(["元", "块", "万", "公里", "km", ""]),
)
def test_huge_numbers_are_refused_or_read_exactly(number: int, unit: str) -> None:
    for normalise in (normalise_amount, normalise_mileage):
        value = normalise(f"{number}{unit}")
        assert value is None or isinstance(value, str)
    quantity = parse_quantity(str(number))
    assert quantity is None or quantity == number
