"""The simulator with a reserve of free agents (``reserve_agents``, ``router.filters.Reserve``):
its shortcuts assume an agent's answer depends on that agent alone, and with a reserve it
does not. Each case here is a moment where a shortcut would decide otherwise than the
live sidecar, which re-decides its whole queue at every poll."""

from __future__ import annotations

import math
from typing import Any

from simulation.run import PolicyChoice, simulate
from simulation.scenario import Scenario, parse_scenario
from simulation.traffic import Arrival

RESERVE = PolicyChoice("zendesk_capacity", {"reserve_agents": 1})
LEAVES_AT_MIN = 60.0


def desk(agents: list[dict[str, Any]]) -> Scenario:
    """A desk of ``agents`` that works tickets in arrival order (``order: [age]``), with
    one sweep a day, so that every offer in these cases comes from an event."""
    return parse_scenario(
        {
            "name": "reserve",
            "seed": 1,
            "start": "2026-01-05T00:00:00+00:00",
            "horizon_days": 0.5,
            "drain_days": 0.5,
            "sla_min": {"urgent": 5, "normal": 600},
            "agents": agents,
            "traffic": {
                "arrivals": {"rate_per_hour": 1},
                "categories": {"c": {"share": 1, "handle": {"dist": "constant", "mean_min": 9}}},
            },
            "routing": {"policy": "zendesk_capacity", "order": ["age"], "sweep_min": 1440},
        },
        "reserve",
    )


def arrival(number: int, minute: float, priority: str, handle_min: float) -> Arrival:
    """An email of category ``c`` that nobody abandons and that never reopens."""
    return Arrival(number, minute, "c", priority, "en", "email", handle_min, math.inf, None)


def assignments(scenario: Scenario, arrivals: list[Arrival]) -> dict[str, tuple[float, str]]:
    """Each ticket's (minute assigned, agent) under ``RESERVE``."""
    records = simulate(scenario, RESERVE, arrivals=arrivals)
    return {r.ticket: (r.assigned, r.agent) for r in records if r.agent is not None}


def test_an_urgent_ticket_is_not_refused_with_a_normal_one_of_its_kind() -> None:
    """#2 (normal) waits: it would take the last free agent. #5 (urgent, same category and
    channel, so the same kind of ticket) waits behind it in arrival order and takes a when
    it frees up at minute 10: a refusal shared by routing profile alone would skip it too.
    The normal tickets go only while another agent stays free."""
    scenario = desk([{"id": "a", "capacity": 1}, {"id": "b", "capacity": 1}])
    made = assignments(
        scenario,
        [
            arrival(1, 0.0, "normal", 10.0),  # a: two were free
            arrival(2, 0.5, "normal", 10.0),  # waits: b is the reserve
            arrival(3, 1.0, "urgent", 10.0),  # b: the reserve is for it
            arrival(4, 2.0, "normal", 10.0),  # waits: nobody is free
            arrival(5, 3.0, "urgent", 10.0),  # waits: nobody is free
        ],
    )
    assert made["1"] == (0.0, "a")
    assert made["3"] == (1.0, "b")
    assert made["5"] == (10.0, "a")  # not skipped as #2 is
    assert made["2"] == (20.0, "b")  # only once both are free (b idle longer): a is kept
    assert made["4"] == (30.0, "a")


def test_the_reserve_shrinks_when_an_agent_goes_off_shift() -> None:
    """With a and b on shift, b is kept free and #2 waits; when a's shift ends the reserve
    is at most one fewer than the agents on shift (none), so b takes #2 at once, as the
    live sidecar's next poll would, not at the next sweep or completion."""
    leaves = {"days": "daily", "start": "00:00", "end": "01:00", "timezone": "UTC"}
    scenario = desk([{"id": "a", "capacity": 1, "shift": leaves}, {"id": "b", "capacity": 1}])
    made = assignments(
        scenario, [arrival(1, 0.5, "normal", 600.0), arrival(2, 1.0, "normal", 600.0)]
    )
    assert made["1"] == (0.5, "a")
    assert made["2"] == (LEAVES_AT_MIN, "b")
