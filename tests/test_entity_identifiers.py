"""Phone numbers, VINs, licence plates and ticket references."""

from __future__ import annotations

import pytest

from bot.nlu.entities import (
    normalise_phone,
    normalise_plate,
    normalise_ticket_ref,
    normalise_vin,
    phone_problem,
    vin_check_digit_ok,
    vin_problem,
)

VALID_VIN = "LSVAA4181E2123456"  # check digit 1 at position 9
SAME_VIN_WRONG_CHECK_DIGIT = "LSVAA4180E2123456"


@pytest.mark.parametrize(
    "text",
    [
        "13812345678",
        "138 1234 5678",
        "138-1234-5678",
        "+86 138 1234 5678",
        "0086 13812345678",
        "１３８１２３４５６７８",
        "我的电话是13812345678，谢谢",
    ],
)
def test_valid_mobile_numbers_become_e164(text: str) -> None:
    assert normalise_phone(text) == "+8613812345678"


def test_a_landline_with_its_area_code_is_a_phone() -> None:
    assert normalise_phone("028-85123456") == "+862885123456"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("12345678901", "invalid"),
        ("1381234567", "length"),
        ("138123456789", "length"),
        ("no idea", "missing"),
        ("2026-000123", "invalid"),
    ],
)
def test_invalid_phones_are_rejected_with_a_reason(text: str, problem: str) -> None:
    assert normalise_phone(text) is None
    assert phone_problem(text) == problem


def test_a_valid_phone_has_no_problem() -> None:
    assert phone_problem("13812345678") is None


@pytest.mark.parametrize("vin", [VALID_VIN, "1M8GDM9AXKP042788", "LFV2A21K0E3000001"])
def test_check_digit_of_valid_vins(vin: str) -> None:
    assert vin_check_digit_ok(vin)


@pytest.mark.parametrize(
    "text",
    [
        VALID_VIN,
        VALID_VIN.lower(),
        "lsvaa 4181 e212 3456",
        f"我的车架号是{VALID_VIN}",
        "ＬＳＶＡＡ４１８１Ｅ２１２３４５６",
    ],
)
def test_valid_vins_are_normalised_to_upper_case(text: str) -> None:
    assert normalise_vin(text) == VALID_VIN
    assert vin_problem(text) is None


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (SAME_VIN_WRONG_CHECK_DIGIT, "check_digit"),
        ("1M8GDM9A1KP042788", "check_digit"),
        ("LSVAA4181E212345", "length"),
        ("LSVAA4181E21234567", "length"),
        ("LSVAA4I81E2123456", "characters"),
        ("LSVAA4O81E2123456", "characters"),
        ("LSVAA4Q81E2123456", "characters"),
        ("11111111111111111", "characters"),
        ("不知道", "length"),
    ],
)
def test_invalid_vins_are_rejected_with_a_reason(text: str, problem: str) -> None:
    assert normalise_vin(text) is None
    assert vin_problem(text) == problem


@pytest.mark.parametrize(
    ("text", "plate"),
    [
        ("粤B·D12345", "粤BD12345"),
        ("川a12345", "川A12345"),
        ("京A 12345", "京A12345"),
        ("沪A-AB123", "沪AAB123"),
        ("沪AF1234", "沪AF1234"),
        ("苏E12345D", "苏E12345D"),
        ("车牌号是浙A·12345", "浙A12345"),
        ("粵B12345", "粤B12345"),  # Traditional province character
    ],
)
def test_valid_plates(text: str, plate: str) -> None:
    assert normalise_plate(text) == plate


@pytest.mark.parametrize(
    "text",
    ["粤B1234", "粤B1234567", "京ABCDEF", "粤BI1234", "X粤", "A12345", "粤BD1234X", "川A123456"],
)
def test_invalid_plates(text: str) -> None:
    assert normalise_plate(text) is None


@pytest.mark.parametrize(
    "text",
    [
        "CMP-2026-000123",
        "cmp-2026-000123",
        "ＣＭＰ－２０２６－０００１２３",
        "CMP 2026 000123",
        "工单号CMP2026000123",
    ],
)
def test_ticket_refs(text: str) -> None:
    assert normalise_ticket_ref(text) == "CMP-2026-000123"


@pytest.mark.parametrize("text", ["CMP-26-000123", "CMP-2026-12345", "XCMP-2026-000123", "2026-000123"])
def test_not_ticket_refs(text: str) -> None:
    assert normalise_ticket_ref(text) is None
