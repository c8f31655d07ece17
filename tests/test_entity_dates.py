"""Dates: absolute and relative, Chinese and English, with a fixed today."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.constants import Entity
from bot.nlu.entities import extract_entities, normalise_date

SUNDAY = dt.date(2026, 11, 22)
WEDNESDAY = dt.date(2026, 11, 18)


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("11月3号", "2026-11-03"),
        ("11月3日", "2026-11-03"),
        ("十一月三号", "2026-11-03"),
        ("１１月３号", "2026-11-03"),
        ("上周五", "2026-11-13"),
        ("上星期五", "2026-11-13"),
        ("上個禮拜五", "2026-11-13"),
        ("上上周一", "2026-11-02"),
        ("周五", "2026-11-20"),
        ("星期天", "2026-11-22"),
        ("本周三", "2026-11-18"),
        ("昨天", "2026-11-21"),
        ("前天", "2026-11-20"),
        ("大前天", "2026-11-19"),
        ("今天", "2026-11-22"),
        ("3天前", "2026-11-19"),
        ("两个星期前", "2026-11-08"),
        ("上个月5号", "2026-10-05"),
        ("20号", "2026-11-20"),
        ("25号", "2026-10-25"),
        ("Nov 3rd", "2026-11-03"),
        ("November 3", "2026-11-03"),
        ("3 Nov", "2026-11-03"),
        ("Oct 28", "2026-10-28"),
        ("last Friday", "2026-11-20"),
        ("last Sunday", "2026-11-15"),
        ("Sunday", "2026-11-22"),
        ("yesterday", "2026-11-21"),
        ("today", "2026-11-22"),
        ("3 days ago", "2026-11-19"),
        ("2026年10月8日", "2026-10-08"),
        ("二〇二六年十月八日", "2026-10-08"),
        ("去年11月3号", "2025-11-03"),
        ("2026-10-08", "2026-10-08"),
        ("2026/10/08", "2026-10-08"),
        ("12月1号", "2025-12-01"),  # no year: the most recent past one
        ("Dec 1", "2025-12-01"),
    ],
)
def test_dates_on_a_sunday(text: str, iso: str) -> None:
    assert normalise_date(text, SUNDAY) == iso


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("上周五", "2026-11-13"),  # Friday of the previous Monday-Sunday week
        ("周五", "2026-11-13"),  # most recent past Friday
        ("星期三", "2026-11-18"),  # today is Wednesday
        ("last Wednesday", "2026-11-11"),  # strictly before today
        ("Wednesday", "2026-11-18"),
        ("last Friday", "2026-11-13"),
        ("本周一", "2026-11-16"),
        ("11月18日", "2026-11-18"),
        ("11月20号", "2025-11-20"),
        ("前天", "2026-11-16"),
    ],
)
def test_dates_on_a_wednesday(text: str, iso: str) -> None:
    assert normalise_date(text, WEDNESDAY) == iso


@pytest.mark.parametrize(
    "text",
    ["", "2026", "13812345678", "3号线", "每周五", "一周一次", "2月30日", "2025年2月29日", "may 5 people"],
)
def test_not_dates(text: str) -> None:
    assert normalise_date(text, SUNDAY) is None


def test_a_future_date_is_no_service_date_but_is_still_extracted() -> None:
    assert normalise_date("本周五", WEDNESDAY) is None
    spans = extract_entities("本周五", WEDNESDAY)
    assert [(s.entity, s.value) for s in spans] == [(Entity.DATE, "2026-11-20")]


def test_today_comes_from_bot_today_when_not_given(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOT_TODAY", "2026-11-22")
    assert normalise_date("昨天") == "2026-11-21"
    assert [s.value for s in extract_entities("上周五")] == ["2026-11-13"]


def test_date_span_keeps_the_customers_wording() -> None:
    text = "我上個禮拜五去修的"
    (span,) = extract_entities(text, SUNDAY)
    assert text[span.start : span.end] == "上個禮拜五"
