"""Business hours of the agent desk: open or closed, the next opening, holidays, settings from env."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.handoff.hours import SETTINGS_PATH, load_hours, say_when

BEIJING = ZoneInfo("Asia/Shanghai")


def beijing(*args: int) -> dt.datetime:
    """An aware time in Beijing."""
    return dt.datetime(*args, tzinfo=BEIJING)


def test_default_hours_are_every_day_eight_to_eight_beijing_time() -> None:
    hours = load_hours(env={})
    assert hours.is_open(beijing(2026, 11, 25, 8, 0))
    assert hours.is_open(beijing(2026, 11, 29, 19, 59))  # a Sunday
    assert not hours.is_open(beijing(2026, 11, 25, 20, 0))
    assert not hours.is_open(beijing(2026, 11, 25, 7, 59))
    # 12:30 UTC is 20:30 in Beijing.
    assert not hours.is_open(dt.datetime(2026, 11, 25, 12, 30, tzinfo=dt.timezone.utc))
    assert hours.describe("zh") == "每天 08:00–20:00"
    assert hours.describe("en") == "daily 08:00–20:00"


def test_next_opening_after_closing_is_tomorrow_morning() -> None:
    hours = load_hours(env={})
    evening = beijing(2026, 11, 25, 21, 15)
    opening = hours.next_opening(evening)
    assert opening == beijing(2026, 11, 26, 8, 0)
    assert say_when(opening, evening, "zh") == "明天 08:00"
    assert say_when(opening, evening, "en") == "tomorrow at 08:00"
    early = beijing(2026, 11, 26, 6, 0)
    assert say_when(hours.next_opening(early), early, "en") == "today at 08:00"


def test_holidays_from_the_data_file_are_closed() -> None:
    hours = load_hours(env={})
    assert not hours.is_open(beijing(2026, 10, 1, 10, 0))  # National Day
    opening = hours.next_opening(beijing(2026, 9, 30, 21, 0))
    assert opening == beijing(2026, 10, 4, 8, 0)
    assert say_when(opening, beijing(2026, 9, 30, 21, 0), "zh") == "10月4日(周日) 08:00"
    assert say_when(opening, beijing(2026, 9, 30, 21, 0), "en") == "Sun 4 Oct at 08:00"


def test_environment_overrides_hours_days_and_wait(tmp_path: Path) -> None:
    hours = load_hours(
        env={
            "HANDOFF_HOURS": "09:00-17:30",
            "HANDOFF_DAYS": "mon,tue,wed,thu,fri",
            "HANDOFF_MINUTES_PER_CASE": "5",
        }
    )
    assert not hours.is_open(beijing(2026, 11, 28, 10, 0))  # Saturday
    assert hours.next_opening(beijing(2026, 11, 27, 17, 30)) == beijing(2026, 11, 30, 9, 0)
    assert hours.expected_wait_minutes(3) == 15
    assert hours.describe("zh") == "周一、二、三、四、五 09:00–17:30"
    always = load_hours(env={"HANDOFF_HOURS": "00:00-24:00"})
    assert always.is_open(beijing(2026, 11, 25, 23, 59))


def test_adjusted_workdays_open_on_a_closed_weekday(tmp_path: Path) -> None:
    settings = tmp_path / "hours.yml"
    settings.write_text(
        SETTINGS_PATH.read_text(encoding="utf-8").replace(
            "[mon, tue, wed, thu, fri, sat, sun]", "[mon, tue, wed, thu, fri]"
        )
    )
    (tmp_path / "holidays.yml").write_text("holidays: []\nworkdays: [2026-02-28]\n")
    hours = load_hours(settings, env={})
    assert hours.is_open(beijing(2026, 2, 28, 9, 0))  # a Saturday made a workday
    assert not hours.is_open(beijing(2026, 3, 1, 9, 0))


def test_hours_that_never_open_are_refused(tmp_path: Path) -> None:
    hours = load_hours(env={"HANDOFF_DAYS": "mon", "HANDOFF_HOURS": "10:00-10:00"})
    with pytest.raises(ValueError):
        hours.next_opening(beijing(2026, 11, 25, 9, 0))
