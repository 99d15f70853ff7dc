"""Builders of textbook queue scenarios (M/M/c and M/M/c+M) for the validation tests."""

from __future__ import annotations

from typing import Any

from simulation.scenario import Scenario, parse_scenario


def mmc(
    lam: float,
    aht: float,
    agents: int,
    *,
    tickets: int,
    patience: float | None = None,
    within: float = 1.0,
    seed: int = 1,
    policy: str = "least_loaded",
) -> Scenario:
    """M/M/c (or M/M/c+M with ``patience``): rates per minute, ``tickets`` expected arrivals."""
    horizon = tickets / lam
    traffic: dict[str, Any] = {
        "arrivals": {"rate_per_hour": lam * 60},
        "categories": {"any": {"share": 1, "handle": {"dist": "exponential", "mean_min": aht}}},
    }
    if patience is not None:
        traffic["patience"] = {"mean_min": patience}
    return parse_scenario(
        {
            "name": "mmc",
            "seed": seed,
            "horizon_days": horizon / 1440,
            "warmup_days": horizon * 0.05 / 1440,
            "drain_days": 1,
            "sla_min": {"normal": within},
            "agents": [{"team": "agent", "count": agents, "capacity": 1}],
            "traffic": traffic,
            "routing": {"policy": policy, "sweep_min": 1440},
        },
        "mmc",
    )
