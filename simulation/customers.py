"""Simulated customers: who wrote each ticket (drawn with the traffic) and who served them last
(remembered by the model).

Who writes a ticket is decided before any routing, from its own random stream, so every
policy sees the same customers: a share of new tickets are follow-ups, each written by the
customer of the ticket that arrived about a follow-up gap (exponential) earlier; every
other ticket brings a new customer, a VIP with the scenario's chance. Who served a customer
last depends on the policy, so the model keeps that memory while it runs and hands it to
each arriving ticket as ``previous_agent`` / ``previous_agent_at``.
"""

from __future__ import annotations

from bisect import bisect_right
from datetime import datetime
from typing import NamedTuple

import numpy as np

from simulation.scenario import CUSTOMER_PREFIX, Customers

VIP_TAG = "vip"
"""The tag a VIP customer's tickets carry (a policy file's rule can raise their priority)."""


class Customer(NamedTuple):
    """One simulated customer: the id tickets carry as ``requester``, and whether a VIP."""

    id: str
    vip: bool


class CustomerDraws:
    """Draws the customer of every arrival, in arrival order (one stream, policy-free)."""

    def __init__(self, spec: Customers, rng: np.random.Generator) -> None:
        self.spec, self.rng = spec, rng
        self._times: list[float] = []  # every arrival so far, in order ...
        self._who: list[Customer] = []  # ... and who wrote it
        self._count = 0

    def draw(self, times: list[float]) -> list[Customer]:
        """The customers of the next arrivals, at minutes ``times`` (ascending).

        Every arrival consumes the same three draws (follow-up or not, the gap, VIP or not)
        whatever it turns out to be, so the stream stays aligned with arrival order.
        """
        size, spec = len(times), self.spec
        follows = (self.rng.random(size) < spec.repeat_share).tolist()
        gaps = self.rng.exponential(spec.followup_gap_min, size).tolist()
        vips = (self.rng.random(size) < spec.vip_share).tolist()
        drawn = []
        for at, follow, gap, vip in zip(times, follows, gaps, vips, strict=True):
            customer = self._earlier(at - gap) if follow else None
            if customer is None:
                self._count += 1
                customer = Customer(f"{CUSTOMER_PREFIX}{self._count}", vip)
            self._times.append(at)
            self._who.append(customer)
            drawn.append(customer)
        return drawn

    def _earlier(self, minute: float) -> Customer | None:
        """Who wrote the last ticket that arrived at or before ``minute`` (None: none did)."""
        index = bisect_right(self._times, minute) - 1
        return self._who[index] if index >= 0 else None


class LastService(NamedTuple):
    """Who last served a customer, and when the work started."""

    agent: str
    at: datetime


class CustomerMemory:
    """The model's memory of who last served each customer (it depends on the policy)."""

    __slots__ = ("_last",)

    def __init__(self) -> None:
        self._last: dict[str, LastService] = {}

    def last(self, customer: str) -> LastService | None:
        """Who last served ``customer`` and when (None: nobody yet)."""
        return self._last.get(customer)

    def served(self, customer: str, agent: str, at: datetime) -> None:
        """``agent`` started work for ``customer`` at ``at``."""
        self._last[customer] = LastService(agent, at)
