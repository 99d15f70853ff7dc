"""Fit a scenario from history: arrival rate and profile, ticket mix, handle times, the team.

- Mix: shares of categories (ticket type, else group), priorities, languages, channels.
- Handle time per category: lognormal (mean and CV) from at least ``MIN_SAMPLES`` observed
  work times, exponential with the observed mean below that, a default when none.
- Arrivals: the mean rate over the history's span (its true length, however short), with
  hour-of-day and day-of-week multipliers (each averaging 1 over a whole week) in the
  chosen time zone, each the rate seen in that hour or day over the time the history
  covered of it; an hour or day the history never covered gets 1 (unknown: average).
- Team: one agent per past assignee, in the groups they worked, able to take every
  category they handled; categories route to their most common group; its shift (from when
  it worked) and capacity (from how many tickets it held at once) fitted by
  ``simulation.team_fit`` where the history can tell.
- Quality: ``fit_history`` also returns how much history there was and where the fit
  cannot be trusted (``simulation.fit_quality``).
- Strengths: each agent's level in a category is the one learned from the same history
  (``simulation.strengths``; or from a given strengths file), 5 without evidence. When
  some level differs from the typical 5, the scenario gets the level scale's
  ``handle_slowdown`` and each category's handle time is an expert's (the observed mean
  over the typical agent's factor), so a simulated agent works its category in about its
  learned relative time; when none differs, every agent is typical and nothing changes.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from router.policies.strengths_file import TYPICAL_LEVEL, StrengthsFile, typical_factor
from simulation.fit_quality import FitQuality, assess
from simulation.replay import Past, category_of, priority_name
from simulation.scenario import Scenario
from simulation.strengths import learn
from simulation.team_fit import FittedAgent, fit_agents

MIN_SAMPLES = 10
MIN_COVERED_H = 1.0
"""An hour of day (a weekday: 24 times this) covered less than this keeps multiplier 1."""
DEFAULT_HANDLE_MIN = 20.0
LEVEL = TYPICAL_LEVEL


def _shares(counter: Counter[str]) -> dict[str, float]:
    total = sum(counter.values())
    return {key: round(count / total, 4) for key, count in counter.most_common()}


def _profile(past: Sequence[Past], zone: ZoneInfo) -> dict[str, list[float]]:
    """Hour-of-day and day-of-week multipliers: each bin's rate (arrivals over the hours the
    history covered of it) over the mean rate; 1 where the history covered too little."""
    first, last = past[0].record.created_at, past[-1].record.created_at
    hours_seen, days_seen = _exposure(first, last, zone)
    hours, days = [0] * 24, [0] * 7
    for item in past:
        local = item.record.created_at.astimezone(zone)
        hours[local.hour] += 1
        days[local.weekday()] += 1
    total = sum(hours_seen)
    mean = len(past) / total if total > 0 else 0.0

    def multipliers(counts: list[int], seen: list[float], least: float) -> list[float]:
        return [
            round(count / covered / mean, 3) if mean > 0 and covered >= least else 1.0
            for count, covered in zip(counts, seen, strict=True)
        ]

    return {
        "hours": multipliers(hours, hours_seen, MIN_COVERED_H),
        "days": multipliers(days, days_seen, 24.0 * MIN_COVERED_H),
    }


def _exposure(first: datetime, last: datetime, zone: ZoneInfo) -> tuple[list[float], list[float]]:
    """Hours of ``[first, last]`` falling in each local hour of day and each weekday."""
    hours, days = [0.0] * 24, [0.0] * 7
    moment = first
    while moment < last:
        local = moment.astimezone(zone)
        following = local.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
        stop = min(following.astimezone(UTC), last)
        length = (stop - moment).total_seconds() / 3600.0
        hours[local.hour] += length
        days[local.weekday()] += length
        moment = stop
    return hours, days


def _handle(samples: list[float], factor: float = 1.0) -> dict[str, object]:
    """The handle-time distribution of an agent whose handle factor is ``factor``."""
    if not samples:
        return {"dist": "exponential", "mean_min": round(DEFAULT_HANDLE_MIN / factor, 3)}
    mean = statistics.fmean(samples)
    if len(samples) < MIN_SAMPLES:
        return {"dist": "exponential", "mean_min": round(mean / factor, 3)}
    cv = statistics.pstdev(samples) / mean if mean > 0 else 1.0
    return {
        "dist": "lognormal",
        "mean_min": round(mean / factor, 3),
        "cv": round(max(cv, 0.05), 3),
    }


@dataclass(frozen=True)
class FittedHistory:
    """A scenario fitted from history, and how far to trust it."""

    scenario: Scenario
    quality: FitQuality


def fit(
    past: Sequence[Past],
    name: str = "fitted",
    timezone: str = "UTC",
    strengths: StrengthsFile | None = None,
) -> Scenario:
    """A scenario reproducing the history's traffic and team (``fit_history``'s scenario)."""
    return fit_history(past, name, timezone, strengths).scenario


def fit_history(
    past: Sequence[Past],
    name: str = "fitted",
    timezone: str = "UTC",
    strengths: StrengthsFile | None = None,
) -> FittedHistory:
    """A scenario reproducing the history's traffic and team (validated like any file),
    with its quality report; agents' levels from ``strengths``, else learned from ``past``."""
    if len(past) < 2:
        raise ValueError("fitting needs at least two historical tickets")
    if strengths is None and any(p.record.assignee for p in past):
        strengths = learn(past)
    try:
        zone = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {timezone!r} (e.g. Europe/Berlin)") from None
    first, last = past[0].record.created_at, past[-1].record.created_at
    span_h = max((last - first).total_seconds() / 3600.0, 1 / 60)  # at least a minute
    categories: Counter[str] = Counter(category_of(p.record) for p in past)
    handles: dict[str, list[float]] = defaultdict(list)
    groups: dict[str, Counter[str]] = defaultdict(Counter)
    worked: dict[str, set[str]] = defaultdict(set)
    teams: dict[str, set[str]] = defaultdict(set)
    for item in past:
        record, category = item.record, category_of(item.record)
        if item.handle_min:
            handles[category].append(item.handle_min)
        if record.group:
            groups[category][record.group] += 1
        if record.assignee:
            worked[record.assignee].add(category)
            if record.group:
                teams[record.assignee].add(record.group)
    levels = _levels(worked, strengths)
    team = fit_agents(past, zone)
    slowdown = _slowdown(levels, strengths)
    factor = typical_factor(slowdown) if slowdown else 1.0
    data = {
        "name": name,
        "start": first.isoformat(),
        "horizon_days": round(span_h / 24.0, 3),
        "warmup_days": 0,
        "handle_slowdown": slowdown,
        "agents": _agents(levels, teams, team),
        "traffic": {
            "arrivals": {
                "rate_per_hour": round(len(past) / span_h, 4),
                "timezone": timezone,
                "profile": _profile(past, zone),
            },
            "categories": {
                category: {
                    "share": share,
                    "handle": _handle(handles[category], factor),
                    "skill": category if any(category in c for c in worked.values()) else None,
                    "group": _served_group(groups[category], teams),
                }
                for category, share in _shares(categories).items()
            },
            "priorities": _shares(Counter(priority_name(p.record) for p in past)),
            "languages": _shares(Counter(p.record.language or "en" for p in past)),
            "channels": _shares(Counter(p.record.channel for p in past)),
        },
    }
    scenario = Scenario.model_validate(data)
    return FittedHistory(scenario, assess(past, span_h, handles, team))


def _served_group(seen: Counter[str], teams: dict[str, set[str]]) -> str | None:
    """The category's most common group, if some agent works in it (else no group)."""
    staffed = set().union(*teams.values()) if teams else set()
    for group, _ in seen.most_common():
        if group in staffed:
            return group
    return None


def _levels(
    worked: dict[str, set[str]], strengths: StrengthsFile | None
) -> dict[str, dict[str, int]]:
    """Each assignee's level in each category it worked: learned, else typical."""

    def level(agent: str, category: str) -> int:
        found = None if strengths is None else strengths.level(agent, category)
        return LEVEL if found is None else found

    return {
        agent: {category: level(agent, category) for category in sorted(categories)}
        for agent, categories in sorted(worked.items())
    }


def _agents(
    levels: dict[str, dict[str, int]],
    teams: dict[str, set[str]],
    fitted: dict[str, FittedAgent],
) -> list[dict[str, object]]:
    """One agent per assignee at its levels, with its fitted shift and capacity where the
    history tells them (always on, capacity 1 where not); without assignees, one generalist
    team sized at ten."""
    if not levels:
        return [{"team": "agent", "count": 10, "capacity": 1}]
    agents: list[dict[str, object]] = []
    for agent, skills in levels.items():
        found = fitted.get(agent)
        spec: dict[str, object] = {
            "id": agent,
            "groups": sorted(teams[agent]),
            "capacity": found.capacity if found and found.capacity else 1,
            "skills": skills,
        }
        if found is not None and found.shift is not None:
            spec["shift"] = found.shift
        if found is not None and found.weights:
            spec["weights"] = found.weights
        agents.append(spec)
    return agents


def _slowdown(levels: dict[str, dict[str, int]], strengths: StrengthsFile | None) -> float:
    """The level scale's slowdown when some agent's level is not the typical one, else 0."""
    typical = all(level == LEVEL for skills in levels.values() for level in skills.values())
    return 0.0 if strengths is None or typical else strengths.method.slowdown
