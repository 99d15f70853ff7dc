"""On-shift spans: the router's schedules read as minutes, to measure utilization and coverage."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import numpy as np
import pytest

from router.model import Agent, Capacity
from router.schedule import Schedule, Window
from simulation.onshift import Spans, schedule_spans, staffing

MONDAY = datetime(2026, 1, 5, tzinfo=UTC)
DAY = 1440.0


def spans(*pairs):
    return Spans.of(pairs)


def as_pairs(found: Spans):
    return list(zip(found.starts.tolist(), found.ends.tolist(), strict=True))


@pytest.mark.parametrize(
    ("pairs", "expected"),
    [
        pytest.param([(0, 10), (5, 20)], [(0, 20)], id="overlapping-merge"),
        pytest.param([(0, 10), (10, 20)], [(0, 20)], id="touching-merge"),
        pytest.param([(30, 40), (0, 10)], [(0, 10), (30, 40)], id="sorted"),
        pytest.param([(5, 5), (9, 3)], [], id="empty-and-reversed-dropped"),
    ],
)
def test_spans_are_the_union_of_their_pairs(pairs, expected):
    assert as_pairs(Spans.of(pairs)) == expected


def test_minus_and_clip_cut_spans():
    day = spans((0, 100), (200, 300))
    assert as_pairs(day.minus(spans((50, 60), (90, 250)))) == [(0, 50), (60, 90), (250, 300)]
    assert as_pairs(day.clip(80, 250)) == [(80, 100), (200, 250)]


@pytest.mark.parametrize(
    ("start", "end", "covered"),
    [
        pytest.param(0, 300, 200, id="everything"),
        pytest.param(50, 250, 100, id="half-of-each"),
        pytest.param(100, 200, 0, id="the-gap"),
        pytest.param(250, 1000, 50, id="past-the-end"),
        pytest.param(60, 40, 0, id="reversed-is-empty"),
    ],
)
def test_overlap_counts_covered_minutes(start, end, covered):
    assert spans((0, 100), (200, 300)).overlap(start, end) == covered


def test_next_on_is_now_inside_a_span_else_the_next_start_else_never():
    found = spans((0, 100), (200, 300)).next_on(np.array([50.0, 100.0, 150.0, 300.0]))
    assert found.tolist() == [50.0, 200.0, 200.0, np.inf]


def test_empty_spans_cover_nothing():
    empty = Spans.of([])
    assert empty.overlap(0, 100) == 0 and empty.next_on(np.array([5.0])).tolist() == [np.inf]


SCHEDULES = [
    pytest.param(
        Schedule(
            timezone="Europe/Berlin",
            shifts=(Window(days="mon-fri", start=time(8), end=time(17)),),
            breaks=(Window(days="mon-fri", start=time(12), end=time(12, 30)),),
            holidays=frozenset({date(2026, 1, 7)}),
        ),
        id="weekdays-with-a-break-and-a-holiday",
    ),
    pytest.param(
        Schedule(
            timezone="America/New_York",
            shifts=(Window(days="fri-sun", start=time(22), end=time(6)),),
            holidays=frozenset({date(2026, 1, 10)}),
        ),
        id="overnight-weekend",
    ),
    pytest.param(Schedule(shifts=(Window(days="daily", start=time(0), end=time(0)),)), id="always"),
]


@pytest.mark.parametrize("schedule", SCHEDULES)
def test_spans_agree_with_the_routers_schedule_minute_by_minute(schedule):
    """The spans are exactly when the router's schedule filter lets the agent work."""
    found = schedule_spans(schedule, MONDAY, 10 * DAY)
    for minute in np.arange(0.5, 10 * DAY, 7.0):
        inside = bool(found.overlap(minute, minute + 1e-6) > 0)
        assert inside == schedule.on_shift(MONDAY + timedelta(minutes=float(minute))), minute


def test_staffing_counts_every_agent_and_an_unscheduled_one_is_always_on():
    day_shift = Schedule(shifts=(Window(start=time(9), end=time(17)),))
    agents = [
        Agent(id="day", schedule=day_shift, capacity=Capacity(max_load=2)),
        Agent(id="always"),
    ]
    found = staffing(agents, MONDAY, 2 * DAY)
    assert found.ids == ("day", "always")
    assert [float(a.spans.overlap(0, 2 * DAY)) for a in found.agents] == [960.0, 2 * DAY]
    assert as_pairs(found.coverage) == [(0.0, 2 * DAY)]


def test_spans_follow_wall_clock_shifts_across_a_clock_change():
    """Berlin moves its clocks on 29 March 2026: the 08:00 start moves an hour in UTC."""
    schedule = Schedule(
        timezone="Europe/Berlin", shifts=(Window(days="daily", start=time(8), end=time(17)),)
    )
    start = datetime(2026, 3, 27, tzinfo=UTC)
    found = schedule_spans(schedule, start, 4 * DAY)
    assert as_pairs(found)[:3] == [(420.0, 960.0), (1860.0, 2400.0), (3240.0, 3780.0)]
    for minute in np.arange(0.5, 4 * DAY, 7.0):
        inside = bool(found.overlap(minute, minute + 1e-6) > 0)
        assert inside == schedule.on_shift(start + timedelta(minutes=float(minute))), minute
