"""Credibility (empirical-Bayes) shrinkage: how much a few observations may move an estimate.

An agent's estimate is ``(n × own mean + k × prior mean) / (n + k)``: its own mean gets the
weight ``n / (n + k)``, so ``k`` tickets of evidence count as much as the prior. ``k`` is
estimated from the data as Bühlmann–Straub do (within-agent variance over between-agent
variance, with the unbiased between-variance estimator of actuar's ``bstraub``), pooled over
cells of agents sharing a team and category, and kept within ``[K_FLOOR, K_CEILING]``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from router.policies.strengths_file import PriorStrength

K_FLOOR = 5.0
"""At least this strong: two tickets never carry more than 2/7 of an estimate."""
K_CEILING = 1000.0
"""When the data show no differences between agents: 100 tickets weigh under a tenth."""
K_DEFAULT = 25.0
"""When the data cannot tell (no cell with two agents, or no agent with two tickets): the
prior of agents whose log handle times vary like an exponential's (variance π²/6 ≈ 1.64)
around speeds that differ by about ±25% (between-agent variance 0.25² = 0.0625), k ≈ 26."""


@dataclass(frozen=True)
class Sample:
    """One agent's observations in one cell: count, mean, sum of squared deviations."""

    n: int
    mean: float
    squares: float

    @classmethod
    def of(cls, values: Sequence[float]) -> Sample:
        """The summary of ``values`` (not empty)."""
        mean = math.fsum(values) / len(values)
        return cls(len(values), mean, math.fsum((v - mean) ** 2 for v in values))


def prior_strength(cells: Iterable[Sequence[Sample]]) -> PriorStrength:
    """Bühlmann–Straub ``k = σ² / τ²`` pooled over ``cells`` (each: the agents sharing a
    team and category), kept within ``[K_FLOOR, K_CEILING]``."""
    cells = [[s for s in cell if s.n > 0] for cell in cells]
    within_df = sum(s.n - 1 for cell in cells for s in cell)
    if within_df <= 0:
        return PriorStrength(k=K_DEFAULT, chosen="default")
    within = math.fsum(s.squares for cell in cells for s in cell) / within_df
    spread, weight = 0.0, 0.0
    for cell in (c for c in cells if len(c) >= 2):
        total = sum(s.n for s in cell)
        mean = math.fsum(s.n * s.mean for s in cell) / total
        spread += math.fsum(s.n * (s.mean - mean) ** 2 for s in cell) - (len(cell) - 1) * within
        weight += total - sum(s.n * s.n for s in cell) / total
    if weight <= 0:
        return PriorStrength(k=K_DEFAULT, chosen="default")
    between = spread / weight
    if between <= 0 or within / between > K_CEILING:
        return PriorStrength(k=K_CEILING, chosen="no_difference")
    return PriorStrength(k=round(max(K_FLOOR, within / between), 3), chosen="estimated")


def credible(n: int, mean: float, prior: float, k: float) -> float:
    """The credibility-weighted estimate: ``mean`` with weight ``n / (n + k)``."""
    return (n * mean + k * prior) / (n + k)
