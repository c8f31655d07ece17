"""extract_entities on whole customer messages: canonical values, roles, original offsets, overlaps."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from bot.constants import AmountRole, Entity
from bot.nlu.entities import EntitySpan, extract_entities, normalise_part, normalise_vehicle_model

SUNDAY = dt.date(2026, 11, 22)
WEDNESDAY = dt.date(2026, 11, 18)
REFERENCE = "我的帕萨特上周五在成都南4S店修空调,报价200结果收了1000,电话13812345678"


def found(text: str, today: dt.date = SUNDAY) -> list[tuple[str, str, str | None, str]]:
    """(entity, value, role, original wording) of every span."""
    return [(s.entity, s.value, s.role, text[s.start : s.end]) for s in extract_entities(text, today)]


@pytest.mark.parametrize(("today", "friday"), [(SUNDAY, "2026-11-13"), (WEDNESDAY, "2026-11-13")])
def test_reference_sentence(today: dt.date, friday: str) -> None:
    assert found(REFERENCE, today) == [
        (Entity.VEHICLE_MODEL, "Passat", None, "帕萨特"),
        (Entity.DATE, friday, None, "上周五"),
        (Entity.DEALER, "成都南4S店", None, "成都南4S店"),
        (Entity.PART, "air_conditioning", None, "空调"),
        (Entity.AMOUNT, "200", AmountRole.QUOTED, "200"),
        (Entity.AMOUNT, "1000", AmountRole.CHARGED, "1000"),
        (Entity.PHONE, "+8613812345678", None, "13812345678"),
    ]


def test_spans_are_sorted_and_do_not_overlap() -> None:
    spans = extract_entities(REFERENCE, SUNDAY)
    assert spans == sorted(spans, key=lambda s: s.start)
    assert all(a.end <= b.start for a, b in itertools.pairwise(spans))
    assert all(isinstance(s, EntitySpan) for s in spans)


def test_traditional_full_width_text_keeps_original_offsets() -> None:
    text = "我的帕薩特鼓風機壞了😡，花了１０００元，電話１３８１２３４５６７８"
    assert found(text) == [
        (Entity.VEHICLE_MODEL, "Passat", None, "帕薩特"),
        (Entity.PART, "blower_motor", None, "鼓風機"),
        (Entity.AMOUNT, "1000", AmountRole.CHARGED, "１０００元"),
        (Entity.PHONE, "+8613812345678", None, "１３８１２３４５６７８"),
    ]


def test_english_message() -> None:
    text = "They quoted me 200 yuan but charged ¥1,000 for the blower on my Passat last Friday"
    assert found(text) == [
        (Entity.AMOUNT, "200", AmountRole.QUOTED, "200 yuan"),
        (Entity.AMOUNT, "1000", AmountRole.CHARGED, "¥1,000"),
        (Entity.PART, "blower_motor", None, "blower"),
        (Entity.VEHICLE_MODEL, "Passat", None, "Passat"),
        (Entity.DATE, "2026-11-20", None, "last Friday"),
    ]


def test_identifiers_in_one_message() -> None:
    text = "车牌粤B·D12345，车架号lsvaa4181e2123456，工单 ＣＭＰ－２０２６－０００１２３"
    assert found(text) == [
        (Entity.LICENSE_PLATE, "粤BD12345", None, "粤B·D12345"),
        (Entity.VIN, "LSVAA4181E2123456", None, "lsvaa4181e2123456"),
        (Entity.TICKET_REF, "CMP-2026-000123", None, "ＣＭＰ－２０２６－０００１２３"),
    ]


def test_a_vin_with_a_wrong_check_digit_is_not_extracted() -> None:
    assert found("车架号LSVAA4180E2123456") == []


def test_model_year_mileage_and_date_are_not_amounts() -> None:
    text = "2021款途观L跑了3万公里，11月3号在4S店保养，收了八百块"
    assert found(text) == [
        (Entity.VEHICLE_MODEL, "Tiguan", None, "途观L"),
        (Entity.MILEAGE, "30000", None, "3万公里"),
        (Entity.DATE, "2026-11-03", None, "11月3号"),
        (Entity.AMOUNT, "800", AmountRole.CHARGED, "八百块"),
    ]


def test_a_ticket_ref_is_not_read_as_a_phone_or_date() -> None:
    assert found("CMP-2026-000123 怎么样了") == [
        (Entity.TICKET_REF, "CMP-2026-000123", None, "CMP-2026-000123")
    ]


def test_an_iso_date_is_not_a_phone() -> None:
    assert found("2026-10-08 修的") == [(Entity.DATE, "2026-10-08", None, "2026-10-08")]


def test_empty_text() -> None:
    assert extract_entities("") == []


@pytest.mark.parametrize(
    ("text", "model"),
    [
        ("帕萨特", "Passat"),
        ("passat", "Passat"),
        ("PASSAT", "Passat"),
        ("帕薩特", "Passat"),
        ("id4", "ID.4"),
        ("ID.4", "ID.4"),
        ("ID 4", "ID.4"),
        ("ＩＤ．４", "ID.4"),
        ("my golf", "Golf"),
        ("我开的途观L", "Tiguan"),
        ("Audi A4L", "Audi A4L"),
        ("T-Roc", "T-Roc"),
        ("大众CC", "CC"),
    ],
)
def test_vehicle_models(text: str, model: str) -> None:
    assert normalise_vehicle_model(text) == model


@pytest.mark.parametrize("text", ["accident", "success", "golfing", "a Toyota", "", "id45"])
def test_not_vehicle_models(text: str) -> None:
    assert normalise_vehicle_model(text) is None


@pytest.mark.parametrize(
    ("text", "part"),
    [
        ("鼓风机", "blower_motor"),
        ("鼓風機", "blower_motor"),
        ("blower motor", "blower_motor"),
        ("AC", "air_conditioning"),
        ("a/c", "air_conditioning"),
        ("空调", "air_conditioning"),
        ("空調", "air_conditioning"),
        ("the DSG jerks", "transmission"),
        ("刹车片", "brakes"),
    ],
)
def test_parts(text: str, part: str) -> None:
    assert normalise_part(text) == part


@pytest.mark.parametrize("text", ["back", "accent", "pacific", "", "好的"])
def test_not_parts(text: str) -> None:
    assert normalise_part(text) is None


def test_the_longest_alias_wins() -> None:
    assert found("ID.4 CROZZ 的 blower motor") == [
        (Entity.VEHICLE_MODEL, "ID.4", None, "ID.4 CROZZ"),
        (Entity.PART, "blower_motor", None, "blower motor"),
    ]


def test_latin_aliases_match_whole_words_only() -> None:
    assert found("accident at the back, AC broken") == [(Entity.PART, "air_conditioning", None, "AC")]
