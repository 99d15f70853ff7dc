"""Threshold overflow: a ticket waits for its own group, then helper groups may take it.

Bell & Williams (2001) show threshold policies are asymptotically optimal for pooled
parallel servers; Zendesk's secondary groups and Salesforce's skill dropping are the vendor
versions. A ticket is offered to its own group first; once it has waited ``wait_s`` it may
also go to the helper groups listed for its group in ``overflow`` (``"*"`` applies to every
group), through the ticket's escalation pool.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from random import Random

from router.decision import Assignment, Choice, Decision, NoAssignment
from router.eligibility import Eligibility, relaxes_after
from router.model import Ticket
from router.policies.base import SelectionPolicy
from router.policies.protocol import ChooseFn
from router.policies.skills import Then, skills
from router.roster import Roster


class ThresholdOverflow:
    """Own group first; after ``wait_s`` of waiting, helper groups too."""

    def __init__(
        self, inner: SelectionPolicy, overflow: Mapping[str, Sequence[str]], wait_s: float
    ) -> None:
        if wait_s < 0:
            raise ValueError("wait_s must be >= 0")
        self.name = "threshold_overflow"
        self.inner, self.wait_s = inner, wait_s
        self.overflow = {group: tuple(helpers) for group, helpers in overflow.items()}
        self.eligibility = inner.eligibility

    def __repr__(self) -> str:
        return f"ThresholdOverflow(wait_s={self.wait_s:g}, overflow={self.overflow!r})"

    def widened(self, ticket: Ticket, now: datetime) -> Ticket | None:
        """The ticket opened to its helper groups, or None while it may not overflow yet."""
        if ticket.group is None or ticket.pool:
            return None
        if ticket.waited(now) < timedelta(seconds=self.wait_s):
            return None
        helpers = self.overflow.get(ticket.group, self.overflow.get("*", ()))
        if not helpers:
            return None
        wide: Ticket = ticket.evolve(pool=frozenset({ticket.group, *helpers}))
        return wide

    def decide(self, ticket: Ticket, roster: Roster, now: datetime, rng: Random) -> Decision:
        """The inner policy's decision, retried over the helper groups once past the threshold."""
        first = self.inner.decide(ticket, roster, now, rng)
        wide = None if first.assigned else self.widened(ticket, now)
        if wide is None:
            return _renamed(first, self.name, ())
        second = self.inner.decide(wide, roster, now, rng)
        helpers = ", ".join(sorted(wide.pool - {ticket.group or ""}))
        note = f"overflow to {helpers} after {self.wait_s:g}s"
        return _renamed(second, self.name, (note,))

    def revisit_after(self, ticket: Ticket) -> float | None:
        """Seconds of waiting after which the ticket may overflow (or relax optional skills)."""
        inner = relaxes_after(self.inner.eligibility, ticket)
        if ticket.group is None or ticket.pool:
            return inner
        return self.wait_s if inner is None else min(inner, self.wait_s)

    def choose(self, ticket: Ticket, roster: Roster, now: datetime, rng: Random) -> Choice | None:
        """Like ``decide`` without the trace."""
        first = self.inner.choose(ticket, roster, now, rng)
        if first is not None:
            return first
        wide = self.widened(ticket, now)
        return None if wide is None else self.inner.choose(wide, roster, now, rng)

    def chooser_for(self, ticket: Ticket, roster: Roster) -> ChooseFn:
        """``choose`` itself: whether a ticket overflows depends on how long it waited."""
        return self.choose

    def refuses(self, agent_id: str, ticket: Ticket, roster: Roster, now: datetime) -> bool:
        """True when the inner policy refuses the agent the ticket, and the ticket opened
        to its helper groups too once it may overflow."""
        if not self.inner.refuses(agent_id, ticket, roster, now):
            return False
        wide = self.widened(ticket, now)
        return wide is None or self.inner.refuses(agent_id, wide, roster, now)


def _renamed(decision: Decision, name: str, notes: tuple[str, ...]) -> Decision:
    trace = replace(decision.trace, policy=name, notes=decision.trace.notes + notes)
    if isinstance(decision, Assignment):
        return replace(decision, trace=trace)
    assert isinstance(decision, NoAssignment)
    return replace(decision, trace=trace)


def threshold_overflow(
    eligibility: Eligibility | None = None,
    overflow: Mapping[str, Sequence[str]] | None = None,
    wait_s: float = 900.0,
    then: Then = "least_loaded",
) -> ThresholdOverflow:
    """Skills routing within the ticket's group, overflowing to helper groups after ``wait_s``."""
    inner = skills(eligibility, match="highest", then=then, name="threshold_overflow")
    return ThresholdOverflow(inner, overflow or {}, wait_s)
