"""Learn agent strengths from history: handle time and reopen rate per agent and category.

Each assigned ticket is one observation of its final assignee in its category (type, else
group): its work time (``simulation.replay.handle_minutes``) and whether it was reopened
(``simulation.reopens``). Estimates are shrunk in two steps (``simulation.credibility``):
a team's (the agent's most common group) towards the category's, an agent's towards its
team's, each with weight ``n / (n + k)``. Handle times are shrunk on the log scale (speed
is a factor, and one slow ticket should not dominate) and reported as the category's mean
times the agent's factor. The suggested level places the agent's expected time to resolve,
``handle × (1 + reopen_rate × rework)``, relative to the category's typical agent, on the
simulator's level scale (``router.policies.strengths_file.level_for``). docs/skills.md.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta

from router.policies.strengths_file import (
    AgentEstimate,
    AgentStrengths,
    CategoryStrengths,
    Estimate,
    Method,
    PriorStrength,
    ReopenEvidence,
    StrengthsFile,
    level_for,
)
from simulation.credibility import Sample, credible, prior_strength
from simulation.reopens import DEFAULT_WINDOW_DAYS, Reopens, judge_reopens
from simulation.replay import Past, category_of

DEFAULT_REWORK = 1.0
"""A reopened ticket is worked once more, as long again (what the simulator does)."""


@dataclass(frozen=True)
class Observation:
    """One assigned ticket as evidence about its assignee."""

    agent: str
    team: str | None
    category: str
    handle_min: float | None
    reopened: bool | None


@dataclass(frozen=True)
class Evidence:
    """Observations of one agent, team or category, summarised for shrinkage."""

    tickets: int
    handles: Sample | None  # of log handle minutes
    mean_handle: float | None  # arithmetic mean of handle minutes
    reopens: Sample | None  # of 0/1 outcomes

    @classmethod
    def of(cls, observations: Sequence[Observation]) -> Evidence:
        """Summarise ``observations`` (not empty)."""
        handles = [o.handle_min for o in observations if o.handle_min is not None]
        judged = [float(o.reopened) for o in observations if o.reopened is not None]
        return cls(
            tickets=len(observations),
            handles=Sample.of([math.log(h) for h in handles]) if handles else None,
            mean_handle=math.fsum(handles) / len(handles) if handles else None,
            reopens=Sample.of(judged) if judged else None,
        )


@dataclass(frozen=True)
class Shrunk:
    """A shrunken estimate: mean log handle (None: untimed) and reopen rate."""

    log_handle: float | None
    reopen_rate: float


@dataclass(frozen=True)
class Options:
    """Choices of the learner (docs/skills.md)."""

    prior_strength: float | None = None  # None: estimated from the data
    window_days: float = DEFAULT_WINDOW_DAYS
    rework: float = DEFAULT_REWORK


def observations(past: Sequence[Past], window_days: float) -> tuple[list[Observation], Reopens]:
    """The assigned tickets as observations, and how their reopens were judged."""
    judged = judge_reopens([p.record for p in past], timedelta(days=window_days))
    teams = teams_of(past)
    found = [
        Observation(
            agent=item.record.assignee,
            team=teams[item.record.assignee],
            category=category_of(item.record),
            handle_min=item.handle_min,
            reopened=outcome,
        )
        for item, outcome in zip(past, judged.outcomes, strict=True)
        if item.record.assignee
    ]
    return found, judged


def teams_of(past: Iterable[Past]) -> dict[str, str | None]:
    """Each assignee's team: the group it worked in most (ties: the first by name)."""
    groups: dict[str, Counter[str]] = defaultdict(Counter)
    for item in past:
        if item.record.assignee:
            counted = groups[item.record.assignee]
            if item.record.group:
                counted[item.record.group] += 1
    return {
        agent: min(counted, key=lambda g: (-counted[g], g)) if counted else None
        for agent, counted in groups.items()
    }


def learn(past: Sequence[Past], options: Options | None = None, source: str = "") -> StrengthsFile:
    """Strengths of every assignee in every category it worked (ValueError: nothing to learn)."""
    options = options or Options()
    found, judged = observations(past, options.window_days)
    if not found:
        raise ValueError("no ticket in the history has an assignee: nothing to learn from")
    cells = _by_cell(found)
    handle_k, reopen_k = _priors(cells, options.prior_strength)
    method = Method(
        handle_prior=handle_k,
        reopen_prior=reopen_k,
        reopens=ReopenEvidence(
            from_field=judged.from_field,
            from_repeat_contact=judged.from_repeat_contact,
            unjudged=judged.unjudged,
            window_days=options.window_days,
        ),
        rework=options.rework,
    )
    categories, agents = _estimates(found, cells, method)
    return StrengthsFile(
        source=source, tickets=len(past), method=method, categories=categories, agents=agents
    )


Cells = dict[tuple[str, str | None], dict[str, Evidence]]
"""(category, team) -> agent -> evidence."""


def _by_cell(found: Sequence[Observation]) -> Cells:
    grouped: dict[tuple[str, str | None], dict[str, list[Observation]]] = defaultdict(
        lambda: defaultdict(list)
    )
    for observation in found:
        grouped[observation.category, observation.team][observation.agent].append(observation)
    return {
        cell: {agent: Evidence.of(items) for agent, items in sorted(agents.items())}
        for cell, agents in sorted(grouped.items(), key=lambda kv: (kv[0][0], kv[0][1] or ""))
    }


def _priors(cells: Cells, given: float | None) -> tuple[PriorStrength, PriorStrength]:
    """The prior strengths for log handle times and reopens: given, or estimated."""
    if given is not None:
        return PriorStrength(k=given, chosen="given"), PriorStrength(k=given, chosen="given")
    handle = prior_strength(
        [[e.handles for e in agents.values() if e.handles] for agents in cells.values()]
    )
    reopen = prior_strength(
        [[e.reopens for e in agents.values() if e.reopens] for agents in cells.values()]
    )
    return handle, reopen


def _estimates(
    found: Sequence[Observation], cells: Cells, method: Method
) -> tuple[dict[str, CategoryStrengths], dict[str, AgentStrengths]]:
    """Category, team and agent estimates (categories busiest first, agents by id)."""
    by_category: dict[str, list[Observation]] = defaultdict(list)
    for observation in found:
        by_category[observation.category].append(observation)
    order = sorted(by_category, key=lambda c: (-len(by_category[c]), c))
    categories: dict[str, CategoryStrengths] = {}
    agents: dict[str, dict[str, AgentEstimate]] = defaultdict(dict)
    for category in order:
        whole = Evidence.of(by_category[category])
        top = Shrunk(
            None if whole.handles is None else whole.handles.mean,
            0.0 if whole.reopens is None else whole.reopens.mean,
        )
        teams: dict[str, Estimate] = {}
        for (name, team), members in cells.items():
            if name != category:
                continue
            prior = top if team is None else _shrink(_pooled(members), top, method)
            if team is not None:
                teams[team] = _estimate(_pooled(members), prior, top, whole)
            for agent, evidence in members.items():
                own = _shrink(evidence, prior, method)
                agents[agent][category] = _agent(evidence, own, top, whole, method)
        categories[category] = CategoryStrengths(
            **_estimate(whole, top, top, whole).model_dump(), teams=teams
        )
    teams_of_agent = {o.agent: o.team for o in found}
    return categories, {
        agent: AgentStrengths(team=teams_of_agent[agent], categories=agents[agent])
        for agent in sorted(agents)
    }


def _pooled(members: dict[str, Evidence]) -> Evidence:
    """The evidence of a team: its agents' together."""
    handles = [e.handles for e in members.values() if e.handles]
    reopens = [e.reopens for e in members.values() if e.reopens]
    timed = sum(s.n for s in handles)
    means = [(e.mean_handle, e.handles.n) for e in members.values() if e.handles and e.mean_handle]
    return Evidence(
        tickets=sum(e.tickets for e in members.values()),
        handles=_merge(handles),
        mean_handle=math.fsum(m * n for m, n in means) / timed if timed else None,
        reopens=_merge(reopens),
    )


def _merge(samples: list[Sample]) -> Sample | None:
    """One sample of several (the squares are not needed above the agent level)."""
    n = sum(s.n for s in samples)
    return Sample(n, math.fsum(s.n * s.mean for s in samples) / n, 0.0) if n else None


def _shrink(evidence: Evidence, prior: Shrunk, method: Method) -> Shrunk:
    """``evidence`` shrunk towards ``prior`` with the method's prior strengths."""
    log_handle = prior.log_handle
    if evidence.handles is not None and log_handle is not None:
        h = evidence.handles
        log_handle = credible(h.n, h.mean, log_handle, method.handle_prior.k)
    rate = prior.reopen_rate
    if evidence.reopens is not None:
        r = evidence.reopens
        rate = credible(r.n, r.mean, rate, method.reopen_prior.k)
    return Shrunk(log_handle, rate)


def _estimate(evidence: Evidence, own: Shrunk, top: Shrunk, whole: Evidence) -> Estimate:
    """The estimate as written: handle minutes are the category mean times the factor."""
    handle = None
    if own.log_handle is not None and top.log_handle is not None and whole.mean_handle:
        handle = round(whole.mean_handle * math.exp(own.log_handle - top.log_handle), 3)
    return Estimate(
        tickets=evidence.tickets,
        timed=evidence.handles.n if evidence.handles else 0,
        judged=evidence.reopens.n if evidence.reopens else 0,
        handle_min=handle,
        reopen_rate=round(own.reopen_rate, 4),
    )


def _agent(
    evidence: Evidence, own: Shrunk, top: Shrunk, whole: Evidence, method: Method
) -> AgentEstimate:
    """An agent's estimate in a category, with what was observed and its suggested level."""
    estimate = _estimate(evidence, own, top, whole)
    typical = _estimate(whole, top, top, whole)
    relative = estimate.relative_to(typical, method.rework)
    return AgentEstimate(
        **estimate.model_dump(),
        observed_handle_min=round(evidence.mean_handle, 3) if evidence.mean_handle else None,
        observed_reopen_rate=round(evidence.reopens.mean, 4) if evidence.reopens else None,
        relative=round(relative, 4),
        level=level_for(relative, method.slowdown),
    )
