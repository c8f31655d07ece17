"""Dates customers give (11月3号, 上周五, 3天前, Nov 3rd, last Friday) as ISO YYYY-MM-DD.

The chosen library is dateparser: it resolves calendar dates (a missing year to the most recent past
occurrence, invalid days to nothing) and English relative phrases. What it does not read reliably, the
Chinese relative forms (上周五, 上个月5号, 前天, 大前天, 3天前) and the weekday conventions we want, is
computed here; cn2an (through parse_quantity) reads Chinese numerals.
"""

from __future__ import annotations

import calendar
import datetime as dt
import os
import re
from collections.abc import Callable

import dateparser

from bot.constants import Entity
from bot.nlu.entities.approximate_date import find_approximate_dates, period_of
from bot.nlu.entities.quantity import parse_quantity
from bot.nlu.entities.span import EntitySpan
from bot.nlu.entities.units import COUNTED
from bot.nlu.normalize import normalize

TODAY_ENV = "BOT_TODAY"
_LANGUAGES = ["zh", "en"]
# Months back we look for a day of month ("31号") that the last few months lack.
_MAX_MONTHS_BACK = 12

_NUM = r"(?:\d{1,2}|[一二两三四五六七八九十]{1,3})"
_CN_YEAR = r"(?:\d{4}|[〇零一二三四五六七八九]{4})"
_CN_WEEKDAYS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6}
_CN_WEEKDAYS.update({str(i + 1): i for i in range(7)})
_EN_WEEKDAYS = [day.lower() for day in calendar.day_name]
_EN_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_EN_DAY = r"\d{1,2}(?:st|nd|rd|th)?"
_EN_COUNT = r"(?:\d{1,3}|an?|one|two|three|four|five|six|seven|eight|nine|ten)"
_DAYS_BACK = {
    "大前天": 3,
    "前天": 2,
    "前日": 2,
    "昨天": 1,
    "昨日": 1,
    "昨晚": 1,
    "昨儿": 1,
    "今天": 0,
    "今日": 0,
    "今早": 0,
    "今晚": 0,
    "今儿": 0,
    "the day before yesterday": 2,
    "yesterday": 1,
    "last night": 1,
    "today": 0,
    "tonight": 0,
    "this morning": 0,
    "this afternoon": 0,
    "this evening": 0,
}
_YEARS_BACK = {"今年": 0, "去年": 1, "前年": 2}
_WEEKS_BACK = {"上上": 2, "上": 1, "本": 0, "这": 0, "下": -1}
_MONTHS_BACK = {"上上": 2, "上": 1, "本": 0, "这": 0}


def reference_today(today: dt.date | None = None) -> dt.date:
    """`today`, else the ISO date in env BOT_TODAY (reproducible evaluation), else the real date."""
    if today is not None:
        return today
    configured = os.environ.get(TODAY_ENV)
    return dt.date.fromisoformat(configured) if configured else dt.date.today()


def _dateparser(text: str, today: dt.date) -> dt.date | None:
    """dateparser with our conventions: missing parts from the past, relative to `today`."""
    settings = {
        "PREFER_DATES_FROM": "past",
        "RELATIVE_BASE": dt.datetime.combine(today, dt.time()),
        "RETURN_AS_TIMEZONE_AWARE": False,
    }
    parsed = dateparser.parse(text, languages=_LANGUAGES, settings=settings)
    return parsed.date() if parsed else None


def _number(text: str) -> int | None:
    """A small number written in digits or Chinese numerals."""
    value = parse_quantity(text)
    return int(value) if value is not None and value == int(value) else None


def _calendar_date(year: int | None, month: int | None, day: int | None, today: dt.date) -> dt.date | None:
    """A calendar date via dateparser (as an unambiguous English phrase); no year = most recent past."""
    if month is None or day is None or not 1 <= month <= 12:
        return None
    phrase = f"{calendar.month_name[month]} {day}" + (f" {year}" if year is not None else "")
    return _dateparser(phrase, today)


def _months_back(today: dt.date, months: int) -> tuple[int, int]:
    """(year, month) `months` before today's month."""
    index = today.year * 12 + today.month - 1 - months
    return index // 12, index % 12 + 1


def _day_in_month(year: int, month: int, day: int) -> dt.date | None:
    """The date, or None when the month has no such day."""
    if not 1 <= day <= calendar.monthrange(year, month)[1]:
        return None
    return dt.date(year, month, day)


def _shift_months(today: dt.date, months: int) -> dt.date:
    """The same day `months` back, clamped to the end of a shorter month."""
    year, month = _months_back(today, months)
    return dt.date(year, month, min(today.day, calendar.monthrange(year, month)[1]))


def _most_recent_weekday(today: dt.date, weekday: int, strictly_before: bool) -> dt.date:
    """The most recent given weekday on or (strictly_before) before today."""
    days = (today.weekday() - weekday) % 7
    if days == 0 and strictly_before:
        days = 7
    return today - dt.timedelta(days=days)


def _weekday_of_week(today: dt.date, weekday: int, weeks_back: int) -> dt.date:
    """The weekday in the Monday-Sunday week `weeks_back` weeks before the current one."""
    monday = today - dt.timedelta(days=today.weekday())
    return monday - dt.timedelta(weeks=weeks_back) + dt.timedelta(days=weekday)


# Resolvers: from a match of their pattern (normalised text) and today to a date or None.


def _iso(m: re.Match[str], today: dt.date) -> dt.date | None:
    """2026-10-08, 2026/10/08, 2026.10.08."""
    return _calendar_date(int(m["year"]), int(m["month"]), int(m["day"]), today)


def _cn_calendar(m: re.Match[str], today: dt.date) -> dt.date | None:
    """2026年10月8日, 十一月三号, 去年11月3日."""
    year = None
    if m["year"]:
        year = _number(m["year"])
    elif m["year_word"]:
        year = today.year - _YEARS_BACK[m["year_word"]]
    return _calendar_date(year, _number(m["month"]), _number(m["day"]), today)


def _cn_month_day(m: re.Match[str], today: dt.date) -> dt.date | None:
    """上个月5号, 本月3日."""
    day = _number(m["day"])
    return _day_in_month(*_months_back(today, _MONTHS_BACK[m["which"]]), day) if day else None


def _cn_day_of_month(m: re.Match[str], today: dt.date) -> dt.date | None:
    """5号 alone: the most recent past 5th."""
    day = _number(m["day"])
    if not day:
        return None
    for back in range(_MAX_MONTHS_BACK + 1):
        found = _day_in_month(*_months_back(today, back), day)
        if found and found <= today:
            return found
    return None


def _cn_weekday(m: re.Match[str], today: dt.date) -> dt.date | None:
    """上周五 (the previous Monday-Sunday week), 本周三, 周五 alone (most recent, today included)."""
    weekday = _CN_WEEKDAYS[m["day"]]
    if m["which"]:
        return _weekday_of_week(today, weekday, _WEEKS_BACK[m["which"]])
    return _most_recent_weekday(today, weekday, strictly_before=False)


def _en_weekday(m: re.Match[str], today: dt.date) -> dt.date | None:
    """last Friday (strictly before today), this Friday (this week), Friday alone (today included)."""
    weekday = _EN_WEEKDAYS.index(m["day"])
    if m["which"] == "this":
        return _weekday_of_week(today, weekday, 0)
    return _most_recent_weekday(today, weekday, strictly_before=m["which"] in ("last", "past"))


def _days_back(m: re.Match[str], today: dt.date) -> dt.date | None:
    """今天, 昨天, 前天, 大前天, yesterday ..."""
    return today - dt.timedelta(days=_DAYS_BACK[" ".join(m.group().split())])


def _cn_ago(m: re.Match[str], today: dt.date) -> dt.date | None:
    """3天前, 两个星期前, 一个月前."""
    count = _number(m["count"])
    if count is None:
        return None
    if m["unit"] in ("天", "日"):
        return today - dt.timedelta(days=count)
    if m["unit"] == "月":
        return _shift_months(today, count)
    return today - dt.timedelta(weeks=count)


def _by_dateparser(m: re.Match[str], today: dt.date) -> dt.date | None:
    """English calendar dates and "N days ago", read by dateparser as written ("may 5 people" is none)."""
    if COUNTED.match(m.string, m.end()):
        return None
    return _dateparser(m.group(), today)


_Resolver = Callable[[re.Match[str], dt.date], dt.date | None]
_RULES: tuple[tuple[re.Pattern[str], _Resolver], ...] = (
    (
        re.compile(r"(?<!\d)(?P<year>\d{4})(?P<sep>[-/.])(?P<month>\d{1,2})(?P=sep)(?P<day>\d{1,2})(?!\d)"),
        _iso,
    ),
    (
        re.compile(
            rf"(?:(?:(?P<year>{_CN_YEAR})年|(?P<year_word>今年|去年|前年))\s*)?"
            rf"(?<![\d个])(?P<month>{_NUM})\s*月\s*(?P<day>{_NUM})\s*(?:日|号|(?=[\s,，。.!！?？;；、]|$))"
        ),
        _cn_calendar,
    ),
    (
        re.compile(rf"(?P<which>上上|上|本|这)个?月\s*(?P<day>{_NUM})\s*[号日]"),
        _cn_month_day,
    ),
    (
        re.compile(
            r"(?<![每\d一二两三四五六七八九十几])(?P<which>上上|上|本|这|下)?个?(?:周|星期|礼拜)(?P<day>[一二三四五六日天1-7])"
        ),
        _cn_weekday,
    ),
    (
        re.compile(rf"(?<![\d月第.\-/])(?P<day>{_NUM})\s*[号日](?![线楼店门位室房库车桥口台机码内后前电])"),
        _cn_day_of_month,
    ),
    (
        re.compile(rf"(?P<count>{_NUM}|\d{{1,3}})\s*(?:个)?(?P<unit>天|日|星期|礼拜|周|月)(?:以前|之前|前)"),
        _cn_ago,
    ),
    (
        re.compile(
            r"(?<![之以此提目从事当眼跟面空向])(?:大前天|前天|前日)|昨天|昨日|昨晚|昨儿|今天|今日|今早|今晚|今儿"
            r"|\b(?:the\s+day\s+before\s+yesterday|yesterday|last\s+night|today|tonight"
            r"|this\s+(?:morning|afternoon|evening))\b"
        ),
        _days_back,
    ),
    (
        re.compile(rf"\b(?:(?P<which>last|this|past)\s+)?(?P<day>{'|'.join(_EN_WEEKDAYS)})\b"),
        _en_weekday,
    ),
    (
        re.compile(
            rf"\b{_EN_MONTH}\s*{_EN_DAY}\b(?:,?\s*\d{{4}}\b)?"
            rf"|\b{_EN_DAY}\s+(?:of\s+)?{_EN_MONTH}(?![a-z])(?:,?\s*\d{{4}}\b)?"
        ),
        _by_dateparser,
    ),
    (
        re.compile(rf"\b{_EN_COUNT}\s+(?:days?|weeks?|months?)\s+ago\b"),
        _by_dateparser,
    ),
)


def find_dates(text: str, today: dt.date | None = None) -> list[EntitySpan]:
    """Dates in normalised text (offsets into it), ISO (rough ones at their precision); longer ones win."""
    base = reference_today(today)
    candidates = find_approximate_dates(text, base)
    for pattern, resolve in _RULES:
        for match in pattern.finditer(text):
            found = resolve(match, base)
            if found is not None:
                candidates.append(
                    EntitySpan(Entity.DATE.value, match.start(), match.end(), found.isoformat())
                )
    chosen: list[EntitySpan] = []
    for span in sorted(candidates, key=lambda s: (s.start - s.end, s.start)):
        if all(span.end <= c.start or span.start >= c.end for c in chosen):
            chosen.append(span)
    return sorted(chosen, key=lambda s: s.start)


def normalise_date(text: str, today: dt.date | None = None) -> str | None:
    """The first date in one answer as ISO (a rough one as its month or week), or None if none or future."""
    base = reference_today(today)
    found = find_dates(normalize(text).text, base)
    period = period_of(found[0].value) if found else None
    if period is None or period[0] > base:
        return None
    return found[0].value
