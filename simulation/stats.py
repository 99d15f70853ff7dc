"""Confidence intervals over replications and paired differences between policies."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Interval:
    """A mean and its two-sided confidence interval."""

    mean: float
    low: float
    high: float
    n: int

    @property
    def half_width(self) -> float:
        """Half the interval's width."""
        return (self.high - self.low) / 2

    def contains(self, value: float) -> bool:
        """True when ``value`` lies inside the interval."""
        return self.low <= value <= self.high

    def __str__(self) -> str:
        if self.n < 2 or math.isnan(self.half_width):
            return f"{self.mean:.4g}"
        return f"{self.mean:.4g} ± {self.half_width:.2g}"


def mean_ci(values: Sequence[float], confidence: float = 0.95) -> Interval:
    """Student-t interval for the mean of independent replications (NaNs ignored)."""
    data = np.asarray([v for v in values if not math.isnan(v)], dtype=float)
    if len(data) == 0:
        return Interval(math.nan, math.nan, math.nan, 0)
    mean = float(data.mean())
    if len(data) < 2:
        return Interval(mean, math.nan, math.nan, len(data))
    spread = float(data.std(ddof=1)) / math.sqrt(len(data))
    # imported here: loading scipy.stats takes ~0.5 s, which every deskroute command paid
    from scipy import stats

    t = float(stats.t.ppf(0.5 + confidence / 2, len(data) - 1))
    return Interval(mean, mean - t * spread, mean + t * spread, len(data))


def paired_ci(a: Sequence[float], b: Sequence[float], confidence: float = 0.95) -> Interval:
    """Interval for the mean of ``b - a`` over replications sharing random numbers."""
    if len(a) != len(b):
        raise ValueError("paired samples need the same number of replications")
    return mean_ci([y - x for x, y in zip(a, b, strict=True)], confidence)
