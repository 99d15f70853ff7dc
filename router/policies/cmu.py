"""Queue-ranking policies from queueing theory: generalized cμ and fixed-queue-ratio.

Generalized cμ (van Mieghem 1995; Mandelbaum & Stolyar 2004): a free agent serves the
class maximising the marginal delay cost times its service rate, ``c_k * w_k**b * μ_k``,
where ``w_k`` is how long the class's first ticket has waited and ``μ_k`` the agent's
relative speed on it. Fixed-queue-ratio (Gurvich & Whitt 2010): a free agent serves the
class whose queue most exceeds its target share of all waiting tickets. Both assign an
arriving ticket to an eligible agent like their ``then`` chooser (Gcμ: fastest agent first).

Both protect priorities by default (``router.policies.queueing``): their index orders
classes within one priority level, never across levels. ``trade_priority=True`` lets the
index rank classes across priorities (the published policies as written, where a cheap
class that has waited long enough is served before an expensive one that just arrived).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from router.eligibility import Eligibility, Screen
from router.model import Agent, Ticket
from router.policies.base import SelectionPolicy
from router.policies.queueing import (
    ClassBy,
    QueueState,
    check_class_by,
    check_class_names,
    class_of,
)
from router.policies.round_robin import RoundRobin
from router.policies.speed import relative_speed

PRIORITY_COSTS: Mapping[str, float] = {"low": 1.0, "normal": 2.0, "high": 4.0, "urgent": 8.0}
"""Default delay-cost rates when classes are priorities: each level costs twice the one below."""


class FastestAgent:
    """Higher relative speed on the ticket (from skill levels) scores higher."""

    labels: tuple[str, ...] = ("speed",)

    def __init__(self, slowdown: float) -> None:
        self.slowdown = slowdown

    def score(self, agent_id: str, screen: Screen) -> tuple[float, ...]:
        """The agent's relative speed on the screened ticket."""
        return (relative_speed(screen.roster.agents[agent_id], screen.ticket, self.slowdown),)


class GeneralizedCMu(SelectionPolicy):
    """Serve the class with the largest ``cost * wait**exponent * speed`` (within a
    priority level unless ``trade_priority``); fastest agent first."""

    def __init__(
        self,
        eligibility: Eligibility | None,
        by: str,
        costs: Mapping[str, float],
        exponent: float,
        slowdown: float,
        trade_priority: bool = False,
    ) -> None:
        if exponent < 0 or slowdown < 0:
            raise ValueError("exponent and slowdown must be >= 0")
        if any(cost <= 0 for cost in costs.values()):
            raise ValueError("costs must be positive")
        super().__init__("gcmu", FastestAgent(slowdown), eligibility)
        self.by, self.costs = check_class_by(by), costs
        check_class_names(by, costs, "costs")
        self.exponent, self.slowdown = exponent, slowdown
        self.trade_priority = check_trade(trade_priority)

    def queue_class(self, ticket: Ticket) -> str:
        """The ticket's class under ``by``."""
        return class_of(ticket, self.by)

    def class_index(
        self, klass: str, state: QueueState, now: datetime, agent: Agent | None
    ) -> float:
        """Marginal delay cost of the class's head times the agent's speed on it."""
        head = state.heads[klass]
        waited = head.waited(now).total_seconds()
        speed = 1.0 if agent is None else relative_speed(agent, head, self.slowdown)
        cost: float = self.costs.get(klass, 1.0) * waited**self.exponent * speed
        return cost


class FixedQueueRatio(SelectionPolicy):
    """Serve the class whose queue most exceeds its target share (within a priority level
    unless ``trade_priority``); longest-idle agent first."""

    def __init__(
        self,
        eligibility: Eligibility | None,
        by: str,
        ratios: Mapping[str, float],
        trade_priority: bool = False,
    ) -> None:
        if any(ratio <= 0 for ratio in ratios.values()):
            raise ValueError("ratios must be positive")
        super().__init__("fixed_queue_ratio", RoundRobin(), eligibility)
        self.by, self.ratios = check_class_by(by), ratios
        check_class_names(by, ratios, "ratios")
        self.trade_priority = check_trade(trade_priority)

    def queue_class(self, ticket: Ticket) -> str:
        """The ticket's class under ``by``."""
        return class_of(ticket, self.by)

    def class_index(
        self, klass: str, state: QueueState, now: datetime, agent: Agent | None
    ) -> float:
        """Waiting tickets of the class minus its target share of all waiting tickets
        (of its level, when priorities are protected)."""
        weights = {name: self.ratios.get(name, 1.0) for name in state.counts}
        share = weights[klass] / sum(weights.values())
        return state.counts[klass] - share * state.total


def gcmu(
    eligibility: Eligibility | None = None,
    by: ClassBy = "priority",
    costs: Mapping[str, float] | None = None,
    exponent: float = 1.0,
    slowdown: float = 0.5,
    trade_priority: bool = False,
) -> GeneralizedCMu:
    """Generalized cμ over classes ``by``; ``costs`` per class (default 1, priorities
    1/2/4/8, which rank priority classes against each other only with ``trade_priority``).
    With ``by="value_tier"`` the classes are the customers' value tiers, so ``costs`` are a
    cost of delay per customer value: ``{vip: 4, returning: 2, new: 1}``."""
    if costs is None:
        costs = PRIORITY_COSTS if by == "priority" else {}
    return GeneralizedCMu(eligibility, by, dict(costs), exponent, slowdown, trade_priority)


def fixed_queue_ratio(
    eligibility: Eligibility | None = None,
    by: ClassBy = "type",
    ratios: Mapping[str, float] | None = None,
    trade_priority: bool = False,
) -> FixedQueueRatio:
    """Fixed-queue-ratio over classes ``by``; target ``ratios`` are relative weights (default 1)."""
    return FixedQueueRatio(eligibility, by, dict(ratios or {}), trade_priority)


def check_trade(trade_priority: object) -> bool:
    """Validate ``trade_priority``: a real boolean (a YAML string such as "no" is refused,
    not read as True)."""
    if not isinstance(trade_priority, bool):
        raise ValueError(f"trade_priority must be true or false, not {trade_priority!r}")
    return trade_priority
