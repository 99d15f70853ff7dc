"""Fit each past assignee's shift and capacity from the history: when they worked, and how
many tickets they held at once.

- **Shift**: the local hours in which an agent took work (was assigned, else replied) make
  a daily window: the complement of the longest run of hours in which it did (almost)
  nothing, so a late shift crossing midnight is one window; its ends are then narrowed to
  the half hours holding the first and last ``EDGE_PERCENTILE`` of its moments. Its days
  are the weekdays on which it acted on at least half of the occurrences the history
  covers; a quiet half hour to two hours inside it, seen at quarter hours, is a break. Below
  ``MIN_EVENTS`` moments, or on a history shorter than ``MIN_SHIFT_SPAN_H``, the shift
  cannot be told and the agent stays always on (the fit's quality report says so).
- **Capacity**: the ``CONCURRENCY_PERCENTILE`` of how many of its tickets were in work
  (first assignment to the end of the observed work time, the span a replay holds the
  agent for) when another one started; 1 when it cannot be told. A channel whose tickets
  the agent (almost) never worked beside another one (email, beside chats held two at a
  time) weighs the whole capacity (``weights``), as the scenario format's capacity units
  say.
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
BREAK_SLOT_MIN = 15
BREAK_SHARE = 0.1
MIN_BREAK_MIN = 30
MAX_BREAK_MIN = 120
MIN_BREAK_EVENTS = 100
"""Breaks are read at quarter hours from at least this many moments of an agent's work."""
EDGE_PERCENTILE = 1
"""A shift's ends hold all but this percent of an agent's moments at each end."""
CONCURRENCY_PERCENTILE = 95
TOUCH_MIN = 0.1
"""Tickets overlapping by less than this (the export's rounding) follow one another."""
EXCLUSIVE_SHARE = 0.02
"""A channel whose tickets shared the agent at most this often takes all of its capacity."""
DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class Work:
    """One ticket in an agent's hands: minutes (epoch-based) and its channel."""

    start: float
    end: float
    channel: str


@dataclass(frozen=True)
class FittedAgent:
    """What the history tells about one agent's hours and capacity (None: cannot tell)."""

    id: str
    shift: dict[str, object] | None
    capacity: int | None
    events: int
    weights: dict[str, float] | None = None
    """Capacity units per ticket of a channel (None: every ticket weighs 1)."""


def fit_agents(past: Sequence[Past], zone: ZoneInfo) -> dict[str, FittedAgent]:
    """Each assignee's fitted shift and capacity (see the module doc)."""
    if not past:
        return {}
    first, last = past[0].record.created_at, past[-1].record.created_at
    span_h = (last - first).total_seconds() / 3600.0
    moments: dict[str, list[datetime]] = defaultdict(list)
    work: dict[str, list[Work]] = defaultdict(list)
    for item in past:
        record = item.record
        if not record.assignee:
            continue
        acted = record.first_assigned_at or record.first_reply_at  # replies run past shifts
        if acted is not None:
            moments[record.assignee].append(acted.astimezone(zone))
        if record.first_assigned_at is not None and item.handle_min:
            start = record.first_assigned_at.timestamp() / 60.0
            work[record.assignee].append(Work(start, start + item.handle_min, record.channel))
    agents = {p.record.assignee for p in past if p.record.assignee}
    fitted = {}
    for agent in sorted(agents):
        capacity = _capacity(work[agent])
        weights = _weights(work[agent], capacity) if capacity else None
        shift = _shift(moments[agent], first, span_h, zone)
        fitted[agent] = FittedAgent(agent, shift, capacity, len(moments[agent]), weights)
    return fitted


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
    begin, finish = _edges(moments, start, end)
    shift: dict[str, object] = {
        "days": _days(moments, first, span_h, zone),
        "start": _clock(begin),
        "end": _clock(finish),
        "timezone": zone.key,
    }
    breaks = _breaks(moments, begin, finish)
    if breaks:
        shift["breaks"] = [[_clock(a), _clock(b)] for a, b in breaks]
    return shift


def _clock(minute: int) -> str:
    return f"{minute // 60 % 24:02d}:{minute % 60:02d}"


def _breaks(moments: list[datetime], begin: int, finish: int) -> list[tuple[int, int]]:
    """Quiet stretches inside the shift (a lunch break): runs of ``BREAK_SLOT_MIN`` slots
    holding at most ``BREAK_SHARE`` of the shift's mean slot, from ``MIN_BREAK_MIN`` to
    ``MAX_BREAK_MIN`` long, off the shift's ends; none below ``MIN_BREAK_EVENTS`` moments."""
    if len(moments) < MIN_BREAK_EVENTS:
        return []
    length = (finish - begin) % 1440 or 1440
    slots = np.zeros(math.ceil(length / BREAK_SLOT_MIN), dtype=int)
    for m in moments:
        offset = (m.hour * 60 + m.minute - begin) % 1440
        if offset < length:
            slots[offset // BREAK_SLOT_MIN] += 1
    quiet = slots <= BREAK_SHARE * slots.mean()
    found, run = [], 0
    for index, still in enumerate([*quiet.tolist(), False]):
        if still:
            run += 1
            continue
        first = index - run
        minutes = run * BREAK_SLOT_MIN
        if run and first > 0 and index < len(slots) and MIN_BREAK_MIN <= minutes <= MAX_BREAK_MIN:
            start = begin + first * BREAK_SLOT_MIN
            found.append((start % 1440, (start + minutes) % 1440))
        run = 0
    return found


def _edges(moments: list[datetime], start: int, end: int) -> tuple[int, int]:
    """Minutes of the day the shift starts and ends: the window's moments' first and last
    ``EDGE_PERCENTILE``, out to whole half hours."""
    length = ((end - start) % 24 or 24) * 60
    offsets = [
        offset for m in moments if (offset := (m.hour * 60 + m.minute - start * 60) % 1440) < length
    ]
    low = float(np.percentile(offsets, EDGE_PERCENTILE))
    high = float(np.percentile(offsets, 100 - EDGE_PERCENTILE))
    begin = start * 60 + int(low // 30) * 30
    finish = start * 60 + min(math.ceil(high / 30) * 30, length)
    return begin % 1440, finish % 1440


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


def _capacity(work: list[Work]) -> int | None:
    """The percentile of concurrent tickets in work at each start (None: too few)."""
    if len(work) < MIN_EVENTS:
        return None
    starts = np.sort([w.start for w in work])
    ends = np.sort([w.end for w in work])
    # at each start: tickets started at or before it minus those already finished
    held = np.searchsorted(starts, starts, side="right") - np.searchsorted(ends, starts, "right")
    return max(1, math.ceil(float(np.percentile(held, CONCURRENCY_PERCENTILE))))


def _weights(work: list[Work], capacity: int) -> dict[str, float] | None:
    """Channels worked alone (a ticket beside another at most ``EXCLUSIVE_SHARE`` of the
    time) weigh ``capacity``; None when no channel is, or capacity is 1."""
    if capacity <= 1:
        return None
    starts = np.sort([w.start for w in work])
    ends = np.sort([w.end for w in work])
    alone: dict[str, list[bool]] = defaultdict(list)
    for item in work:
        # tickets in work at some moment of this one, itself included
        overlapping = np.searchsorted(starts, item.end - TOUCH_MIN, "left") - np.searchsorted(
            ends, item.start + TOUCH_MIN, "right"
        )
        alone[item.channel].append(bool(overlapping <= 1))
    weights = {
        channel: float(capacity)
        for channel, flags in sorted(alone.items())
        if len(flags) >= MIN_EVENTS and 1 - sum(flags) / len(flags) <= EXCLUSIVE_SHARE
    }
    return weights or None
