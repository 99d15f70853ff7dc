"""Metrics over small hand-made record sets whose answers are known.

Times are minutes from a Monday 00:00 UTC. Each test builds the few tickets it needs.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, time

import pytest

from router.model import Agent, Capacity
from router.schedule import Schedule, Window
from simulation.glossary import define
from simulation.metrics import (
    assignment_mean,
    gini,
    mean_wait,
    offhours_misses,
    per_agent,
    reopen_rate,
    resolution_times,
    service_levels,
    summary,
    unstaffed_misses,
    utilization,
    wait_percentiles,
)
from simulation.onshift import Spans, staffing
from simulation.records import TicketRecord, columns
from simulation.thresholds import Threshold

MONDAY = datetime(2026, 1, 5, tzinfo=UTC)
NAN = math.nan


def ticket(
    number: int | str,
    arrival: float,
    assigned: float = NAN,
    *,
    handle: float = 10.0,
    agent: str | None = "a",
    priority: str = "normal",
    sla: float = 60.0,
    channel: str = "email",
    **fields,
) -> TicketRecord:
    """A served ticket (or, without ``assigned``, one never served) that ends after
    ``handle`` minutes of work."""
    served = not math.isnan(assigned)
    return TicketRecord(
        ticket=str(number),
        category="ORDER",
        priority=priority,
        language="en",
        channel=channel,
        group=None,
        arrival=arrival,
        sla_target=sla,
        assigned=assigned,
        agent=agent if served else None,
        end=assigned + handle if served else NAN,
        handle=handle if served else NAN,
        **fields,
    )


def abandoned(number: int, arrival: float, gave_up: float, **fields) -> TicketRecord:
    return ticket(number, arrival, abandoned=True, gave_up=gave_up, **fields)


def day_agent(agent_id: str, capacity: float = 1.0, **weights: float) -> Agent:
    """Works 09:00-17:00 UTC every day."""
    return Agent(
        id=agent_id,
        capacity=Capacity(max_load=capacity, weights=weights),
        schedule=Schedule(shifts=(Window(start=time(9), end=time(17)),)),
    )


# --- service level and times -------------------------------------------------------------


def test_service_level_counts_all_arrivals_overall_and_per_priority():
    cols = columns(
        [
            ticket(1, 0, 30, priority="urgent"),  # within 1h
            ticket(2, 0, 90, priority="urgent"),  # within 2h only
            ticket(3, 0, 10, priority="low"),  # within 1h
            abandoned(4, 0, 20, priority="low"),  # never served: misses every threshold
        ]
    )
    levels = service_levels(cols, [Threshold(3600), Threshold(7200)])
    assert levels == {
        "sl_1h": 0.5,
        "sl_1h_low": 0.5,
        "sl_1h_urgent": 0.5,
        "sl_2h": 0.75,
        "sl_2h_low": 0.5,
        "sl_2h_urgent": 1.0,
    }


def test_times_say_which_tickets_they_cover():
    cols = columns(
        [
            ticket(1, 0, 10, handle=20),  # assigned after 10, resolved after 30
            ticket(2, 0, 30, handle=40),  # assigned after 30, resolved after 70
            ticket(3, 0, 50, handle=NAN),  # assigned after 50, still at work at the end
            abandoned(4, 0, 90),  # waited 90, then gave up
            ticket(5, 0),  # still waiting at the end
        ]
    )
    assert assignment_mean(cols) == pytest.approx(30.0)  # served: 10, 30, 50
    assert mean_wait(cols) == pytest.approx(45.0)  # ended waits: 10, 30, 50 and 90
    assert wait_percentiles(cols, (50,)) == {"p50": 30.0}  # served only
    assert resolution_times(cols) == {"resolve_mean": 50.0, "resolve_p90": pytest.approx(66.0)}


# --- reopening -----------------------------------------------------------------------------


def test_reopen_rate_is_the_share_of_resolved_first_contacts_that_came_back():
    records = [
        ticket(1, 0, 5),
        ticket(2, 0, 5),
        ticket(3, 0, 5),
        ticket(4, 0, 5),
        ticket("1r", 100, 105, reopen=True),  # ticket 1 came back
        ticket("3r", 5000, 5005, reopen=True),  # ticket 3 came back after the window
        ticket(5, 0),  # never served: cannot come back, not counted
    ]
    assert reopen_rate(columns(records, 0, 1000)) == 0.5  # 1 and 3 of 1-4
    assert reopen_rate(columns(records[:4])) == 0.0


# --- fairness ------------------------------------------------------------------------------


def test_fairness_counts_idle_agents_so_starving_one_is_unfair():
    records = [ticket(1, 0, 0, handle=30, agent="a"), ticket(2, 0, 0, handle=30, agent="b")]
    cols = columns(records)
    busy_only = per_agent(cols, "minutes")
    whole_roster = per_agent(cols, "minutes", ["a", "b", "c", "d"])
    assert busy_only == {"a": 30.0, "b": 30.0} and gini(list(busy_only.values())) == 0.0
    assert whole_roster == {"a": 30.0, "b": 30.0, "c": 0.0, "d": 0.0}
    assert gini(list(whole_roster.values())) == pytest.approx(0.5)


def test_the_minutes_gini_and_the_count_gini_differ_when_tickets_differ_in_length():
    records = [
        ticket(1, 0, 0, handle=90, agent="a"),
        ticket(2, 0, 0, handle=10, agent="b"),
        ticket(3, 0, 0, handle=10, agent="b"),
        ticket(4, 0, 0, handle=10, agent="b"),
    ]
    roster = staffing([Agent(id="a"), Agent(id="b")], MONDAY, 1440)
    found = summary(records, roster, 0, 1440)
    assert found["count_gini"] == pytest.approx(gini([1, 3]))  # b took three times as many
    assert found["fairness_gini"] == pytest.approx(gini([90, 30]))  # a worked three times longer


# --- utilization ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("agent", "records", "expected"),
    [
        pytest.param(
            day_agent("a"),
            [ticket(1, 540, 540, handle=240)],
            240 / 480,
            id="half-a-shift",
        ),
        pytest.param(
            day_agent("a"),
            [ticket(1, 990, 990, handle=60)],
            30 / 480,
            id="work-after-the-shift-end-not-counted",
        ),
        pytest.param(
            day_agent("a", capacity=2),
            [ticket(1, 540, 540, handle=480), ticket(2, 540, 540, handle=480)],
            1.0,
            id="two-at-once-at-capacity-2-is-full",
        ),
        pytest.param(
            day_agent("a", capacity=2, chat=2),
            [ticket(1, 540, 540, handle=240, channel="chat")],
            (2 * 240) / (2 * 480),
            id="a-chat-weighs-two-units",
        ),
    ],
)
def test_utilization_is_work_on_shift_over_capacity_on_shift(agent, records, expected):
    roster = staffing([agent], MONDAY, 1440)
    assert utilization(columns(records), roster, 0, 1440) == pytest.approx(expected)


def test_work_in_the_window_counts_whoever_arrived_before_it():
    """Day 2 is measured; a ticket from day 1 worked on day 2 fills day 2's capacity."""
    records = [ticket(1, 1000, 1440 + 540, handle=60), ticket(2, 1000, 600, handle=60)]
    roster = staffing([day_agent("a")], MONDAY, 2880)
    assert utilization(columns(records), roster, 1440, 2880) == pytest.approx(60 / 480)


def test_utilization_divides_by_on_shift_time_not_the_whole_window():
    """One agent busy all its 8-hour shift is fully used, not 8/24 used."""
    records = [ticket(n, 540 + 60 * n, 540 + 60 * n, handle=60) for n in range(8)]
    roster = staffing([day_agent("a")], MONDAY, 1440)
    assert utilization(columns(records), roster, 0, 1440) == pytest.approx(1.0)


# --- why the misses ------------------------------------------------------------------------


def test_a_miss_is_unstaffed_when_nobody_comes_on_before_its_deadline():
    coverage = Spans.of([(540, 1020)])  # 09:00-17:00
    cols = columns(
        [
            ticket(1, 1100, 1700, sla=60),  # 18:20: nobody until 09:00 next day -> unstaffed
            ticket(2, 480, 600, sla=60),  # 08:00, due 09:00: someone came on at 09:00 -> staffed
            ticket(3, 900, 1000, sla=60),  # missed while people worked -> staffed
            ticket(4, 900, 910, sla=60),  # met: not a miss at all
        ]
    )
    assert unstaffed_misses(cols, coverage) == pytest.approx(1 / 3)


def test_an_off_hours_miss_arrived_while_nobody_worked_whatever_came_after():
    coverage = Spans.of([(540, 1020)])
    cols = columns(
        [
            ticket(1, 1100, 1700, sla=60),  # off hours, nobody before the deadline
            ticket(2, 480, 600, sla=60),  # off hours, but a shift started before the deadline
            ticket(3, 900, 1000, sla=60),  # missed during the shift
        ]
    )
    assert offhours_misses(cols, coverage) == pytest.approx(2 / 3)
    assert unstaffed_misses(cols, coverage) == pytest.approx(1 / 3)


def test_no_misses_gives_no_share():
    cols = columns([ticket(1, 0, 5)])
    assert math.isnan(unstaffed_misses(cols, Spans.of([(0, 10)])))


# --- the summary ---------------------------------------------------------------------------


def test_every_summary_metric_has_a_definition():
    records = [ticket(1, 600, 620, priority="urgent"), abandoned(2, 600, 700, priority="low")]
    roster = staffing([day_agent("a")], MONDAY, 3000)
    found = summary(records, roster, 0, 1440, [Threshold(1800), Threshold(3600)])
    assert {"sl_30m", "sl_1h_urgent", "sla_low", "fairness_gini", "count_gini"} <= set(found)
    for name in found:
        assert define(name), name
