"""Staffing: the fewest agents per team (skill group) that meet a service-level target.

First an Erlang C estimate per team from the peak-hour load of the categories it can take
(a category's load is split evenly over the teams able to take it; an agent of capacity k
counts as k servers). Then simulation refines it: teams that miss the target grow one agent
at a time until all of them and the desk as a whole meet it, then each team gives back
agents while that still holds.

A team's service level is measured on the tickets it is there for that arrived during its
hours (its shift; always, without one): the categories it is the first able team for, or,
for a team that is first for none (a cover team: early and late shifts, weekends, every
skill at a lower level), every category it can take. The desk's level is measured on every
ticket that arrived while some team was on shift. A ticket arriving while nobody works
waits for the next shift whatever the staffing, so it counts for no level.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta

import numpy as np
import numpy.typing as npt

from simulation.erlang import ErlangC
from simulation.records import Columns, columns
from simulation.run import PolicyChoice, simulate
from simulation.scenario import AgentSpec, Category, Scenario
from simulation.team import schedule
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
            load[team].append(
                (peak * category.share / share_total / len(able), category.handle.mean)
            )
    return {
        team: _erlang_agents(parts, target, specs[team].capacity) for team, parts in load.items()
    }


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
    agents = [
        spec.model_copy(update={"count": counts.get(spec.team, spec.count)})
        if spec.team is not None
        else spec
        for spec in scenario.agents
    ]
    return scenario.model_copy(update={"agents": tuple(agents)})


@dataclass(frozen=True)
class Levels:
    """Shares of tickets assigned within the target: per team and for the whole desk."""

    teams: dict[str, float]
    """Per team (NaN: a cover team that took no tickets, so nothing to measure)."""
    desk: float
    covers: frozenset[str] = frozenset()
    """Teams measured on the tickets they took (first able team for no category)."""

    def failing(self, share: float) -> list[str]:
        """Teams below ``share`` (a team with nothing measured never fails)."""
        return [team for team, level in self.teams.items() if level < share]

    def meet(self, share: float) -> bool:
        """Every team and the desk at or above ``share``."""
        return not self.failing(share) and self.desk >= share


@dataclass
class StaffResult:
    """Erlang C estimates, the simulated minimum and the service levels there."""

    erlang: dict[str, int]
    counts: dict[str, int]
    levels: Levels
    evaluations: int = 0
    met: bool = False
    history: list[tuple[dict[str, int], Levels]] = field(default_factory=list)


def team_levels(
    scenario: Scenario, choice: PolicyChoice | None, replications: int, target: Target
) -> Levels:
    """Mean share of each team's tickets, and of the desk's, assigned within the target,
    over replications (see the module's description for which tickets count)."""
    owner = primary_team(scenario)
    covers = frozenset(team for team in teams(scenario) if team not in owner.values())
    specs = {spec.team: spec for spec in scenario.agents if spec.team is not None}
    able = {
        team: [
            name
            for name, category in scenario.traffic.categories.items()
            if (can_take(spec, category) if team in covers else owner.get(name) == team)
        ]
        for team, spec in specs.items()
    }
    shares: dict[str, list[float]] = {team: [] for team in specs}
    desk: list[float] = []
    for r in range(replications):
        cols = columns(simulate(scenario, choice, r), scenario.warmup_min, scenario.horizon_min)
        served = cols.served & (cols.assigned - cols.arrival <= target.within_min)
        hours = {team: _in_hours(cols, spec, scenario) for team, spec in specs.items()}
        staffed = np.zeros(len(cols), dtype=bool)
        for spec in scenario.agents:  # every agent, teams or not
            staffed |= hours[spec.team] if spec.team in hours else _in_hours(cols, spec, scenario)
        if staffed.any():
            desk.append(float(served[staffed].mean()))
        for team in shares:
            mine = np.isin(cols.category, able[team]) & hours[team]
            if mine.any():
                shares[team].append(float(served[mine].mean()))
    return Levels(
        teams={team: float(np.mean(v)) if v else math.nan for team, v in shares.items()},
        desk=float(np.mean(desk)) if desk else math.nan,
        covers=covers,
    )


def _in_hours(cols: Columns, spec: AgentSpec, scenario: Scenario) -> npt.NDArray[np.bool_]:
    """Tickets that arrived while agents of ``spec`` were on shift (all without a shift)."""
    if spec.shift is None:
        return np.ones(len(cols), dtype=bool)
    hours = schedule(spec.shift, frozenset())
    start = scenario.start
    return np.fromiter(
        (hours.on_shift(start + timedelta(minutes=float(m))) for m in cols.arrival),
        dtype=bool,
        count=len(cols),
    )


def staff(
    scenario: Scenario,
    target: Target,
    *,
    choice: PolicyChoice | None = None,
    replications: int = 3,
    progress: Callable[[str], None] | None = None,
) -> StaffResult:
    """Erlang C first, then grow failing teams and shrink passing ones by simulation."""
    estimate = erlang_estimate(scenario, target)
    counts = dict(estimate)

    def evaluate(trial: dict[str, int]) -> Levels:
        levels = team_levels(with_counts(scenario, trial), choice, replications, target)
        result.evaluations += 1
        result.history.append((dict(trial), levels))
        if progress is not None:
            progress(", ".join(f"{t}={n}" for t, n in trial.items()))
        return levels

    result = StaffResult(erlang=estimate, counts=counts, levels=Levels({}, math.nan))
    levels = evaluate(counts)
    for _ in range(MAX_ROUNDS):
        if levels.meet(target.share):
            break
        # teams below target grow; when only the desk as a whole misses, its weakest team
        grow = levels.failing(target.share) or _weakest(levels)
        if not grow:
            break
        for team in grow:
            counts[team] += 1
        levels = evaluate(counts)
    result.met = levels.meet(target.share)
    if result.met:
        for team in list(counts):
            while counts[team] > 1:
                fewer = {**counts, team: counts[team] - 1}
                trial_levels = evaluate(fewer)
                if not trial_levels.meet(target.share):
                    break
                counts, levels = fewer, trial_levels
    result.counts, result.levels = counts, levels
    return result


def _weakest(levels: Levels) -> list[str]:
    measured = [(level, team) for team, level in levels.teams.items() if not math.isnan(level)]
    return [min(measured)[1]] if measured else []
