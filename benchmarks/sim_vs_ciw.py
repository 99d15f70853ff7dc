"""Simulator speed: M/M/20 at ρ = 0.9 through the router's policy path, against Ciw in the same run.

Our model routes every ticket with the router's pick (``Router.chooser_for``: the
least-loaded policy's filters, scores and tie-breaks on a ``Roster``), on SimPy. Ciw (the
``bench`` extra) simulates the same queue, each run on a clean heap. Runs alternate
ours/Ciw for several repeats; prints medians and the median of the paired ratios. Then
times one simulated year of a 200-agent, 20-skill desk (chained cross-training: each team
has its own skill and its neighbour's at a lower level).

    .venv/bin/python benchmarks/sim_vs_ciw.py [--tickets 200000] [--repeats 3] [--year-days 365]
"""

from __future__ import annotations

import argparse
import gc
import statistics
import time

import ciw

from simulation.erlang import ErlangC
from simulation.metrics import mean_wait, p_wait
from simulation.records import Columns, columns
from simulation.run import simulate
from simulation.scenario import Scenario, parse_scenario

LAM, MU, AGENTS = 18.0, 1.0, 20


def mmc(tickets: int, seed: int) -> Scenario:
    """M/M/20, λ = 18/min, μ = 1/min, ``tickets`` expected arrivals."""
    return parse_scenario(
        {
            "name": "mm20",
            "seed": seed,
            "horizon_days": tickets / LAM / 1440,
            "drain_days": 0.01,
            "sla_min": {"normal": 0.2},
            "agents": [{"team": "agent", "count": AGENTS, "capacity": 1}],
            "traffic": {
                "arrivals": {"rate_per_hour": LAM * 60},
                "categories": {"any": {"share": 1, "handle": {"mean_min": 1 / MU}}},
            },
            "routing": {"policy": "least_loaded", "sweep_min": 1e6},
        },
        "benchmark",
    )


def ours(tickets: int, seed: int) -> tuple[float, int, Columns]:
    """Wall seconds, tickets simulated and the records (as columns) of one run of ours."""
    scenario = mmc(tickets, seed)
    started = time.perf_counter()
    records = simulate(scenario)
    seconds = time.perf_counter() - started
    return seconds, len(records), columns(records, 60.0)


def theirs(tickets: int, seed: int) -> tuple[float, int]:
    """Wall seconds and arrivals of one Ciw run of the same queue."""
    network = ciw.create_network(
        arrival_distributions=[ciw.dists.Exponential(LAM)],
        service_distributions=[ciw.dists.Exponential(MU)],
        number_of_servers=[AGENTS],
    )
    ciw.seed(seed)
    model = ciw.Simulation(network)
    started = time.perf_counter()
    model.simulate_until_max_customers(tickets, method="Arrive")
    return time.perf_counter() - started, tickets


def year_desk(days: float) -> Scenario:
    """200 agents in 20 teams of 10; team i: skill i at level 8, skill i+1 at level 4."""
    skills = [f"S{i:02d}" for i in range(20)]
    agents = [
        {
            "team": f"team{i:02d}",
            "count": 10,
            "capacity": 1,
            "skills": {skills[i]: 8, skills[(i + 1) % 20]: 4},
        }
        for i in range(20)
    ]
    categories = {
        s: {
            "share": 1,
            "skill": s,
            "level": 3,
            "handle": {"dist": "lognormal", "mean_min": 30, "cv": 1.0},
        }
        for s in skills
    }
    return parse_scenario(
        {
            "name": "year-200",
            "seed": 1,
            "horizon_days": days,
            "drain_days": 1,
            "handle_slowdown": 0.5,
            "agents": agents,
            "traffic": {
                "arrivals": {"rate_per_hour": 0.85 * 200 * 60 / 30 / 1.1},
                "categories": categories,
                "patience": {"mean_min": 240},
            },
            "routing": {"policy": "skills_least_loaded"},
        },
        "benchmark",
    )


def main() -> None:
    """Run the comparison and print the RESULT line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=200_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--year-days", type=float, default=365.0)
    args = parser.parse_args()
    exact = ErlangC(LAM, MU, AGENTS)
    ours_rates, ciw_rates, ratios = [], [], []
    for repeat in range(args.repeats):
        seconds, count, cols = ours(args.tickets, repeat)
        ours_rate = count / seconds
        gc.collect()  # Ciw starts on a clean heap: our records are gone, nothing left to scan
        ciw_seconds, ciw_count = theirs(args.tickets, repeat)
        ciw_rate = ciw_count / ciw_seconds
        gc.collect()
        print(
            f"repeat {repeat}: ours {ours_rate:,.0f} tickets/s ({count} in {seconds:.2f}s; "
            f"P(wait) {p_wait(cols):.4f} vs exact {exact.p_wait():.4f}, mean wait "
            f"{mean_wait(cols):.4f} vs {exact.mean_wait():.4f}) | ciw {ciw_rate:,.0f} "
            f"arrivals/s ({ciw_seconds:.2f}s) | ratio {ours_rate / ciw_rate:.2f}"
        )
        ours_rates.append(ours_rate)
        ciw_rates.append(ciw_rate)
        ratios.append(ours_rate / ciw_rate)
    rate, ciw_median, ratio = (statistics.median(x) for x in (ours_rates, ciw_rates, ratios))
    print(
        f"median: ours {rate:,.0f} tickets/s, ciw {ciw_median:,.0f} arrivals/s, "
        f"paired ratio {ratio:.2f}"
    )
    desk = year_desk(args.year_days)
    started = time.perf_counter()
    records = simulate(desk)
    year_s = time.perf_counter() - started
    print(
        f"{args.year_days:g} simulated days of a 200-agent, 20-skill desk: {len(records):,} "
        f"tickets in {year_s:.1f}s ({len(records) / year_s:,.0f} tickets/s)"
    )
    print(f"RESULT tickets_per_s={rate:.0f} vs_ciw={ratio:.2f} year_200_agents_s={year_s:.1f}")


if __name__ == "__main__":
    main()
