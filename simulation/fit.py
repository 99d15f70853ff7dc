"""Fit a scenario from history: arrival rate and profile, ticket mix, handle times, the team.

- Arrivals: the mean rate over the history's span, with hour-of-day and day-of-week
  multipliers (each averaging 1) in the chosen time zone.
- Mix: shares of categories (ticket type, else group), priorities, languages, channels.
- Handle time per category: lognormal (mean and CV) from at least ``MIN_SAMPLES`` observed
  work times, exponential with the observed mean below that, a default when none.
- Team: one agent per past assignee, in the groups they worked, able to take every
  category they handled (skill level 5); categories route to their most common group.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Sequence
from zoneinfo import ZoneInfo

from simulation.replay import Past, category_of, priority_name
from simulation.scenario import Scenario

MIN_SAMPLES = 10
DEFAULT_HANDLE_MIN = 20.0
LEVEL = 5


def _shares(counter: Counter[str]) -> dict[str, float]:
    total = sum(counter.values())
    return {key: round(count / total, 4) for key, count in counter.most_common()}


def _profile(past: Sequence[Past], zone: ZoneInfo) -> dict[str, list[float]]:
    hours, days = [0] * 24, [0] * 7
    for item in past:
        local = item.record.created_at.astimezone(zone)
        hours[local.hour] += 1
        days[local.weekday()] += 1
    n = len(past)
    return {
        "hours": [round(24 * h / n, 3) for h in hours],
        "days": [round(7 * d / n, 3) for d in days],
    }


def _handle(samples: list[float]) -> dict[str, object]:
    if not samples:
        return {"dist": "exponential", "mean_min": DEFAULT_HANDLE_MIN}
    mean = statistics.fmean(samples)
    if len(samples) < MIN_SAMPLES:
        return {"dist": "exponential", "mean_min": round(mean, 3)}
    cv = statistics.pstdev(samples) / mean if mean > 0 else 1.0
    return {"dist": "lognormal", "mean_min": round(mean, 3), "cv": round(max(cv, 0.05), 3)}


def fit(past: Sequence[Past], name: str = "fitted", timezone: str = "UTC") -> Scenario:
    """A scenario reproducing the history's traffic and team (validated like any file)."""
    if len(past) < 2:
        raise ValueError("fitting needs at least two historical tickets")
    zone = ZoneInfo(timezone)
    first, last = past[0].record.created_at, past[-1].record.created_at
    span_h = max((last - first).total_seconds() / 3600.0, 1.0)
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
    data = {
        "name": name,
        "start": first.isoformat(),
        "horizon_days": round(span_h / 24.0, 3),
        "warmup_days": 0,
        "agents": _agents(worked, teams),
        "traffic": {
            "arrivals": {
                "rate_per_hour": round(len(past) / span_h, 4),
                "timezone": timezone,
                "profile": _profile(past, zone),
            },
            "categories": {
                category: {
                    "share": share,
                    "handle": _handle(handles[category]),
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
    return Scenario.model_validate(data)


def _served_group(seen: Counter[str], teams: dict[str, set[str]]) -> str | None:
    """The category's most common group, if some agent works in it (else no group)."""
    staffed = set().union(*teams.values()) if teams else set()
    for group, _ in seen.most_common():
        if group in staffed:
            return group
    return None


def _agents(worked: dict[str, set[str]], teams: dict[str, set[str]]) -> list[dict[str, object]]:
    """One agent per assignee; without assignees, one generalist team sized at ten."""
    if not worked:
        return [{"team": "agent", "count": 10, "capacity": 1}]
    return [
        {
            "id": agent,
            "groups": sorted(teams[agent]),
            "capacity": 1,
            "skills": {category: LEVEL for category in sorted(categories)},
        }
        for agent, categories in sorted(worked.items())
    ]
