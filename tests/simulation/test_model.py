"""The SimPy model: determinism, common random numbers, and the rules of the desk it keeps."""

from __future__ import annotations

import hashlib
import math
from collections import defaultdict
from datetime import timedelta
from pathlib import Path

import pytest

from simulation.records import as_dict
from simulation.run import PolicyChoice, simulate
from simulation.scenario import load_scenario, parse_scenario
from simulation.team import build_agents
from simulation.traffic import generate

REFERENCE = Path(__file__).parents[2] / "config" / "scenarios" / "ecommerce.yaml"


def small(**changes):
    """Three days of the reference scenario (fast, but with shifts, skills and escalation)."""
    return load_scenario(REFERENCE).evolve(**{"horizon_days": 3, "warmup_days": 0.5, **changes})


def digest(records) -> str:
    text = "\n".join(repr(sorted(as_dict(r).items())) for r in records)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def test_same_scenario_policy_and_seed_give_identical_records():
    scenario = small()
    assert digest(simulate(scenario)) == digest(simulate(scenario))


def test_another_seed_gives_other_records():
    assert digest(simulate(small())) != digest(simulate(small(seed=99)))


# Pinned after the switch to NumPy-drawn traffic (arrivals, mix, handle and patience streams
# changed on purpose); the model and router give identical records for identical arrivals.
# gcmu re-pinned when the backlog moved into the router (issue 14): classes are ranked for
# no particular agent, as the live sidecar ranks them. gcmu and fixed_queue_ratio re-pinned
# for priority protection (issue 15): with trade_priority=True they give the old pins.
@pytest.mark.parametrize(
    ("policy", "tickets", "first_agents", "abandoned", "escalated", "wait"),
    [
        pytest.param(
            "skills_least_loaded",
            1711,
            ["early-01", "early-02", "early-02"],
            34,
            54,
            48.4724,
            id="skills_least_loaded",
        ),
        pytest.param(
            "gcmu", 1711, ["early-01", "early-02", "early-02"], 34, 54, 48.4604, id="gcmu"
        ),
        pytest.param(
            "fixed_queue_ratio",
            1712,
            ["early-02", "early-01", "early-02"],
            33,
            50,
            48.1946,
            id="fixed_queue_ratio",
        ),
    ],
)
def test_seeded_regression_pins(policy, tickets, first_agents, abandoned, escalated, wait):
    records = simulate(small(), PolicyChoice(policy))
    served = sorted((r for r in records if not math.isnan(r.assigned)), key=lambda r: r.assigned)
    assert len(records) == tickets
    assert [r.agent for r in served[:3]] == first_agents
    assert sum(r.abandoned for r in records) == abandoned
    assert sum(r.escalated for r in records) == escalated
    assert round(sum(r.wait for r in served) / len(served), 4) == wait


def test_policies_see_the_same_traffic():
    scenario = small()
    one = simulate(scenario, PolicyChoice("round_robin"))
    other = simulate(scenario, PolicyChoice("gcmu"))
    fresh = [(r.ticket, r.arrival, r.category, r.priority) for r in one if not r.reopen]
    assert fresh == [(r.ticket, r.arrival, r.category, r.priority) for r in other if not r.reopen]


def test_no_agent_ever_holds_more_than_its_capacity():
    scenario = small()
    capacity = {a.id: a.capacity.max_load for a in build_agents(scenario)}
    events = defaultdict(list)
    for r in simulate(scenario):
        if not math.isnan(r.assigned):
            events[r.agent] += [(r.assigned, 1), (r.end, -1)]
    for agent, changes in events.items():
        load = 0
        for _, step in sorted(changes, key=lambda e: (e[0], e[1])):
            load += step
            assert load <= capacity[agent]


def test_work_starts_only_while_the_agent_is_on_shift():
    scenario = small()
    agents = {a.id: a for a in build_agents(scenario)}
    for r in simulate(scenario):
        if not math.isnan(r.assigned):
            moment = scenario.start + timedelta(minutes=r.assigned)
            assert agents[r.agent].schedule.on_shift(moment), (r.agent, moment)


def test_required_skills_are_respected():
    scenario = small()
    agents = {a.id: a for a in build_agents(scenario)}
    categories = scenario.traffic.categories
    for r in simulate(scenario):
        if r.agent is not None:
            category = categories[r.category]
            assert agents[r.agent].skills.get(category.skill, 0) >= category.level


def test_escalation_abandonment_and_reopen_all_happen_in_the_reference_scenario():
    records = simulate(small(horizon_days=5))
    assert any(r.escalated for r in records)
    assert any(r.abandoned for r in records)
    assert any(r.reopen for r in records)
    for r in records:
        if r.abandoned:
            assert math.isnan(r.assigned) and r.gave_up >= r.arrival


def test_arrival_profile_shapes_the_day():
    scenario = load_scenario(REFERENCE).evolve(horizon_days=14)
    hours = [0] * 24
    for arrival in generate(scenario):
        local = scenario.start + timedelta(minutes=arrival.at_min)
        hours[local.astimezone(scenario.start.tzinfo).hour] += 1
    assert hours[10] > 5 * hours[3]


def test_burst_raises_the_arrival_rate():
    scenario = parse_scenario(
        {
            "horizon_days": 2,
            "agents": [{"team": "a", "count": 1}],
            "traffic": {
                "arrivals": {
                    "rate_per_hour": 60,
                    "bursts": [{"start": "2026-01-05T12:00:00+00:00", "minutes": 120, "factor": 3}],
                },
                "categories": {"x": {"share": 1, "handle": {"mean_min": 1}}},
            },
        },
        "burst",
    )
    times = [a.at_min for a in generate(scenario)]
    during = sum(720 <= t < 840 for t in times)
    before = sum(480 <= t < 600 for t in times)
    assert during > 2 * before


def test_business_rules_of_the_policy_file_enrich_simulated_tickets(tmp_path):
    policy = tmp_path / "policy.yaml"
    policy.write_text(
        "version: 1\n"
        "queue: {order: [priority, age]}\n"
        "rules:\n"
        "  - name: refunds-are-urgent\n"
        "    when: {field: type, equals: REFUND}\n"
        "    then: {set_priority: urgent}\n",
        encoding="utf-8",
    )
    routing = small().routing.model_copy(update={"policy_file": policy})
    records = simulate(small().model_copy(update={"routing": routing}))
    refunds = [r for r in records if r.category == "REFUND"]
    assert refunds and all(r.priority == "urgent" for r in refunds)
    assert any(r.priority != "urgent" for r in records if r.category != "REFUND")
    assert all(r.sla_target == small().sla_min["urgent"] for r in refunds)
