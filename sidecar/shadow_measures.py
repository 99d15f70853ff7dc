"""What the shadow report measures, pure: verdicts on shadow cases, agreement, time to
assign and load spread.

In dry run we decide every ticket and write nothing, while people keep assigning. Each
ticket we decided is a ``ShadowCase``: our pick (our first shadow assignment) and the
person's first assignment, with the trace of our decision. ``judge`` reads the person's
pick in that trace: they passed every filter and ours ranked higher (``eligible``), a
filter or rule ruled them out (``ruled_out``, named with ``router.filters``' refusal
words), they were over capacity (``over_capacity``), or we never looked at them
(``not_considered``: off our roster, or left out of a large roster's trace).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sidecar.explanation import FILTER_WORDS

AGREED, ELIGIBLE, OVER_CAPACITY, RULED_OUT, NOT_CONSIDERED = (
    "agreed", "eligible", "over_capacity", "ruled_out", "not_considered",
)  # fmt: skip
KINDS = (ELIGIBLE, RULED_OUT, OVER_CAPACITY, NOT_CONSIDERED)
"""Why ours differs from the person's pick, one kind per disagreement."""
KIND_WORDS = {
    ELIGIBLE: "their pick was eligible for us; ours ranked higher",
    RULED_OUT: "their pick was ruled out by a filter or rule",
    OVER_CAPACITY: "their pick was over capacity",
    NOT_CONSIDERED: "their pick was not among the agents we looked at",
}
CAPACITY_FILTERS = frozenset({"capacity", "fair_limit"})
"""Filters that refuse an agent for the work they already hold: "over capacity"."""
ROUND_FILTERS = frozenset({"held"})
"""Filters of the dealing round alone (an agent dealt one ticket waits for the next round):
their pick was eligible, and would have had their turn."""
"""Each filter's refusal words ("lacking a required skill"), as refusal sentences use them."""
NO_GROUP, NO_RULE = "(no group)", "(no rule)"
SAMPLE = 20
"""Disagreements listed one by one, newest first."""


@dataclass(frozen=True, slots=True)
class ShadowCase:
    """One ticket we decided in dry run, with the person's first assignment if any."""

    ticket_id: str
    created_at: datetime
    decided_at: datetime
    """Our first shadow decision about it (the window is over this time)."""
    ours: str | None
    """Our first shadow assignment (None: we would have left it waiting)."""
    ours_at: datetime | None
    theirs: str | None
    """The first assignee the help desk showed (None: nobody assigned it yet)."""
    theirs_at: datetime | None
    trace: Mapping[str, Any] = field(default_factory=dict)
    """The trace of the decision the person's pick is judged by (our assignment's, or
    our latest waiting decision's when we never assigned)."""
    group: str | None = None
    closed: bool = False


@dataclass(frozen=True, slots=True)
class Verdict:
    """How our decision and the person's pick compare on one ticket."""

    kind: str
    filter: str | None = None
    """The filter that refused their pick (``ruled_out``, ``over_capacity``, and
    ``eligible`` when only this round's dealing held them back)."""

    @property
    def words(self) -> str:
        """The verdict in a sentence's words."""
        if self.kind == AGREED:
            return "agreed"
        if self.filter is not None:
            return f"their pick was {FILTER_WORDS.get(self.filter, self.filter)}"
        return KIND_WORDS[self.kind]


def judge(case: ShadowCase) -> Verdict | None:
    """The verdict on one case (None: no person has assigned it, nothing to compare)."""
    if case.theirs is None:
        return None
    if case.ours == case.theirs:
        return Verdict(AGREED)
    for candidate in case.trace.get("candidates", ()):
        if candidate.get("agent") != case.theirs:
            continue
        rejected = candidate.get("rejected_by")
        if rejected is None:
            return Verdict(ELIGIBLE)
        if rejected in ROUND_FILTERS:
            return Verdict(ELIGIBLE, rejected)
        return Verdict(OVER_CAPACITY if rejected in CAPACITY_FILTERS else RULED_OUT, rejected)
    return Verdict(NOT_CONSIDERED)


@dataclass(frozen=True, slots=True)
class Agreement:
    """Agreement over some compared tickets, and the disagreements by kind and filter."""

    compared: int = 0
    agreed: int = 0
    kinds: dict[str, int] = field(default_factory=dict)
    filters: dict[str, int] = field(default_factory=dict)
    """Ruled-out disagreements by the filter that ruled the person's pick out."""

    @property
    def rate(self) -> float | None:
        """Share of compared tickets where we agreed (None: nothing compared)."""
        return self.agreed / self.compared if self.compared else None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "compared": self.compared,
            "agreed": self.agreed,
            "agreement": self.rate,
            "disagreements": {kind: self.kinds.get(kind, 0) for kind in KINDS},
            "ruled_out_by": dict(self.filters),
        }


def agreement(verdicts: Iterable[Verdict]) -> Agreement:
    """Count verdicts: agreed, and each disagreement by kind and by filter."""
    listed = list(verdicts)
    kinds = Counter(v.kind for v in listed if v.kind != AGREED)
    filters = Counter(v.filter for v in listed if v.kind == RULED_OUT and v.filter is not None)
    return Agreement(
        compared=len(listed),
        agreed=sum(1 for v in listed if v.kind == AGREED),
        kinds=dict(kinds),
        filters=dict(sorted(filters.items())),
    )


@dataclass(frozen=True, slots=True)
class Timing:
    """Seconds from a ticket's creation to its assignment: how many, median and 90th."""

    count: int
    p50_s: float | None
    p90_s: float | None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"count": self.count, "p50_s": self.p50_s, "p90_s": self.p90_s}


def percentile(values: Sequence[float], point: float) -> float | None:
    """The nearest-rank ``point``-th percentile (None for no values)."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(point / 100 * len(ordered)) - 1)]


def timing(pairs: Iterable[tuple[datetime, datetime | None]]) -> Timing:
    """Time to assign over (created, assigned) pairs; unassigned ones left out."""
    took = [max(0.0, (end - start).total_seconds()) for start, end in pairs if end is not None]
    return Timing(len(took), percentile(took, 50), percentile(took, 90))


def gini(values: Sequence[float]) -> float:
    """Gini coefficient (0: perfectly even, toward 1: one agent has everything).

    The definition ``simulation.metrics.gini`` uses (a test holds them equal); the
    simulator is an optional install the runtime lacks, so it is not imported here."""
    data = sorted(values)
    n, total = len(data), sum(data)
    if not n or total == 0:
        return 0.0
    ranked = sum(rank * value for rank, value in enumerate(data, start=1))
    return 2 * ranked / (n * total) - (n + 1) / n


@dataclass(frozen=True, slots=True)
class Spread:
    """How evenly one side's picks fall over the team (every team member counted)."""

    picks: dict[str, int]
    max_over_mean: float | None
    gini: float

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"picks": self.picks, "max_over_mean": self.max_over_mean, "gini": self.gini}


def spread(picks: Iterable[str | None], team: Iterable[str]) -> Spread:
    """Picks per agent over ``team`` (plus anyone picked who is not on it)."""
    counts = dict.fromkeys(team, 0)
    for agent in picks:
        if agent is not None:
            counts[agent] = counts.get(agent, 0) + 1
    values = list(counts.values())
    mean = sum(values) / len(values) if values else 0.0
    ratio = max(values) / mean if mean else None
    return Spread(dict(sorted(counts.items())), ratio, gini([float(v) for v in values]))
