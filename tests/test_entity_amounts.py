"""Money amounts (with quoted/charged roles) and mileages."""

from __future__ import annotations

import pytest

from bot.constants import AmountRole, Entity
from bot.nlu.entities import extract_entities, normalise_amount, normalise_mileage


def amounts(text: str) -> list[tuple[str, str | None]]:
    """(value, role) of the amounts extracted from a message."""
    return [(s.value, s.role) for s in extract_entities(text) if s.entity == Entity.AMOUNT]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("200", "200"),
        ("200元", "200"),
        ("¥1,000", "1000"),
        ("￥１０００", "1000"),
        ("一千块", "1000"),
        ("1k", "1000"),
        ("八百", "800"),
        ("八百块", "800"),
        ("1.2万", "12000"),
        ("RMB 350", "350"),
        ("350 yuan", "350"),
        ("350 rmb", "350"),
        ("两千五", "2500"),
        ("350.50元", "350.5"),
        ("大概两百块吧", "200"),
    ],
)
def test_normalise_amount(text: str, value: str) -> None:
    assert normalise_amount(text) == value


@pytest.mark.parametrize("text", ["", "不知道", "0", "13812345678", "2021款", "3天", "3万公里", "10:30"])
def test_not_an_amount(text: str) -> None:
    assert normalise_amount(text) is None


def test_quote_then_charge_in_one_breath() -> None:
    assert amounts("报价200结果收了1000") == [("200", AmountRole.QUOTED), ("1000", AmountRole.CHARGED)]


def test_english_quote_and_charge() -> None:
    text = "They quoted me 200 yuan but charged ¥1,000"
    assert amounts(text) == [("200", AmountRole.QUOTED), ("1000", AmountRole.CHARGED)]


def test_the_specific_cue_beats_a_nearer_said() -> None:
    assert amounts("the invoice said ¥1000") == [("1000", AmountRole.CHARGED)]


def test_a_currency_marker_alone_has_no_role() -> None:
    assert amounts("大概1000元左右") == [("1000", None)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("花了一千多块", [("1000", AmountRole.CHARGED)]),
        ("报价两千五", [("2500", AmountRole.QUOTED)]),
        ("they said it would cost 1.5k", [("1500", AmountRole.QUOTED)]),
        ("要1k", [("1000", None)]),
        ("I was charged 1,000 RMB in 2026", [("1000", AmountRole.CHARGED)]),
    ],
)
def test_amounts_in_sentences(text: str, expected: list[tuple[str, str | None]]) -> None:
    assert amounts(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "2021款途观",
        "2021年买的车",
        "跑了3万公里",
        "去4S店修了3次，等了2个小时，下午3点到10:30",
        "电话13812345678",
        "11月3号去的",
        "我的ID.4和A4L",
        "车牌川A12345",
        "要一直等",
        "paid for 2 parts",
        "工单CMP-2026-000123",
    ],
)
def test_numbers_that_are_not_amounts(text: str) -> None:
    assert amounts(text) == []


def test_a_bare_number_without_a_price_word_is_not_an_amount() -> None:
    assert amounts("修了200") == []


@pytest.mark.parametrize(
    ("text", "km"),
    [
        ("3万公里", "30000"),
        ("45,000 km", "45000"),
        ("12000公里", "12000"),
        ("5万km", "50000"),
        ("跑了两万公里", "20000"),
        ("30k km", "30000"),
        ("20,000 miles", "32187"),
        ("３万公里", "30000"),
        ("30000", "30000"),
        ("里程45000", "45000"),
    ],
)
def test_normalise_mileage(text: str, km: str) -> None:
    assert normalise_mileage(text) == km


@pytest.mark.parametrize("text", ["", "不记得", "开了3年", "0公里", "1000元"])
def test_not_a_mileage(text: str) -> None:
    assert normalise_mileage(text) is None


def test_mileage_and_amount_in_one_sentence() -> None:
    found = [(s.entity, s.value) for s in extract_entities("车跑了两万多公里，换离合花了3000")]
    assert found == [(Entity.MILEAGE, "20000"), (Entity.PART, "clutch"), (Entity.AMOUNT, "3000")]
