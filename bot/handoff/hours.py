"""Business hours of the agent desk: open now?, when it opens next, and how to say so (zh/en)."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml

SETTINGS_PATH = Path(__file__).with_name("hours.yml")
_DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_ZH_WEEKDAYS = "一二三四五六日"
_EN_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_EN_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_DAY_MINUTES = 24 * 60
# Looking further than this for an opening means the configuration never opens.
_MAX_DAYS_AHEAD = 400


def _minutes(clock: str) -> int:
    """Minutes after midnight of "HH:MM" ("24:00" is the end of the day)."""
    hours, _, minutes = clock.strip().partition(":")
    value = int(hours) * 60 + int(minutes or 0)
    if not 0 <= value <= _DAY_MINUTES:
        raise ValueError(f"not a time of day: {clock!r}")
    return value


def _clock(minutes: int) -> str:
    """ "HH:MM" of minutes after midnight."""
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@dataclass(frozen=True)
class BusinessHours:
    """Opening time and closing time on open weekdays, minus holidays, plus adjusted workdays."""

    timezone: ZoneInfo
    opens: int  # minutes after midnight, local time
    closes: int
    days: frozenset[int]  # weekday numbers, Monday 0
    holidays: frozenset[dt.date]
    workdays: frozenset[dt.date]
    minutes_per_case: int = 4

    def _open_on(self, day: dt.date) -> bool:
        """Whether the desk works on this local date at all."""
        if day in self.workdays:
            return True
        return day.weekday() in self.days and day not in self.holidays

    def is_open(self, at: dt.datetime) -> bool:
        """Whether agents are at work at the aware time `at`."""
        local = at.astimezone(self.timezone)
        minute = local.hour * 60 + local.minute
        return self._open_on(local.date()) and self.opens <= minute < self.closes

    def next_opening(self, at: dt.datetime) -> dt.datetime:
        """The next time (local, aware) the desk opens after `at`; `at` itself when it is open."""
        if self.is_open(at):
            return at.astimezone(self.timezone)
        local = at.astimezone(self.timezone)
        day = local.date()
        for _ in range(_MAX_DAYS_AHEAD):
            opening = dt.datetime.combine(day, dt.time(), self.timezone) + dt.timedelta(minutes=self.opens)
            if self._open_on(day) and opening > local and self.opens < self.closes:
                return opening
            day += dt.timedelta(days=1)
        raise ValueError("the configured business hours never open")

    def expected_wait_minutes(self, position: int) -> int:
        """Rough wait for the customer at `position` in the queue (1 = next)."""
        return max(1, position) * self.minutes_per_case

    def describe(self, language: str) -> str:
        """The hours as customers read them: "每天 08:00–20:00" / "daily 08:00–20:00"."""
        span = f"{_clock(self.opens)}–{_clock(self.closes)}"
        if self.days == frozenset(range(7)):
            return f"每天 {span}" if language == "zh" else f"daily {span}"
        if language == "zh":
            return "周" + "、".join(_ZH_WEEKDAYS[d] for d in sorted(self.days)) + f" {span}"
        return ", ".join(_EN_WEEKDAYS[d] for d in sorted(self.days)) + f" {span}"


def say_when(opening: dt.datetime, now: dt.datetime, language: str) -> str:
    """When the desk opens, relative to `now` where it helps: "明天 08:00" / "tomorrow at 08:00"."""
    local_now = now.astimezone(opening.tzinfo)
    days = (opening.date() - local_now.date()).days
    clock = opening.strftime("%H:%M")
    if language == "zh":
        prefix = {0: "今天", 1: "明天"}.get(days)
        date = f"{opening.month}月{opening.day}日(周{_ZH_WEEKDAYS[opening.weekday()]})"
        return f"{prefix} {clock}" if prefix else f"{date} {clock}"
    prefix = {0: "today", 1: "tomorrow"}.get(days)
    date = f"{_EN_WEEKDAYS[opening.weekday()]} {opening.day} {_EN_MONTHS[opening.month - 1]}"
    return f"{prefix} at {clock}" if prefix else f"{date} at {clock}"


def _dates(values: object) -> frozenset[dt.date]:
    """Dates from a YAML list (dates or ISO strings)."""
    result = set()
    for value in values or []:  # type: ignore[attr-defined]
        result.add(value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)))
    return frozenset(result)


def _days(value: object) -> frozenset[int]:
    """Weekday numbers from ["mon", ...] or "mon,tue"."""
    names = value.split(",") if isinstance(value, str) else list(value or [])  # type: ignore[arg-type]
    return frozenset(_DAY_NAMES.index(str(name).strip().lower()[:3]) for name in names if str(name).strip())


def load_hours(path: Path = SETTINGS_PATH, env: Mapping[str, str] | None = None) -> BusinessHours:
    """Business hours from the settings file, with environment overrides."""
    env = os.environ if env is None else env
    settings = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    opens, closes = str(settings.get("opens", "08:00")), str(settings.get("closes", "20:00"))
    if env.get("HANDOFF_HOURS"):
        opens, _, closes = env["HANDOFF_HOURS"].partition("-")
    holidays_file = path.parent / env.get(
        "HANDOFF_HOLIDAYS_FILE", settings.get("holidays_file", "holidays.yml")
    )
    calendar = yaml.safe_load(holidays_file.read_text(encoding="utf-8")) if holidays_file.exists() else {}
    calendar = calendar or {}
    return BusinessHours(
        timezone=ZoneInfo(env.get("HANDOFF_TIMEZONE") or settings.get("timezone", "Asia/Shanghai")),
        opens=_minutes(opens),
        closes=_minutes(closes),
        days=_days(env.get("HANDOFF_DAYS") or settings.get("days", list(_DAY_NAMES))),
        holidays=_dates(calendar.get("holidays")),
        workdays=_dates(calendar.get("workdays")),
        minutes_per_case=int(env.get("HANDOFF_MINUTES_PER_CASE") or settings.get("minutes_per_case", 4)),
    )
