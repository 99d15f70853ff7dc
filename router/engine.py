"""The router: business rules, then a policy; one ticket at a time or a whole queue.

This is the single entry point the live sidecar and the simulator share. It holds no clock
and does no I/O: ``now`` and ``rng`` arrive with every call.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from random import Random

from router.backlog import deal
from router.decision import Decision, with_rules
from router.model import Ticket
from router.policies import Policy
from router.queue import DEFAULT_ORDER, OrderKey, order_queue, validate_order
from router.roster import Roster
from router.rules import RuleSet


@dataclass(frozen=True, kw_only=True)
class Router:
    """A policy plus the rules, queue order and backlog dealing around it."""

    policy: Policy
    rules: RuleSet = field(default_factory=RuleSet)
    order: tuple[OrderKey, ...] = DEFAULT_ORDER
    per_round: int | None = 1

    def __post_init__(self) -> None:
        validate_order(self.order)
        if self.per_round is not None and self.per_round < 1:
            raise ValueError("per_round must be >= 1 or None")

    def enrich(self, ticket: Ticket, now: datetime) -> tuple[Ticket, tuple[str, ...]]:
        """The ticket after business rules, and the names of the rules that matched."""
        return self.rules.apply(ticket, now)

    def decide(self, ticket: Ticket, roster: Roster, now: datetime, rng: Random) -> Decision:
        """Enrich ``ticket`` with the rules and let the policy decide."""
        enriched, matched = self.enrich(ticket, now)
        return with_rules(self.policy.decide(enriched, roster, now, rng), matched, ())

    def drain(
        self, queue: Iterable[Ticket], roster: Roster, now: datetime, rng: Random
    ) -> tuple[list[tuple[Ticket, Decision]], Roster]:
        """Decide a whole waiting queue: rules, queue order, then dealing across agents.

        Returns the enriched tickets with their decisions in queue order, and the roster
        after the assignments.
        """
        enriched: dict[str, tuple[str, ...]] = {}
        tickets: list[Ticket] = []
        for ticket in queue:
            rich, matched = self.enrich(ticket, now)
            enriched[rich.id] = matched
            tickets.append(rich)
        ordered = order_queue(tickets, self.order)
        results, roster = deal(ordered, roster, now, rng, self.policy.decide, self.per_round)
        return [(t, with_rules(d, enriched[t.id], ())) for t, d in results], roster

    def ordered(self, queue: Sequence[Ticket]) -> list[Ticket]:
        """``queue`` in the order this router offers tickets to agents."""
        return order_queue(queue, self.order)
