"""Schedules: shifts in the agent's time zone, breaks, holidays, overnight shifts."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from pydantic import ValidationError

from router.schedule import Schedule, parse_days

BERLIN_WEEKDAYS = Schedule.model_validate(
    {
        "timezone": "Europe/Berlin",
        "shifts": [{"days": "mon-fri", "start": "09:00", "end": "17:00"}],
        "breaks": [{"days": "mon-fri", "start": "12:00", "end": "12:30"}],
        "holidays": ["2026-12-25"],
    }
)
NIGHTS = Schedule.model_validate(
    {"timezone": "UTC", "shifts": [{"days": ["fri"], "start": "22:00", "end": "06:00"}]}
)


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


@pytest.mark.parametrize(
    ("schedule", "moment", "working"),
    [
        pytest.param(BERLIN_WEEKDAYS, utc(2026, 11, 25, 9, 0), True, id="wed-10:00-berlin"),
        pytest.param(BERLIN_WEEKDAYS, utc(2026, 11, 25, 7, 59), False, id="before-shift-local"),
        pytest.param(BERLIN_WEEKDAYS, utc(2026, 11, 25, 11, 15), False, id="lunch-break"),
        pytest.param(BERLIN_WEEKDAYS, utc(2026, 11, 25, 15, 59), True, id="last-minute"),
        pytest.param(BERLIN_WEEKDAYS, utc(2026, 11, 25, 16, 0), False, id="end-is-exclusive"),
        pytest.param(BERLIN_WEEKDAYS, utc(2026, 11, 28, 10, 0), False, id="saturday"),
        pytest.param(BERLIN_WEEKDAYS, utc(2026, 12, 25, 10, 0), False, id="holiday"),
        pytest.param(NIGHTS, utc(2026, 11, 27, 23, 0), True, id="overnight-start-day"),
        pytest.param(NIGHTS, utc(2026, 11, 28, 5, 0), True, id="overnight-next-morning"),
        pytest.param(NIGHTS, utc(2026, 11, 28, 23, 0), False, id="overnight-not-saturday"),
        pytest.param(NIGHTS, utc(2026, 11, 27, 5, 0), False, id="thursday-night-not-worked"),
    ],
)
def test_on_shift(schedule: Schedule, moment: datetime, working: bool) -> None:
    assert schedule.on_shift(moment) is working


def test_overnight_shift_belongs_to_its_start_day_for_holidays() -> None:
    nights = NIGHTS.model_copy(update={"holidays": frozenset({date(2026, 11, 27)})})
    assert nights.on_shift(utc(2026, 11, 28, 5, 0)) is False


def test_equal_start_and_end_covers_the_whole_day() -> None:
    always = Schedule.model_validate({"shifts": [{"start": "00:00", "end": "00:00"}]})
    assert always.on_shift(utc(2026, 11, 29, 23, 59))


def test_describe_says_why_an_agent_is_not_working() -> None:
    assert BERLIN_WEEKDAYS.describe(utc(2026, 11, 28, 10, 0)).startswith("off shift at Sat 11:00")
    assert BERLIN_WEEKDAYS.describe(utc(2026, 11, 25, 11, 15)).startswith("on a break")
    assert BERLIN_WEEKDAYS.describe(utc(2026, 12, 25, 10, 0)).startswith("holiday")


@pytest.mark.parametrize(
    ("text", "days"),
    [
        pytest.param("mon-fri", {0, 1, 2, 3, 4}, id="range"),
        pytest.param("fri-mon", {4, 5, 6, 0}, id="wrapping-range"),
        pytest.param("daily", set(range(7)), id="daily"),
        pytest.param(["sat", "Sunday"], {5, 6}, id="list"),
        pytest.param("mon,wed", {0, 2}, id="comma-list"),
    ],
)
def test_parse_days(text: object, days: set[int]) -> None:
    assert parse_days(text) == frozenset(days)


def test_unknown_zone_and_day_are_rejected() -> None:
    with pytest.raises(ValidationError, match="unknown time zone"):
        Schedule.model_validate(
            {"timezone": "Mars/Olympus", "shifts": [{"start": "9:00", "end": "17:00"}]}
        )
    with pytest.raises(ValidationError, match="unknown day"):
        Schedule.model_validate({"shifts": [{"days": "funday", "start": "09:00", "end": "17:00"}]})
