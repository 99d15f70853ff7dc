"""The simulated team: router ``Agent`` values built from a scenario's agent specs, and when
shifts start.

Shifts and breaks become the router's own ``Schedule``; absences are drawn per agent and
day (seeded) and become schedule holidays, so the router's schedule filter is what keeps
an absent or off-shift agent from receiving work.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from router.model import Agent, Capacity
from router.schedule import Schedule, Window, parse_days
from simulation.scenario import AgentSpec, Scenario, ShiftSpec
from simulation.traffic import stream


def expand(spec: AgentSpec) -> Iterator[tuple[str, AgentSpec]]:
    """``(agent id, spec)`` for one agent or for every member of a team."""
    if spec.id is not None:
        yield spec.id, spec
        return
    width = max(2, len(str(spec.count)))
    for number in range(1, spec.count + 1):
        yield f"{spec.team}-{number:0{width}d}", spec


def schedule(shift: ShiftSpec, holidays: frozenset[date]) -> Schedule:
    """The router schedule for a shift spec plus the agent's absent days."""
    return Schedule(
        timezone=shift.timezone,
        shifts=(Window(days=shift.days, start=shift.start, end=shift.end),),
        breaks=tuple(Window(days=shift.days, start=a, end=b) for a, b in shift.breaks),
        holidays=holidays,
    )


def build_agents(scenario: Scenario, replication: int = 0) -> list[Agent]:
    """All agents of the scenario, with absences drawn for this replication."""
    rng = stream(scenario.seed, "absence", replication)
    dates = scenario.dates()
    agents = []
    for spec in scenario.agents:
        for agent_id, _ in expand(spec):
            absent = frozenset(day for day in dates if rng.random() < spec.absence_rate)
            if spec.shift is not None:
                plan: Schedule | None = schedule(spec.shift, absent)
            elif absent:
                plan = schedule(ShiftSpec(days="daily", start=time(0), end=time(0)), absent)
            else:
                plan = None
            agents.append(
                Agent(
                    id=agent_id,
                    groups=frozenset(spec.groups or ((spec.team,) if spec.team else ())),
                    skills=spec.skills,
                    languages=frozenset(spec.languages),
                    capacity=Capacity(max_load=spec.capacity, weights=spec.weights),
                    schedule=plan,
                )
            )
    return agents


def shift_changes(scenario: Scenario) -> list[float]:
    """Minutes after the start when some shift begins or some break ends (work may flow)."""
    return _moments(scenario, lambda shift: [shift.start, *(end for _, end in shift.breaks)])


def shift_departures(scenario: Scenario) -> list[float]:
    """Minutes after the start when some shift ends or some break begins (someone leaves:
    what a reserve of free agents, ``router.filters.Reserve``, is worked out from changes)."""
    return _moments(scenario, lambda shift: [shift.end, *(start for start, _ in shift.breaks)])


def _moments(scenario: Scenario, times: Callable[[ShiftSpec], list[time]]) -> list[float]:
    """Minutes after the start of ``times`` of every agent's shift on each of its working
    days (an overnight shift's end falls on the day it began: the night before's end)."""
    minutes: set[float] = set()
    for spec in scenario.agents:
        shift = spec.shift
        if shift is None:
            continue
        zone = ZoneInfo(shift.timezone)
        days = parse_days(shift.days)
        moments = times(shift)
        for day in scenario.dates():
            if day.weekday() not in days:
                continue
            for moment in moments:
                local = datetime.combine(day, moment, tzinfo=zone)
                offset = (local - scenario.start).total_seconds() / 60.0
                if offset > 0:
                    minutes.add(offset)
    return sorted(minutes)


def headcount(scenario: Scenario) -> int:
    """Number of agents the scenario describes."""
    return sum(spec.count if spec.id is None else 1 for spec in scenario.agents)
