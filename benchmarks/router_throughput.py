"""Router throughput: 1,000 agents × 50 skills draining 10,000 queued tickets.

For each core policy, decisions per second and the p99 latency of one decision, with the
roster updated after every assignment exactly as the sidecar and simulator do. The
baseline is a naive router that, for every ticket, scans all agents with the same rules
(no index, no caches) — run in the same process on the same queue, and checked to reach
the same decisions. Ends with one RESULT line for skills + least-loaded.

    .venv/bin/python benchmarks/router_throughput.py [--agents 1000] [--tickets 10000]
"""

from __future__ import annotations

import argparse
import math
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from random import Random

from router.decision import Assignment, Decision
from router.model import Agent, AgentStatus, Ticket
from router.policies import make_policy
from router.queue import order_queue
from router.roster import Roster

NOW = datetime(2026, 11, 25, 14, 0, tzinfo=UTC)
POLICIES = ("round_robin", "least_loaded", "least_loaded_pct", "skills", "skills_least_loaded")
HEADLINE = "skills_least_loaded"


def build_desk(n_agents: int, n_skills: int, seed: int) -> list[Agent]:
    """Agents with 3–8 skills each (popular skills more common), groups, shifts, presence."""
    rng = Random(seed)
    skills = [f"skill{k:02d}" for k in range(n_skills)]
    weights = [1 / (k + 1) ** 0.5 for k in range(n_skills)]
    zones = ["Europe/Berlin", "America/New_York", "Asia/Kolkata", "UTC"]
    agents = []
    for n in range(n_agents):
        chosen = sorted(set(rng.choices(skills, weights, k=rng.randint(3, 8))))
        schedule = None
        if rng.random() < 0.5:
            schedule = {
                "timezone": rng.choice(zones),
                "shifts": [{"days": "daily", "start": "00:00", "end": "00:00"}],
            }
        agents.append(
            Agent(
                id=f"agent{n:04d}",
                groups=frozenset({f"group{n % 10}"}),
                skills={s: rng.randint(1, 10) for s in chosen},
                capacity={"max_load": rng.choice([8, 10, 12, 15]), "weights": {"chat": 2}},
                status=AgentStatus.ONLINE if rng.random() < 0.9 else AgentStatus.AWAY,
                schedule=schedule,
            )
        )
    return agents


def build_queue(n_tickets: int, n_skills: int, seed: int) -> list[Ticket]:
    """Tickets needing one or two skills at modest levels, some with an optional skill."""
    rng = Random(seed + 1)
    weights = [1 / (k + 1) ** 0.5 for k in range(n_skills)]
    skills = [f"skill{k:02d}" for k in range(n_skills)]
    tickets = []
    for n in range(n_tickets):
        needed = sorted(set(rng.choices(skills, weights, k=rng.choice([1, 1, 2]))))
        optional = (
            {rng.choices(skills, weights)[0]: rng.randint(1, 5)} if rng.random() < 0.3 else {}
        )
        tickets.append(
            Ticket(
                id=f"T{n:05d}",
                priority=rng.choice([1, 2, 2, 3, 4]),
                channel=rng.choice(["email", "email", "chat"]),
                created_at=NOW - timedelta(seconds=rng.randint(0, 36_000)),
                required_skills={s: rng.randint(1, 6) for s in needed},
                optional_skills=optional,
            )
        )
    return order_queue(tickets)


def naive_skills_least_loaded(ticket: Ticket, roster: Roster) -> str | None:
    """The baseline: scan every agent, check every rule, keep the best. No index, no cache."""
    best: tuple[float, float, float] | None = None
    best_id = None
    for agent in roster:
        if agent.status is not AgentStatus.ONLINE:
            continue
        if agent.schedule is not None and not agent.schedule.on_shift(NOW):
            continue
        if any(agent.skills.get(s, 0) < lvl for s, lvl in ticket.required_skills.items()):
            continue
        weight = agent.capacity.weight_of(ticket)
        spare = agent.capacity.max_load - roster.load(agent.id)
        if spare < weight:
            continue
        wanted = {**ticket.optional_skills, **ticket.required_skills}
        match = float(sum(agent.skills.get(s, 0) for s in wanted))
        last = roster.last_assigned(agent.id)
        idle = math.inf if last is None else (NOW - last).total_seconds()
        key = (spare, match, idle)
        if (
            best is None
            or key > best
            or (key == best and best_id is not None and agent.id < best_id)
        ):
            best, best_id = key, agent.id
    return best_id


def drain(
    decide: Callable[[Ticket, Roster], str | None], queue: list[Ticket], roster: Roster
) -> tuple[list[str | None], list[float]]:
    """Decide the queue in order, updating the roster; returns choices and latencies (s)."""
    choices, latencies = [], []
    for ticket in queue:
        start = time.perf_counter()
        chosen = decide(ticket, roster)
        latencies.append(time.perf_counter() - start)
        choices.append(chosen)
        if chosen is not None:
            weight = roster.agents[chosen].capacity.weight_of(ticket)
            roster = roster.with_assignment(chosen, weight, NOW)
    return choices, latencies


def policy_decider(name: str) -> Callable[[Ticket, Roster], str | None]:
    """Adapt a registered policy to the drain loop."""
    policy, rng = make_policy(name), Random(0)

    def decide(ticket: Ticket, roster: Roster) -> str | None:
        decision: Decision = policy.decide(ticket, roster, NOW, rng)
        return decision.agent_id if isinstance(decision, Assignment) else None

    return decide


def p99(latencies: list[float]) -> float:
    """99th percentile in milliseconds."""
    return statistics.quantiles(latencies, n=100)[98] * 1000


def main() -> None:
    """Run every policy and the naive baseline; print a table and the RESULT line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agents", type=int, default=1000)
    parser.add_argument("--skills", type=int, default=50)
    parser.add_argument("--tickets", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    agents = build_desk(args.agents, args.skills, args.seed)
    queue = build_queue(args.tickets, args.skills, args.seed)
    roster = Roster(agents)
    print(f"{args.agents} agents × {args.skills} skills, {len(queue)} queued tickets")
    print(f"{'policy':<22}{'decisions/s':>14}{'p99 ms':>10}{'assigned':>10}")
    results = {}
    for name in POLICIES:
        started = time.perf_counter()
        choices, latencies = drain(policy_decider(name), queue, roster)
        elapsed = time.perf_counter() - started
        results[name] = (choices, len(queue) / sum(latencies), p99(latencies))
        assigned = sum(c is not None for c in choices)
        print(
            f"{name:<22}{results[name][1]:>14,.0f}{results[name][2]:>10.3f}{assigned:>10}"
            f"   (wall {elapsed:.1f}s incl. roster updates)"
        )
    naive_choices, naive_lat = drain(naive_skills_least_loaded, queue, roster)
    naive_rate = len(queue) / sum(naive_lat)
    print(
        f"{'naive linear scan':<22}{naive_rate:>14,.0f}{p99(naive_lat):>10.3f}"
        f"{sum(c is not None for c in naive_choices):>10}"
    )
    choices, rate, tail = results[HEADLINE]
    agree = sum(a == b for a, b in zip(choices, naive_choices, strict=True)) / len(queue)
    print(f"{HEADLINE} agrees with the naive baseline on {agree:.1%} of decisions")
    print(f"RESULT decisions_per_s={rate:.0f} p99_ms={tail:.3f} vs_naive={rate / naive_rate:.2f}")


if __name__ == "__main__":
    main()
