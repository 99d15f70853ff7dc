"""Large desks: every registered policy runs, and a shift start to a big backlog is offered
without recursion (issue 14: it raised RecursionError)."""

from __future__ import annotations

import math
from datetime import timedelta
from pathlib import Path

import pytest

from benchmarks.sim_scale import scale_desk
from router.policies import policy_names
from simulation.run import PolicyChoice, simulate
from simulation.scenario import Scenario, load_scenario

REFERENCE = Path(__file__).parents[2] / "config" / "scenarios" / "ecommerce.yaml"


def ecommerce_scaled_up() -> Scenario:
    """The reference desk with 60 agents per team of capacity 10 and 3,000 tickets an hour,
    from 05:00 to just after 08:00, when two teams (1,200 places) start their shift to a
    backlog of about a thousand tickets."""
    reference = load_scenario(REFERENCE)
    agents = [team.model_copy(update={"count": 60, "capacity": 10}) for team in reference.agents]
    arrivals = reference.traffic.arrivals.model_copy(update={"rate_per_hour": 3000})
    return reference.evolve(
        agents=agents,
        traffic=reference.traffic.model_copy(update={"arrivals": arrivals}),
        start=reference.start + timedelta(hours=5),
        horizon_days=0.126,
        warmup_days=0,
        drain_days=0.001,
    )


def test_a_shift_start_to_a_big_backlog_is_dealt_without_recursion():
    scenario = ecommerce_scaled_up()
    records = simulate(scenario, PolicyChoice("gcmu"))
    eight = 180.0  # 08:00, minutes after the start
    at_eight = [r for r in records if r.assigned == eight]
    assert len(at_eight) > 1000  # one offer assigned them all (recursion went 1,000 deep)


def test_a_large_skills_desk_runs_under_every_registered_policy():
    desk = scale_desk(agents=200, skills=10, rate_per_hour=3000, days=0.04)
    counts = set()
    for name in policy_names():
        records = simulate(desk, PolicyChoice(name))
        served = [r for r in records if not math.isnan(r.assigned)]
        assert len(served) > 0.95 * len(records), name
        counts.add(len(records))
    assert len(counts) == 1  # the same traffic for every policy


@pytest.mark.parametrize("name", ["gcmu", "fixed_queue_ratio"])
def test_queue_aware_policies_serve_a_backlog_on_a_large_desk(name):
    desk = scale_desk(agents=100, skills=10, rate_per_hour=2500, days=0.04)
    records = simulate(desk, PolicyChoice(name))
    assert any(r.wait > 0 for r in records if not math.isnan(r.assigned))
