"""Facts an intake must keep, without a server: amounts, dealers, rough dates, names, praise, roadside."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.constants import AmountRole, Entity
from bot.intake.display_names import display_name
from bot.intake.names import name_beside_phone
from bot.intake.praise import is_praise
from bot.intake.roadside import RoadsideVerdict, roadside_verdict
from bot.nlu.entities import extract_entities, normalise_date
from bot.nlu.entities.approximate_date import period_of
from bot.tickets.draft import TicketDraft, column_values

WEDNESDAY = dt.date(2026, 11, 25)


def amounts(text: str) -> list[tuple[str, str | None]]:
    """(value, role) of each amount in a message."""
    return [(s.value, s.role) for s in extract_entities(text, WEDNESDAY) if s.entity == Entity.AMOUNT]


def dealers(text: str) -> list[str]:
    """Dealer names found in a message."""
    return [s.value for s in extract_entities(text, WEDNESDAY) if s.entity == Entity.DEALER]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # The seed case: the first quote stays the quote; the corrected quote is what was then asked.
        ("服务顾问先报价200元,换鼓风机的时候又说要1000元", [("200", "quoted"), ("1000", "charged")]),
        ("they quoted 900, then wanted 1,500", [("900", "quoted"), ("1500", "charged")]),
        (
            "我的迈腾 quoted 200元 for the 鼓风机, then they wanted 1000元",
            [("200", "quoted"), ("1000", "charged")],
        ),
        ("先说200,后来又要1000", [("200", "quoted"), ("1000", "charged")]),
        # Unchanged: a bill named first, a quote named second.
        ("the invoice says 1500 but they quoted me 800", [("1500", "charged"), ("800", "quoted")]),
        ("报价200结果收了1000", [("200", "quoted"), ("1000", "charged")]),
    ],
)
def test_both_amounts_are_kept_with_their_roles(text: str, expected: list[tuple[str, str]]) -> None:
    assert amounts(text) == [(value, AmountRole(role)) for value, role in expected]


@pytest.mark.parametrize(
    ("text", "dealer"),
    [
        ("北京亚运村4S店的服务顾问态度很差", "北京亚运村4S店"),
        ("我的帕萨特上周五在成都南4S店修空调", "成都南4S店"),
        ("上周五成都南4S店换的机油", "成都南4S店"),
        ("the Shanghai Pudong dealer charged me 1500", "Shanghai Pudong dealer"),
        ("repaired at Chengdu South dealership last Friday", "Chengdu South dealership"),
        ("Shanghai Pudong dealer quoted 900 for the brake pads", "Shanghai Pudong dealer"),
        ("last friday, Chengdu South dealer charged me twice", "Chengdu South dealer"),
    ],
)
def test_dealer_names_are_kept_whole(text: str, dealer: str) -> None:
    assert dealers(text) == [dealer]


@pytest.mark.parametrize(
    "text",
    [
        "在4S店修空调",
        "这家4S店太差了",
        "at the dealer",
        "my local dealer",
        "Dealer was rude",
        "My dealer lied",
    ],
)
def test_a_dealer_word_alone_is_no_dealer_name(text: str) -> None:
    assert dealers(text) == []


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("上个月", "2026-10"),
        ("last month", "2026-10"),
        ("大概十月份吧", "2026-10"),
        ("in October", "2026-10"),
        ("上周", "2026-W47"),
        ("前几天", "2026-W47"),
        ("上个月5号", "2026-10-05"),  # a day given is still a day
    ],
)
def test_rough_dates_are_accepted_at_their_precision(text: str, value: str) -> None:
    assert normalise_date(text, WEDNESDAY) == value


def test_a_rough_date_in_the_future_is_no_service_date() -> None:
    assert normalise_date("十二月份", dt.date(2026, 11, 25)) == "2025-12"  # the most recent December
    assert period_of("2026-12") == (dt.date(2026, 12, 1), "month")


@pytest.mark.parametrize(
    ("slot_value", "column", "precision"),
    [
        ("2026-10-05", dt.date(2026, 10, 5), "day"),
        ("2026-10", dt.date(2026, 10, 1), "month"),
        ("2026-W47", dt.date(2026, 11, 16), "week"),
        ("soon", None, None),
    ],
)
def test_ticket_keeps_the_date_and_its_precision(
    slot_value: str, column: dt.date | None, precision: str
) -> None:
    draft = TicketDraft("k", "repair_complaint", "web", "s", "zh", service_date=slot_value)
    values = column_values(draft)
    assert (values["service_date"], values["service_date_precision"]) == (column, precision)


@pytest.mark.parametrize(
    ("slot", "value", "language", "shown"),
    [
        ("vehicle_model", "Magotan", "zh", "迈腾"),
        ("vehicle_model", "Magotan", "en", "Magotan"),
        ("part", "blower_motor", "zh", "鼓风机"),
        ("part", "blower_motor", "en", "blower motor"),
        ("part", "air_conditioning", "zh", "空调"),
        ("vehicle_model", "Audi A4L", "zh", "奥迪A4L"),
        ("part", "the knob by the gear stick", "en", "the knob by the gear stick"),  # as the customer said it
    ],
)
def test_display_names(slot: str, value: str, language: str, shown: str) -> None:
    assert display_name(slot, value, language) == shown


@pytest.mark.parametrize(
    ("answer", "name"),
    [
        ("王先生 13812345678", "王先生"),
        ("13812345678 李女士", "李女士"),
        ("张伟,13812345678", "张伟"),
        ("Li Wei, 13812345678", "Li Wei"),
        ("my number is 13912345678", None),
        ("you can reach me on 13611112222", None),
        ("13812345678", None),
    ],
)
def test_a_name_beside_a_phone(answer: str, name: str | None) -> None:
    assert name_beside_phone(answer) == name


@pytest.mark.parametrize(
    ("text", "praise"),
    [
        ("Your agent was so helpful, thanks Li Wei!", True),
        ("谢谢王师傅,服务特别好", True),
        ("thanks a lot, the technician was very professional", True),
        ("thanks", False),
        ("thank you, that was helpful", False),
        ("谢谢", False),
    ],
)
def test_thanks_that_praise(text: str, praise: bool) -> None:
    assert is_praise(text) is praise


@pytest.mark.parametrize(
    ("text", "confidence", "runner_up", "verdict"),
    [
        ("/restart", 0.99, 0.0, RoadsideVerdict.NOT_A_REQUEST),
        ("\uff0frestart", 0.99, 0.0, RoadsideVerdict.NOT_A_REQUEST),
        ("asdf", 0.95, 0.0, RoadsideVerdict.NOT_A_REQUEST),
        ("车在高速上抛锚了", 0.6, 0.2, RoadsideVerdict.UNSURE),
        ("车在高速上抛锚了", 0.85, 0.7, RoadsideVerdict.UNSURE),
        ("车在高速上抛锚了,打不着火", 0.95, 0.02, RoadsideVerdict.OPEN),
    ],
)
def test_roadside_gate(text: str, confidence: float, runner_up: float, verdict: RoadsideVerdict) -> None:
    assert roadside_verdict(text, confidence, runner_up) is verdict
