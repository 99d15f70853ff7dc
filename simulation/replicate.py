"""Enough replications: add them in batches until the paired intervals are narrow enough.

A comparison against today's routing is decided by the paired differences of SLA
attainment (common random numbers). ``replicate`` runs a first batch, then adds batches
until every candidate's difference is known to within ``StopRule.target`` (the 95%
interval's half-width) or the cap is reached, and says which of the two stopped it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from simulation.compare import Comparison, Executor, RunResult, compare, execute, runs
from simulation.run import PolicyChoice
from simulation.scenario import Scenario

DECIDING = "sla"
"""The metric whose paired intervals must be narrow: SLA attainment."""


@dataclass(frozen=True)
class StopRule:
    """When to stop adding replications."""

    target: float = 0.01
    """Widest allowed half-width of a paired SLA difference (0.01: ±1 point)."""
    first: int = 5
    """Replications of the first batch (at least 2: an interval needs two)."""
    step: int = 5
    """Replications added per batch."""
    cap: int = 40
    """Never more replications than this."""

    def __post_init__(self) -> None:
        if not 2 <= self.first <= self.cap:
            raise ValueError(f"first batch must be 2..{self.cap} replications, not {self.first}")
        if self.step < 1 or not self.target > 0:
            raise ValueError("the step must be at least 1 and the target width positive")


@dataclass(frozen=True)
class Replicated:
    """A comparison with as many replications as the stop rule asked for, and why it stopped."""

    comparison: Comparison
    replications: int
    widest: float
    """The widest half-width of a candidate's paired SLA difference."""
    rule: StopRule

    @property
    def narrow_enough(self) -> bool:
        """True when the target was met (not stopped by the cap)."""
        return self.widest <= self.rule.target

    def statement(self) -> str:
        """Why the replications stopped where they did, in one sentence."""
        widest, target = _points(self.widest), _points(self.rule.target)
        if self.narrow_enough:
            return (
                f"Stopped at {self.replications} replications: every candidate's SLA "
                f"difference against today is known to ±{widest} points or better "
                f"(target ±{target})."
            )
        return (
            f"Stopped at the cap of {self.replications} replications: the widest interval of "
            f"an SLA difference is ±{widest} points, wider than the target ±{target}; raise "
            "--max-replications or simulate more days to narrow it."
        )


def _points(share: float) -> str:
    return "∞" if math.isinf(share) else f"{share * 100:.1f}"


Progress = Callable[[RunResult], None]
Planned = Callable[[int], None]


def replicate(
    scenario: Scenario,
    choices: Sequence[PolicyChoice],
    rule: StopRule,
    executor: Executor = "process",
    workers: int | None = None,
    progress: Progress | None = None,
    planned: Planned | None = None,
) -> Replicated:
    """Compare ``choices`` (the first is today's routing) in batches until the stop rule
    holds. ``planned`` hears the number of runs planned so far before each batch."""
    results: list[RunResult] = []
    done = 0
    size = rule.first
    while True:
        if planned is not None:
            planned((done + size) * len(choices))
        work = runs(scenario, choices, size, first=done)
        results.extend(execute(work, executor, workers, progress=progress))
        done += size
        comparison = compare(results)
        widest = widest_difference(comparison)
        if widest <= rule.target or done >= rule.cap:
            return Replicated(comparison, done, widest, rule)
        size = min(rule.step, rule.cap - done)


def widest_difference(comparison: Comparison) -> float:
    """The widest half-width of the paired SLA differences (inf: one cannot be told)."""
    widths = [
        differences[DECIDING].half_width
        for differences in comparison.differences.values()
        if DECIDING in differences
    ]
    if not widths:
        return 0.0
    return max(math.inf if math.isnan(w) else w for w in widths)
