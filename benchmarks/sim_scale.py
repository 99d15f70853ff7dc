"""Simulator scale: a 2,000-agent, 100-skill desk at 30,000 tickets/hour, every registered policy.

The desk: 100 teams of 20 agents; team i has skill i at level 8 and skill i+1 at level 4
(chained cross-training), capacity 3; one category per skill (level 3 required), lognormal
handle times (mean 10 min, cv 1), exponential patience (mean 4 h): about 83% busy. Each
policy simulates ``--days`` (default a week) on the same traffic; prints tickets, seconds and
tickets/s per policy, then a RESULT line. ``tests/simulation/test_scale.py`` runs the same
desk at a reduced size.

    .venv/bin/python benchmarks/sim_scale.py [--days 7] [--agents 2000] [--skills 100]
        [--rate 30000] [-p POLICY ...]
"""

from __future__ import annotations

import argparse
import time

from router.policies import policy_names
from simulation.run import PolicyChoice, simulate
from simulation.scenario import Scenario, parse_scenario

HANDLE_MIN, CAPACITY = 10.0, 3


def scale_desk(agents: int, skills: int, rate_per_hour: float, days: float) -> Scenario:
    """``skills`` teams sharing ``agents``; team i: skill i at level 8, skill i+1 at level 4."""
    names = [f"S{i:03d}" for i in range(skills)]
    per_team = max(1, agents // skills)
    teams = [
        {
            "team": f"team{i:03d}",
            "count": per_team,
            "capacity": CAPACITY,
            "skills": {names[i]: 8, names[(i + 1) % skills]: 4},
        }
        for i in range(skills)
    ]
    categories = {
        name: {
            "share": 1,
            "skill": name,
            "level": 3,
            "handle": {"dist": "lognormal", "mean_min": HANDLE_MIN, "cv": 1.0},
        }
        for name in names
    }
    return parse_scenario(
        {
            "name": f"scale-{agents}",
            "seed": 3,
            "horizon_days": days,
            "drain_days": 0.05,
            "handle_slowdown": 0.5,
            "agents": teams,
            "traffic": {
                "arrivals": {"rate_per_hour": rate_per_hour},
                "categories": categories,
                "patience": {"mean_min": 240},
            },
            "routing": {"policy": "skills_least_loaded"},
        },
        "benchmark",
    )


def main() -> None:
    """Simulate the desk under each policy and print the RESULT line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=float, default=7.0)
    parser.add_argument("--agents", type=int, default=2000)
    parser.add_argument("--skills", type=int, default=100)
    parser.add_argument("--rate", type=float, default=30_000.0)
    parser.add_argument("-p", "--policy", action="append", dest="policies")
    args = parser.parse_args()
    desk = scale_desk(args.agents, args.skills, args.rate, args.days)
    timings: dict[str, float] = {}
    for name in args.policies or policy_names():
        started = time.perf_counter()
        records = simulate(desk, PolicyChoice(name))
        seconds = timings[name] = time.perf_counter() - started
        served = sum(1 for r in records if r.agent is not None)
        print(
            f"{name}: {len(records):,} tickets ({served:,} served) in {seconds:.1f}s "
            f"({len(records) / seconds:,.0f} tickets/s)",
            flush=True,
        )
    slowest = max(timings, key=timings.__getitem__)
    print(
        f"RESULT policies={len(timings)} days={args.days:g} agents={args.agents} "
        f"total_s={sum(timings.values()):.1f} slowest={slowest}:{timings[slowest]:.1f}s"
    )


if __name__ == "__main__":
    main()
