"""Who was on shift when, in minutes from the scenario start: spans read off agents' schedules.

The metrics need on-shift time for two things: utilization (work over the capacity that was
on shift) and the "why the misses" count (tickets that met nobody on shift before their
deadline). Both read the router's own ``Schedule`` (shifts, breaks, the absence days of the
replication) turned into spans here, so a metric and the router's schedule filter agree on
who was at work; an agent without a schedule is always on.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import numpy as np
import numpy.typing as npt

from router.model import Agent, Capacity
from router.schedule import Schedule, Window

Floats = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Spans:
    """Sorted, disjoint half-open spans ``[start, end)`` of minutes."""

    starts: Floats
    ends: Floats

    @classmethod
    def of(cls, pairs: Iterable[tuple[float, float]]) -> Spans:
        """The union of ``(start, end)`` pairs (empty and reversed pairs ignored)."""
        merged: list[list[float]] = []
        for start, end in sorted(p for p in pairs if p[1] > p[0]):
            if merged and start <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], end)
            else:
                merged.append([start, end])
        return cls(
            np.array([m[0] for m in merged], dtype=float),
            np.array([m[1] for m in merged], dtype=float),
        )

    def minus(self, other: Spans) -> Spans:
        """These spans with ``other``'s taken out."""
        kept: list[tuple[float, float]] = []
        for start, end in zip(self.starts.tolist(), self.ends.tolist(), strict=True):
            for cut_start, cut_end in zip(other.starts.tolist(), other.ends.tolist(), strict=True):
                if cut_end <= start or cut_start >= end:
                    continue
                kept.append((start, cut_start))
                start = cut_end
            kept.append((start, end))
        return Spans.of(kept)

    def clip(self, low: float, high: float) -> Spans:
        """The part of these spans inside ``[low, high)``."""
        return Spans.of(
            (max(s, low), min(e, high))
            for s, e in zip(self.starts.tolist(), self.ends.tolist(), strict=True)
        )

    def before(self, moments: Floats | float) -> Floats:
        """Minutes covered before each moment (a non-decreasing function of the moment)."""
        t = np.asarray(moments, dtype=float)
        lengths = self.ends - self.starts
        whole = np.concatenate(([0.0], np.cumsum(lengths)))  # covered before span i starts
        index = np.searchsorted(self.starts, t, side="right")  # spans started by t
        last = np.maximum(index - 1, 0)
        partial = np.clip(t - self.starts[last], 0.0, lengths[last]) if len(lengths) else 0.0
        return np.where(index > 0, whole[last] + partial, 0.0)

    def overlap(self, start: Floats | float, end: Floats | float) -> Floats:
        """Minutes covered inside each ``[start, end)``."""
        return self.before(np.maximum(end, start)) - self.before(start)

    def next_on(self, moments: Floats) -> Floats:
        """The first covered moment at or after each moment (``inf``: none)."""
        t = np.asarray(moments, dtype=float)
        index = np.searchsorted(self.ends, t, side="right")
        inside = index < len(self.ends)
        starts = np.append(self.starts, np.inf)[index]
        return np.where(inside, np.maximum(t, starts), np.inf)


def always(until: float) -> Spans:
    """On from minute 0 to ``until``."""
    return Spans.of([(0.0, until)])


def schedule_spans(schedule: Schedule, start: datetime, until: float) -> Spans:
    """The minutes in ``[0, until)`` after ``start`` when ``schedule.on_shift`` holds."""
    zone = schedule.zone
    first = start.astimezone(zone).date() - timedelta(days=1)
    last = (start + timedelta(minutes=until)).astimezone(zone).date() + timedelta(days=1)
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]

    def minute(day: date, clock: time) -> float:
        return (datetime.combine(day, clock, tzinfo=zone) - start).total_seconds() / 60.0

    def occurrences(window: Window, skip: frozenset[date]) -> Iterator[tuple[float, float]]:
        for day in days:
            if day.weekday() not in window.days or day in skip:
                continue
            if window.start == window.end:  # the whole weekday
                yield minute(day, time(0)), minute(day + timedelta(days=1), time(0))
            elif window.start < window.end:
                yield minute(day, window.start), minute(day, window.end)
            else:  # overnight: belongs to the day it starts on
                yield minute(day, window.start), minute(day + timedelta(days=1), window.end)

    shifts = Spans.of(o for w in schedule.shifts for o in occurrences(w, schedule.holidays))
    breaks = Spans.of(o for w in schedule.breaks for o in occurrences(w, frozenset()))
    return shifts.minus(breaks).clip(0.0, until)


@dataclass(frozen=True)
class AgentTime:
    """One agent's on-shift spans and the capacity it offers while on."""

    id: str
    capacity: Capacity
    spans: Spans


@dataclass(frozen=True)
class Staffing:
    """Every agent's on-shift spans, and when anyone at all was on (``coverage``)."""

    agents: tuple[AgentTime, ...]
    coverage: Spans

    @property
    def ids(self) -> tuple[str, ...]:
        """Every agent of the roster, whether or not it handled anything."""
        return tuple(agent.id for agent in self.agents)


def staffing(agents: Sequence[Agent], start: datetime, until: float) -> Staffing:
    """On-shift spans in ``[0, until)`` of each agent (as built for one replication)."""
    timed = tuple(
        AgentTime(
            agent.id,
            agent.capacity,
            always(until)
            if agent.schedule is None
            else schedule_spans(agent.schedule, start, until),
        )
        for agent in agents
    )
    pairs = (
        (s, e)
        for a in timed
        for s, e in zip(a.spans.starts.tolist(), a.spans.ends.tolist(), strict=True)
    )
    return Staffing(timed, Spans.of(pairs))
