"""Synthetic traffic: seeded arrival times and ticket attributes, independent of any policy.

Every random draw comes from its own named stream, and each ticket's draws (category,
priority, language, channel, base handle time, patience, reopen) happen in arrival order,
so two policies simulated with the same seed see exactly the same tickets: common random
numbers. The policy can only change who serves a ticket and when.
"""

from __future__ import annotations

import math
from bisect import bisect
from collections.abc import Iterator, Mapping
from datetime import datetime, timedelta
from itertools import accumulate
from random import Random
from typing import NamedTuple
from zoneinfo import ZoneInfo

from simulation.scenario import Arrivals, HandleTime, Scenario


def stream(seed: int, name: str, replication: int = 0) -> Random:
    """An independent random stream for one purpose of one replication."""
    return Random(f"deskroute:{seed}:{replication}:{name}")


class Arrival(NamedTuple):
    """One ticket to simulate: when it arrives, what it is, and the customer's draws."""

    number: int
    at_min: float
    category: str
    priority: str
    language: str
    channel: str
    base_handle_min: float
    patience_min: float
    reopen_after_min: float | None


class Picker:
    """Draws a key with probability proportional to its share."""

    __slots__ = ("cumulative", "keys", "total")

    def __init__(self, shares: Mapping[str, float]) -> None:
        self.keys = [key for key, share in shares.items() if share > 0]
        self.cumulative = list(accumulate(shares[key] for key in self.keys))
        self.total = self.cumulative[-1]

    def pick(self, rng: Random) -> str:
        """One key."""
        if len(self.keys) == 1:
            return self.keys[0]
        return self.keys[bisect(self.cumulative, rng.random() * self.total)]


def draw_handle(spec: HandleTime, rng: Random) -> float:
    """One handle time in minutes."""
    if spec.dist == "empirical":
        return spec.samples_min[int(rng.random() * len(spec.samples_min))]
    mean = spec.mean
    if spec.dist == "exponential":
        return rng.expovariate(1.0 / mean)
    if spec.dist == "constant":
        return mean
    sigma2 = math.log1p(spec.cv**2)
    return rng.lognormvariate(math.log(mean) - sigma2 / 2, math.sqrt(sigma2))


class RateShape:
    """Arrival-rate multiplier at a simulated minute: profile times any active burst."""

    def __init__(self, arrivals: Arrivals, start: datetime) -> None:
        self.arrivals, self.start = arrivals, start
        self.zone = ZoneInfo(arrivals.timezone)
        self.bursts = [
            ((b.start - start).total_seconds() / 60, b.minutes, b.factor) for b in arrivals.bursts
        ]
        profile = arrivals.profile
        self.peak = max(profile.hours) * max(profile.days) * max(
            [1.0] + [b.factor for b in arrivals.bursts]
        )

    def factor(self, minute: float) -> float:
        """The multiplier at ``minute`` after the start."""
        local = (self.start + timedelta(minutes=minute)).astimezone(self.zone)
        factor = self.arrivals.profile.factor(local)
        for begin, length, burst in self.bursts:
            if begin <= minute < begin + length:
                factor *= burst
        return factor


def arrival_times(arrivals: Arrivals, start: datetime, horizon_min: float, rng: Random
                  ) -> Iterator[float]:
    """Arrival minutes of a (non-homogeneous) Poisson process, by thinning."""
    shape = RateShape(arrivals, start)
    base = arrivals.rate_per_hour / 60.0
    peak = base * shape.peak
    homogeneous = shape.peak == 1.0
    clock = 0.0
    while True:
        clock += rng.expovariate(peak)
        if clock >= horizon_min:
            return
        if homogeneous or rng.random() * shape.peak < shape.factor(clock):
            yield clock


def generate(scenario: Scenario, replication: int = 0) -> Iterator[Arrival]:
    """The scenario's tickets for one replication, in arrival order."""
    traffic, seed = scenario.traffic, scenario.seed
    times = arrival_times(traffic.arrivals, scenario.start, scenario.horizon_min,
                          stream(seed, "arrivals", replication))
    mix, service = stream(seed, "mix", replication), stream(seed, "service", replication)
    customer = stream(seed, "customer", replication)
    categories = Picker({name: c.share for name, c in traffic.categories.items()})
    priorities, languages = Picker(traffic.priorities), Picker(traffic.languages)
    channels = Picker(traffic.channels)
    patience = traffic.patience.mean_min if traffic.patience else math.inf
    reopen = traffic.reopen
    for number, at in enumerate(times):
        category = categories.pick(mix)
        yield Arrival(  # positional (fields in declaration order): a third of the cost
            number,
            at,
            category,
            priorities.pick(mix),
            languages.pick(mix),
            channels.pick(mix),
            draw_handle(traffic.categories[category].handle, service),
            customer.expovariate(1.0 / patience) if patience < math.inf else math.inf,
            (
                customer.expovariate(1.0 / reopen.delay_min)
                if reopen.probability and customer.random() < reopen.probability
                else None
            ),
        )
