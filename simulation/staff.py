"""Staffing: the fewest agents per team (skill group) that meet a service-level target.

First an Erlang C estimate per team from the peak-hour load of the categories it can take
(a category's load is split evenly over the teams able to take it; an agent of capacity k
counts as k servers). Then simulation refines it: teams that miss the target grow one agent
at a time until all meet it, then each team gives back agents while every team still meets it.
A team's service level is measured on the categories it is the first able team for.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np

from simulation.erlang import ErlangC
from simulation.records import columns
from simulation.run import PolicyChoice, simulate
from simulation.scenario import AgentSpec, Category, Scenario
from simulation.traffic import RateShape

_TARGET = re.compile(
    r"^\s*(?P<share>\d+(?:\.\d+)?)\s*%\s*within\s*(?P<amount>\d+(?:\.\d+)?)\s*"
    r"(?P<unit>s|sec|seconds?|m|min|minutes?|h|hours?|d|days?)\s*$",
    re.IGNORECASE,
)
_UNIT_MIN = {"s": 1 / 60, "m": 1.0, "h": 60.0, "d": 1440.0}
MAX_ROUNDS = 40


@dataclass(frozen=True)
class Target:
    """``share`` of tickets assigned within ``within_min`` minutes."""

    share: float
    within_min: float

    @classmethod
    def parse(cls, text: str) -> Target:
        """Read ``80% within 1h`` (units: s, min, h, d)."""
        found = _TARGET.match(text)
        if not found:
            raise ValueError(f"target {text!r} must look like '80% within 1h'")
        share = float(found["share"]) / 100
        if not 0 < share < 1:
            raise ValueError("the target share must be between 0% and 100%")
        unit = found["unit"].lower()[0]
        return cls(share, float(found["amount"]) * _UNIT_MIN[unit])


def can_take(spec: AgentSpec, category: Category) -> bool:
    """Whether agents of ``spec`` are eligible for tickets of ``category`` (skills and group)."""
    groups = set(spec.groups or ((spec.team,) if spec.team else ()))
    if category.group is not None and category.group not in groups:
        return False
    return category.skill is None or spec.skills.get(category.skill, 0) >= category.level


def teams(scenario: Scenario) -> list[str]:
    """Names of the scenario's teams (the groups staffing sizes)."""
    return [spec.team for spec in scenario.agents if spec.team is not None]


def primary_team(scenario: Scenario) -> dict[str, str]:
    """For each category, the first team able to take it."""
    owner = {}
    for name, category in scenario.traffic.categories.items():
        for spec in scenario.agents:
            if spec.team is not None and can_take(spec, category):
                owner[name] = spec.team
                break
    return owner


def peak_rate_per_min(scenario: Scenario) -> float:
    """The highest arrival rate of the run (profile and bursts), per minute."""
    shape = RateShape(scenario.traffic.arrivals, scenario.start)
    steps = np.arange(0.0, min(scenario.horizon_min, 14 * 1440.0), 15.0)
    peak = max((shape.factor(float(m)) for m in steps), default=1.0)
    return scenario.traffic.arrivals.rate_per_hour / 60.0 * peak


def erlang_estimate(scenario: Scenario, target: Target) -> dict[str, int]:
    """Agents per team by Erlang C at the peak-hour load."""
    cats = scenario.traffic.categories
    share_total = sum(c.share for c in cats.values())
    peak = peak_rate_per_min(scenario)
    specs = {spec.team: spec for spec in scenario.agents if spec.team is not None}
    load: dict[str, list[tuple[float, float]]] = {team: [] for team in specs}
    for category in cats.values():
        able = [team for team, spec in specs.items() if can_take(spec, category)]
        for team in able:
            load[team].append((peak * category.share / share_total / len(able),
                               category.handle.mean))
    return {team: _erlang_agents(parts, target, specs[team].capacity)
            for team, parts in load.items()}


def _erlang_agents(parts: list[tuple[float, float]], target: Target, capacity: float) -> int:
    lam = sum(rate for rate, _ in parts)
    if lam <= 0:
        return 0
    aht = sum(rate * mean for rate, mean in parts) / lam
    servers = max(1, math.floor(lam * aht) + 1)
    while ErlangC(lam, 1 / aht, servers).service_level(target.within_min) < target.share:
        servers += 1
    return math.ceil(servers / max(capacity, 1.0))


def with_counts(scenario: Scenario, counts: Mapping[str, int]) -> Scenario:
    """The scenario with team sizes replaced."""
    agents = [spec.model_copy(update={"count": counts.get(spec.team, spec.count)})
              if spec.team is not None else spec for spec in scenario.agents]
    return scenario.model_copy(update={"agents": tuple(agents)})


@dataclass
class StaffResult:
    """Erlang C estimates, the simulated minimum and each team's service level there."""

    erlang: dict[str, int]
    counts: dict[str, int]
    levels: dict[str, float]
    evaluations: int = 0
    met: bool = False
    history: list[tuple[dict[str, int], dict[str, float]]] = field(default_factory=list)


def team_levels(scenario: Scenario, choice: PolicyChoice | None, replications: int,
                target: Target) -> dict[str, float]:
    """Mean share of each team's tickets assigned within the target, over replications."""
    owner = primary_team(scenario)
    shares: dict[str, list[float]] = {team: [] for team in teams(scenario)}
    for r in range(replications):
        cols = columns(simulate(scenario, choice, r), scenario.warmup_min, scenario.horizon_min)
        served = cols.served & (cols.assigned - cols.arrival <= target.within_min)
        for team in shares:
            mine = np.isin(cols.category, [c for c, t in owner.items() if t == team])
            if mine.any():
                shares[team].append(float(served[mine].mean()))
    return {team: float(np.mean(v)) if v else 1.0 for team, v in shares.items()}


def staff(scenario: Scenario, target: Target, *, choice: PolicyChoice | None = None,
          replications: int = 3, progress: Callable[[str], None] | None = None) -> StaffResult:
    """Erlang C first, then grow failing teams and shrink passing ones by simulation."""
    estimate = erlang_estimate(scenario, target)
    counts = dict(estimate)
    result = StaffResult(erlang=estimate, counts=counts, levels={})

    def evaluate(trial: dict[str, int]) -> dict[str, float]:
        levels = team_levels(with_counts(scenario, trial), choice, replications, target)
        result.evaluations += 1
        result.history.append((dict(trial), levels))
        if progress is not None:
            progress(", ".join(f"{t}={n}" for t, n in trial.items()))
        return levels

    levels = evaluate(counts)
    for _ in range(MAX_ROUNDS):
        failing = [t for t, v in levels.items() if v < target.share]
        if not failing:
            break
        for team in failing:
            counts[team] += 1
        levels = evaluate(counts)
    result.met = all(v >= target.share for v in levels.values())
    if result.met:
        for team in list(counts):
            while counts[team] > 1:
                fewer = {**counts, team: counts[team] - 1}
                trial_levels = evaluate(fewer)
                if not all(v >= target.share for v in trial_levels.values()):
                    break
                counts, levels = fewer, trial_levels
    result.counts, result.levels = counts, levels
    return result
