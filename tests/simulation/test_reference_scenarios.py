"""The shipped reference desks load, use the desk features, and run (docs/scenarios.md)."""

from __future__ import annotations

from pathlib import Path

import pytest

from simulation.run import simulate
from simulation.scenario import Scenario, load_scenario

SCENARIOS = Path(__file__).parents[2] / "config" / "scenarios"
DESKS = ["shopify_small", "midsize_tiers", "bfcm_peak"]


def desk(name: str) -> Scenario:
    return load_scenario(SCENARIOS / f"{name}.yaml")


@pytest.mark.parametrize("name", DESKS)
def test_each_reference_desk_uses_customers_agent_fit_and_channel_hours(name: str) -> None:
    scenario = desk(name)
    assert scenario.agent_fit is not None and scenario.traffic.customers is not None
    assert scenario.traffic.channel_hours and scenario.traffic.patience is not None
    assert scenario.routing.policy_file is not None and scenario.routing.policy_file.is_file()


@pytest.mark.parametrize("name", DESKS)
def test_two_days_of_each_desk_route_chats_first_and_remember_customers(name: str) -> None:
    scenario = desk(name).evolve(horizon_days=2, warmup_days=0.5, drain_days=1)
    records = simulate(scenario)
    assert records and all(r.customer is not None for r in records)
    assert all(r.priority == "urgent" for r in records if r.channel == "chat")  # the desk rule
    assert any(r.continuity for r in records)


def test_vip_emails_are_raised_to_high_by_the_desks_rule() -> None:
    scenario = desk("midsize_tiers").evolve(horizon_days=2, warmup_days=0.5, drain_days=1)
    records = simulate(scenario)
    highs = [r for r in records if r.priority == "high"]
    assert highs and all(r.channel == "email" for r in highs)
    assert 0.02 < len(highs) / len(records) < 0.1  # the 5 % VIP share, give or take
