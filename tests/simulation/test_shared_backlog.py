"""The simulator offers its backlog through the router's ``Backlog``, as ``Router.drain`` does
live: the same waiting tickets at the same instant go to the same agents."""

from __future__ import annotations

import math
from datetime import timedelta
from random import Random

import pytest

from router.model import Ticket
from router.roster import Roster
from simulation.run import PolicyChoice, build_router, simulate
from simulation.scenario import Scenario, parse_scenario
from simulation.team import build_agents
from simulation.traffic import Arrival

SHIFT_STARTS_MIN = 60.0


def two_agents_and_a_backlog() -> Scenario:
    """a (skill 9) and b (skill 4) start their shift at 01:00 to four waiting tickets."""
    shift = {"days": "daily", "start": "01:00", "end": "23:00", "timezone": "UTC"}
    return parse_scenario(
        {
            "name": "issue-14",
            "seed": 1,
            "start": "2026-01-05T00:00:00+00:00",
            "horizon_days": 0.5,
            "drain_days": 0.5,
            "sla_min": {"normal": 600},
            "agents": [
                {"id": "a", "skills": {"X": 9}, "capacity": 4, "shift": shift},
                {"id": "b", "skills": {"X": 4}, "capacity": 4, "shift": shift},
            ],
            "traffic": {
                "arrivals": {"rate_per_hour": 1},
                "categories": {
                    "c": {
                        "share": 1,
                        "skill": "X",
                        "level": 1,
                        "handle": {"dist": "constant", "mean_min": 600},
                    }
                },
            },
            "routing": {"policy": "skills", "sweep_min": 1440},
        },
        "issue-14",
    )


WAITING = [
    Arrival(n, float(n), "c", "normal", "en", "email", 600.0, math.inf, None) for n in range(1, 5)
]


def simulated(scenario: Scenario, policy: str) -> dict[str, str | None]:
    records = simulate(scenario, PolicyChoice(policy), arrivals=WAITING)
    assert all(r.assigned == SHIFT_STARTS_MIN for r in records)
    return {r.ticket: r.agent for r in records}


def live(scenario: Scenario, policy: str) -> dict[str, str | None]:
    router = build_router(scenario, PolicyChoice(policy))
    tickets = [
        Ticket(
            id=str(a.number),
            source="simulation",
            type="c",
            required_skills={"X": 1},
            created_at=scenario.start + timedelta(minutes=a.at_min),
        )
        for a in WAITING
    ]
    now = scenario.start + timedelta(minutes=SHIFT_STARTS_MIN)
    results, _ = router.drain(tickets, Roster(build_agents(scenario)), now, Random(0))
    return {t.id: d.agent_id for t, d in results}


@pytest.mark.parametrize("policy", ["skills", "round_robin"])
def test_a_backlog_is_dealt_alike_live_and_simulated(policy):
    scenario = two_agents_and_a_backlog()
    dealt = {"1": "a", "2": "b", "3": "a", "4": "b"}  # one ticket per agent per round
    assert live(scenario, policy) == dealt
    assert simulated(scenario, policy) == dealt
