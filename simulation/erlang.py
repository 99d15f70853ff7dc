"""Exact queueing results: Erlang B and C (M/M/c) and Erlang A (M/M/c+M).

Used to validate the simulator and as the first estimate when staffing. Rates share one
time unit (minutes throughout deskroute): ``lam`` arrivals, ``mu`` services per agent,
``theta`` abandonments per waiting customer.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.linalg import expm


def erlang_b(agents: int, load: float) -> float:
    """Blocking probability of M/M/c/c with offered ``load`` = λ/μ (stable recursion)."""
    b = 1.0
    for k in range(1, agents + 1):
        b = load * b / (k + load * b)
    return b


@dataclass(frozen=True)
class ErlangC:
    """M/M/c with FCFS and no abandonment (requires ρ < 1)."""

    lam: float
    mu: float
    agents: int

    @property
    def load(self) -> float:
        """Offered load a = λ/μ."""
        return self.lam / self.mu

    @property
    def rho(self) -> float:
        """Utilisation ρ = a/c."""
        return self.load / self.agents

    def p_wait(self) -> float:
        """Probability an arrival waits."""
        if self.rho >= 1:
            return 1.0
        b = erlang_b(self.agents, self.load)
        return b / (1 - self.rho * (1 - b))

    def mean_wait(self) -> float:
        """Mean wait over all arrivals (ASA)."""
        if self.rho >= 1:
            return math.inf
        return self.p_wait() / (self.agents * self.mu - self.lam)

    def service_level(self, t: float) -> float:
        """Share of all arrivals whose wait is at most ``t``."""
        if self.rho >= 1:
            return 0.0
        return 1 - self.p_wait() * math.exp(-(self.agents * self.mu - self.lam) * t)


@dataclass(frozen=True)
class ErlangA:
    """M/M/c+M: exponential patience with rate θ; stable for any λ (birth-death chain)."""

    lam: float
    mu: float
    agents: int
    theta: float
    tail: float = 1e-13

    def _pi(self) -> list[float]:
        """Stationary distribution of the number in system, truncated where it vanishes."""
        weights = [1.0]
        n = 0
        while True:
            n += 1
            death = self.mu * min(n, self.agents) + self.theta * max(n - self.agents, 0)
            weights.append(weights[-1] * self.lam / death)
            if n > self.agents and weights[-1] < self.tail * sum(weights):
                break
        total = sum(weights)
        return [w / total for w in weights]

    def p_wait(self) -> float:
        """Probability an arrival finds every agent busy (PASTA)."""
        return sum(self._pi()[self.agents :])

    def mean_queue(self) -> float:
        """Mean number waiting."""
        return sum(max(n - self.agents, 0) * p for n, p in enumerate(self._pi()))

    def mean_wait(self) -> float:
        """Mean time in queue over all arrivals, abandoners' waits included."""
        return self.mean_queue() / self.lam

    def p_abandon(self) -> float:
        """Probability an arrival abandons."""
        return self.theta * self.mean_wait()

    def service_level(self, t: float) -> float:
        """Share of all arrivals served within ``t`` (SL_i: abandoners count as misses).

        An arrival finding ``k`` waiting ahead moves up at rate ``cμ + kθ`` (a service
        completes or someone ahead abandons) and is served at the next completion once at
        the head, abandoning at rate θ meanwhile: a small Markov chain solved with ``expm``.
        """
        pi = self._pi()
        depth = len(pi) - self.agents  # largest number waiting ahead, plus one
        generator = np.zeros((depth + 2, depth + 2))
        served, gone = depth, depth + 1
        for k in range(depth):
            rate = self.agents * self.mu + k * self.theta
            generator[k, k - 1 if k else served] += rate
            generator[k, gone] += self.theta
            generator[k, k] -= rate + self.theta
        within = expm(generator * t)[:depth, served]
        return float(sum(pi[: self.agents]) + np.dot(pi[self.agents :], within))


def p_poisson_at_least(mean: float, k: int) -> float:
    """P(Poisson(mean) >= k)."""
    term, below = math.exp(-mean), 0.0
    for i in range(k):
        below += term
        term *= mean / (i + 1)
    return 1.0 - below
