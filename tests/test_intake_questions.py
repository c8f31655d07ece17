"""Grouped questions as pure logic: what a question asks, reading the answer, a car named in the opening."""

from __future__ import annotations

import pytest

from bot.benchmark.intake import EN_DETAILS, ZH_DETAILS, answer_to
from bot.intake.questions import asked_together, declines, question_response, read_answer
from bot.intake.spec import CATEGORIES, DETAILS, QUESTION_GROUPS
from bot.intake.vehicles import named_model


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch: pytest.MonkeyPatch) -> None:
    """Relative dates resolve against a fixed day."""
    monkeypatch.setenv("BOT_TODAY", "2026-11-25")


def test_groups_are_well_formed() -> None:
    for group in QUESTION_GROUPS:
        assert all(slot in DETAILS for slot in group.slots)
        assert group.question_zh and group.question_en.isascii()
        for category in CATEGORIES:  # a form asks a group's details in the group's order
            members = [slot for slot in category.details if slot in group.slots]
            assert members == [slot for slot in group.slots if slot in members]


def test_a_question_asks_only_what_is_still_needed() -> None:
    assert asked_together("dealer", {"dealer", "service_date"}) == ("dealer", "service_date")
    assert asked_together("dealer", {"dealer"}) == ("dealer",)
    assert asked_together("location", {"location", "phone"}) == ("location",)
    assert question_response("dealer", ("dealer", "service_date")) == "utter_ask_dealer_and_service_date"
    assert question_response("dealer", ("dealer",)) == "utter_ask_dealer"


CONTACT = ("phone", "customer_name")
VISIT = ("dealer", "service_date")
AMOUNTS = ("quoted_amount", "charged_amount")
PHONE = "+8613812345678"


@pytest.mark.parametrize(
    ("reply", "asked", "values", "missing"),
    [
        (
            "王先生 13812345678",
            ("phone", "customer_name"),
            {"phone": "+8613812345678", "customer_name": "王先生"},
            (),
        ),
        (
            "13812345678,张伟",
            ("phone", "customer_name"),
            {"phone": "+8613812345678", "customer_name": "张伟"},
            (),
        ),
        ("13812345678", CONTACT, {"phone": PHONE}, ("customer_name",)),
        ("王先生", CONTACT, {"customer_name": "王先生"}, ("phone",)),
        (
            "上上周,城南那家店",
            ("dealer", "service_date"),
            {"dealer": "城南那家店", "service_date": "2026-W46"},
            (),
        ),
        ("不知道", VISIT, {}, VISIT),
        ("30000", ("mileage", "vin"), {"mileage": "30000"}, ("vin",)),
        ("600, ¥1,450", AMOUNTS, {"quoted_amount": "600", "charged_amount": "1450"}, ()),  # in the order said
        ("收了1000元", AMOUNTS, {"charged_amount": "1000"}, ("quoted_amount",)),
    ],
)
def test_reading_an_answer(reply: str, asked: tuple, values: dict, missing: tuple) -> None:
    answer = read_answer(reply, asked)
    assert answer.values == values
    assert answer.missing == missing


def test_no_declines_unless_it_stops_the_complaint_or_gives_a_detail() -> None:
    assert declines("没有", "deny", ("dealer",))
    assert declines("跳过", "inform", ("dealer",))
    assert not declines("不用了,取消吧", "deny", ("dealer",))
    assert not declines("no, it was last Monday", "deny", ("dealer", "service_date"))


@pytest.mark.parametrize(
    ("opening", "model"),
    [
        ("一汽马自达CX-4中控异响", "一汽马自达CX-4"),
        ("东风日产逍客行驶中变速箱顿挫", "东风日产逍客"),
        ("吉利帝豪GL隔音棉脱落", "吉利帝豪GL"),
        ("THE CONTACT OWNS A 2016 FORD FUSION. WHILE DRIVING", "Ford Fusion"),
        ("宝马变速箱异响", None),  # a brand and a part: no model
        ("一汽丰田多个故障灯点亮", None),
        ("the Ford dealer would not fix it", None),
    ],
)
def test_a_car_named_by_brand_and_model(opening: str, model: str | None) -> None:
    assert named_model(opening) == model


def test_the_scripted_customer_answers_every_detail_asked() -> None:
    tracker = {"active_loop": {"name": "repair_complaint_form"}, "slots": {"requested_slot": "dealer"}}
    assert answer_to(tracker, ZH_DETAILS, "跳过") == "成都南4S店，11月3号"
    assert answer_to(tracker, EN_DETAILS, "skip") == "Chengdu South 4S, Nov 3rd"
    tracker["slots"]["service_date"] = "2026-11-03"  # the opening gave the date: only the dealer is asked
    assert answer_to(tracker, ZH_DETAILS, "跳过") == "成都南4S店"
