"""Fit each past assignee's shift and capacity from the history: when they worked, and how
many tickets they held at once.

- **Shift**: the local hours in which an agent acted (replied, else was assigned) make a
  daily window: the complement of the longest run of hours in which it did (almost)
  nothing, so a late shift crossing midnight is one window. Its days are the weekdays on
  which it acted on at least half of the occurrences the history covers. Below
  ``MIN_EVENTS`` moments, or on a history shorter than ``MIN_SHIFT_SPAN_H``, the shift
  cannot be told and the agent stays always on (the fit's quality report says so).
- **Capacity**: the ``CONCURRENCY_PERCENTILE`` of how many of its tickets were in work
  (first assignment to the end of the observed work time, the span a replay holds the
  agent for) when another one started; 1 when it cannot be told.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np

from simulation.replay import Past

MIN_EVENTS = 20
"""Fewer moments of an agent's work than this tell nothing about its shift or capacity."""
MIN_SHIFT_SPAN_H = 24.0
"""A history shorter than a day cannot show when anyone's day starts or ends."""
WEEK_H = 7 * 24.0
"""Below a week of history, the days of the week are not fitted (every day is a work day)."""
QUIET_SHARE = 0.1
"""An hour holding less than this share of an average hour's moments counts as off duty."""
MIN_OFF_H = 4
"""A day with fewer quiet hours in a row than this is work around the clock (always on)."""
DAY_SHARE = 0.5
"""A weekday is a work day when the agent acted on at least this share of its occurrences."""
CONCURRENCY_PERCENTILE = 95
DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class FittedAgent:
    """What the history tells about one agent's hours and capacity (None: cannot tell)."""

    id: str
    shift: dict[str, object] | None
    capacity: int | None
    events: int


def fit_agents(past: Sequence[Past], zone: ZoneInfo) -> dict[str, FittedAgent]:
    """Each assignee's fitted shift and capacity (see the module doc)."""
    if not past:
        return {}
    first, last = past[0].record.created_at, past[-1].record.created_at
    span_h = (last - first).total_seconds() / 3600.0
    moments: dict[str, list[datetime]] = defaultdict(list)
    work: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for item in past:
        record = item.record
        if not record.assignee:
            continue
        acted = record.first_reply_at or record.first_assigned_at
        if acted is not None:
            moments[record.assignee].append(acted.astimezone(zone))
        if record.first_assigned_at is not None and item.handle_min:
            start = record.first_assigned_at.timestamp() / 60.0
            work[record.assignee].append((start, start + item.handle_min))
    agents = {p.record.assignee for p in past if p.record.assignee}
    return {
        agent: FittedAgent(
            agent,
            _shift(moments[agent], first, span_h, zone),
            _capacity(work[agent]),
            len(moments[agent]),
        )
        for agent in sorted(agents)
    }


def _shift(
    moments: list[datetime], first: datetime, span_h: float, zone: ZoneInfo
) -> dict[str, object] | None:
    """The agent's weekly shift, or None when the history cannot tell."""
    if span_h < MIN_SHIFT_SPAN_H or len(moments) < MIN_EVENTS:
        return None
    counts = np.bincount([m.hour for m in moments], minlength=24)
    busy = counts >= QUIET_SHARE * len(moments) / 24
    if busy.all():
        return None  # at work around the clock: always on
    start, end = _window(busy)
    if (start - end) % 24 < MIN_OFF_H:
        return None
    return {
        "days": _days(moments, first, span_h, zone),
        "start": f"{start:02d}:00",
        "end": f"{end % 24:02d}:00",
        "timezone": zone.key,
    }


def _window(busy: np.ndarray) -> tuple[int, int]:
    """Start and end hour of the complement of the longest circular run of quiet hours."""
    best_start, best_length = 0, 0
    for start in range(24):
        if busy[start] or not busy[start - 1]:
            continue  # a quiet run starts right after a busy hour
        length = 0
        while length < 24 and not busy[(start + length) % 24]:
            length += 1
        if length > best_length:
            best_start, best_length = start, length
    return (best_start + best_length) % 24, best_start


def _days(moments: list[datetime], first: datetime, span_h: float, zone: ZoneInfo) -> object:
    """The weekdays worked on at least ``DAY_SHARE`` of their occurrences ("daily" below a
    week of history, where a weekday's absence shows nothing)."""
    if span_h < WEEK_H:
        return "daily"
    start = first.astimezone(zone).date()
    dates = [start + timedelta(days=n) for n in range(math.ceil(span_h / 24.0) + 1)]
    worked = {m.date() for m in moments}
    days = []
    for weekday, name in enumerate(DAY_NAMES):
        seen = [d for d in dates if d.weekday() == weekday]
        if seen and sum(d in worked for d in seen) >= DAY_SHARE * len(seen):
            days.append(name)
    return days if days and len(days) < 7 else "daily"


def _capacity(work: list[tuple[float, float]]) -> int | None:
    """The percentile of concurrent tickets in work at each start (None: too few)."""
    if len(work) < MIN_EVENTS:
        return None
    starts = np.sort([s for s, _ in work])
    ends = np.sort([e for _, e in work])
    # at each start: tickets started at or before it minus those already finished
    held = np.searchsorted(starts, starts, side="right") - np.searchsorted(ends, starts, "right")
    return max(1, math.ceil(float(np.percentile(held, CONCURRENCY_PERCENTILE))))
