"""Working schedules: weekly shifts, breaks and holidays in the agent's own time zone."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import cached_property
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def parse_days(value: object) -> frozenset[int]:
    """Turn ``["mon", "tue"]``, ``"mon-fri"`` or ``"daily"`` into weekday numbers (Monday = 0)."""
    if isinstance(value, str):
        text = value.strip().lower()
        if text in ("daily", "all", "*"):
            return frozenset(range(7))
        if "-" in text:
            first, last = (part.strip()[:3] for part in text.split("-", 1))
            start, end = _day_index(first), _day_index(last)
            span = (end - start) % 7
            return frozenset((start + offset) % 7 for offset in range(span + 1))
        return frozenset(_day_index(part.strip()[:3]) for part in text.split(","))
    if isinstance(value, list | tuple | set | frozenset):
        days: set[int] = set()
        for item in value:
            days |= parse_days(item) if isinstance(item, str) else {int(item)}
        return frozenset(days)
    raise ValueError(f"cannot read days from {value!r}")


def _day_index(name: str) -> int:
    if name not in DAY_NAMES:
        raise ValueError(f"unknown day {name!r} (expected one of {', '.join(DAY_NAMES)})")
    return DAY_NAMES.index(name)


class Window(BaseModel):
    """A daily time window on some weekdays.

    ``end`` before ``start`` crosses midnight (the occurrence belongs to the day it starts on);
    ``end`` equal to ``start`` covers the whole day.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    days: frozenset[int] = Field(default=frozenset(range(7)), description="weekdays, Monday = 0")
    start: time
    end: time

    @field_validator("days", mode="before")
    @classmethod
    def _days(cls, value: object) -> frozenset[int]:
        days = parse_days(value)
        if not days or any(day not in range(7) for day in days):
            raise ValueError("days must name at least one weekday")
        return days

    def contains(self, local: datetime) -> bool:
        """True when the local wall-clock time falls inside this window."""
        clock = local.time().replace(tzinfo=None)
        if self.start == self.end:
            return local.weekday() in self.days
        if self.start < self.end:
            return local.weekday() in self.days and self.start <= clock < self.end
        # overnight: belongs to the day it starts on
        if clock >= self.start:
            return local.weekday() in self.days
        return (local.weekday() - 1) % 7 in self.days and clock < self.end

    def opened_on(self, local: datetime) -> date:
        """The local date on which the occurrence containing ``local`` started."""
        if self.start > self.end and local.time().replace(tzinfo=None) < self.end:
            return local.date() - timedelta(days=1)
        return local.date()


class Schedule(BaseModel):
    """When an agent works. Off shift, on a break or on a holiday means not eligible."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    timezone: str = "UTC"
    shifts: tuple[Window, ...] = Field(min_length=1)
    breaks: tuple[Window, ...] = ()
    holidays: frozenset[date] = frozenset()

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}") from None
        return value

    @cached_property
    def zone(self) -> ZoneInfo:
        """The schedule's time zone object."""
        return ZoneInfo(self.timezone)

    def on_shift(self, now: datetime) -> bool:
        """True when ``now`` lies in a shift, outside breaks, and the shift's day is no holiday."""
        local = now.astimezone(self.zone)
        for shift in self.shifts:
            if shift.contains(local) and shift.opened_on(local) not in self.holidays:
                return not any(pause.contains(local) for pause in self.breaks)
        return False

    def describe(self, now: datetime) -> str:
        """A short reason for the trace, e.g. ``off shift at Sat 10:00 Europe/Berlin``."""
        local = now.astimezone(self.zone)
        stamp = f"{DAY_NAMES[local.weekday()].title()} {local:%H:%M} {self.timezone}"
        if local.date() in self.holidays:
            return f"holiday at {stamp}"
        if any(shift.contains(local) for shift in self.shifts):
            return f"on a break at {stamp}"
        return f"off shift at {stamp}"


def always(**extra: Any) -> Schedule:
    """A schedule that is on shift at every moment (handy in tests and examples)."""
    return Schedule(shifts=(Window(start=time(0), end=time(0)),), **extra)
