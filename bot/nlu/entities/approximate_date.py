"""Dates a customer gives only roughly (上个月, 十月份, 上周, last month, in October, a few days ago).

Values are ISO 8601 at the precision given: `2026-10` (a month), `2026-W46` (a week) (a bare year is
too vague: "去年买的车" is when the car was bought);
exact days stay `YYYY-MM-DD` (bot.nlu.entities.date). `period_of` reads any of them back.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Callable

from bot.constants import Entity
from bot.nlu.entities.quantity import parse_quantity
from bot.nlu.entities.span import EntitySpan

DAY, WEEK, MONTH, YEAR = "day", "week", "month", "year"
_MONTHS_BACK = {"上上个月": 2, "上上月": 2, "上个月": 1, "上月": 1, "这个月": 0, "本月": 0, "这月": 0}
_WEEKS_BACK = {"上上周": 2, "上周": 1, "上个星期": 1, "上个礼拜": 1, "上星期": 1, "这周": 0, "本周": 0}
_WEEKS_BACK.update({"这个星期": 0, "这个礼拜": 0})
_EN_BACK = {"last": 1, "this": 0, "past": 1}
_EN_MONTHS = [m.lower() for m in calendar.month_name]
_EN_MONTH_ABBR = [m.lower() for m in calendar.month_abbr]
_FEW_DAYS = 3


def _month_value(today: dt.date, back: int) -> str:
    """`YYYY-MM` of the month `back` months before today's."""
    index = today.year * 12 + today.month - 1 - back
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def _week_value(day: dt.date) -> str:
    """`YYYY-Www` of the ISO week holding `day`."""
    year, week, _ = day.isocalendar()
    return f"{year:04d}-W{week:02d}"


def _named_month(month: int, today: dt.date) -> str | None:
    """The most recent month of that number (this year's unless it is still ahead)."""
    if not 1 <= month <= 12:
        return None
    year = today.year if month <= today.month else today.year - 1
    return f"{year:04d}-{month:02d}"


def _cn_month(m: re.Match[str], today: dt.date) -> str | None:
    """十月份, 10月份, 10月 (no day)."""
    value = parse_quantity(m["month"])
    return _named_month(int(value), today) if value is not None and value == int(value) else None


def _en_month(m: re.Match[str], today: dt.date) -> str | None:
    """in October, back in oct."""
    name = m["month"]
    month = _EN_MONTHS.index(name) if name in _EN_MONTHS else _EN_MONTH_ABBR.index(name[:3])
    return _named_month(month, today)


def _relative(m: re.Match[str], today: dt.date) -> str | None:
    """上个月, 上周, last month/week, a few days ago."""
    word = " ".join(m.group().split())
    if word in _MONTHS_BACK:
        return _month_value(today, _MONTHS_BACK[word])
    if word in _WEEKS_BACK:
        return _week_value(today - dt.timedelta(weeks=_WEEKS_BACK[word]))
    english = re.fullmatch(r"(last|this|past) (month|week)", word)
    if english:
        back = _EN_BACK[english[1]]
        if english[2] == "month":
            return _month_value(today, back)
        return _week_value(today - dt.timedelta(weeks=back))
    return _week_value(today - dt.timedelta(days=_FEW_DAYS))  # a few days ago, 前几天


_Resolver = Callable[[re.Match[str], dt.date], str | None]
_RELATIVE_WORDS = sorted([*_MONTHS_BACK, *_WEEKS_BACK], key=len, reverse=True)
_RULES: tuple[tuple[re.Pattern[str], _Resolver], ...] = (
    (
        re.compile(
            "|".join(_RELATIVE_WORDS)
            + r"|前几天|几天前|前些天|\b(?:last|this|past)\s+(?:month|week)\b|\ba few days ago\b"
        ),
        _relative,
    ),
    (
        re.compile(
            r"(?<![\d年])(?P<month>\d{1,2}|[一二三四五六七八九十]{1,3})\s*月份?(?![\d一二三四五六七八九十]|底|初)"
        ),
        _cn_month,
    ),
    (
        re.compile(
            r"\b(?:in|back in|during|since|early|late|mid)\s+(?P<month>"
            + "|".join(m for m in _EN_MONTHS if m)
            + r"|jan|feb|mar|apr|jun|jul|aug|sept?|oct|nov|dec)\b(?!\s*\d)"
        ),
        _en_month,
    ),
)


def find_approximate_dates(text: str, today: dt.date) -> list[EntitySpan]:
    """Rough dates in normalised text (offsets into it), valued at their precision."""
    spans = []
    for pattern, resolve in _RULES:
        for match in pattern.finditer(text):
            value = resolve(match, today)
            if value is not None:
                spans.append(EntitySpan(Entity.DATE.value, match.start(), match.end(), value))
    return spans


def period_of(value: str) -> tuple[dt.date, str] | None:
    """(first day, precision) of a value: `2026-10-08` day, `2026-W46` week, `2026-10` month, `2026` year."""
    text = str(value).strip()
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            return dt.date.fromisoformat(text), DAY
        week = re.fullmatch(r"(\d{4})-W(\d{2})", text)
        if week:
            return dt.date.fromisocalendar(int(week[1]), int(week[2]), 1), WEEK
        month = re.fullmatch(r"(\d{4})-(\d{2})", text)
        if month:
            return dt.date(int(month[1]), int(month[2]), 1), MONTH
        if re.fullmatch(r"\d{4}", text):
            return dt.date(int(text), 1, 1), YEAR
    except ValueError:
        return None
    return None
