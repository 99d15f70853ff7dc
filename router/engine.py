"""The router: business rules, then a policy; one ticket at a time or a whole queue.

This is the single entry point the live sidecar and the simulator share. It holds no clock
and does no I/O: ``now`` and ``rng`` arrive with every call.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from random import Random
from typing import Any

from router.backlog import Backlog
from router.classify.predictor import TicketClassifier
from router.customer_rules import with_customer_notes
from router.decision import Assignment, Decision, with_enrichment
from router.eligibility import Eligibility
from router.language import LanguageDetection
from router.model import Agent, Ticket
from router.policies import (
    Choice,
    Policy,
    QueueAware,
    QueueState,
    rank_classes,
    revisit_after,
    serve_order,
)
from router.policies.protocol import ChooseFn
from router.policies.queueing import protected_level
from router.queue import DEFAULT_ORDER, OrderKey, SortKey, order_queue, queue_key, validate_order
from router.roster import Roster
from router.rules import RuleSet
from router.signals import read_signals


@dataclass(frozen=True, kw_only=True)
class Router:
    """A policy plus the rules, queue order and backlog dealing around it."""

    policy: Policy
    rules: RuleSet = field(default_factory=RuleSet)
    order: tuple[OrderKey, ...] = DEFAULT_ORDER
    per_round: int | None = 1
    classifier: TicketClassifier | None = None
    language: LanguageDetection = field(default_factory=LanguageDetection)
    version: str = ""
    """The policy file's fingerprint (``PolicyFile.fingerprint``), recorded with every
    decision; empty for a router built in code."""

    def __post_init__(self) -> None:
        validate_order(self.order)
        if self.per_round is not None and self.per_round < 1:
            raise ValueError("per_round must be >= 1 or None")

    def enrich(self, ticket: Ticket, now: datetime) -> tuple[Ticket, tuple[str, ...]]:
        """The ticket after the classifier (if any), language detection (if on), the signals
        (when a rule tests one) and the business rules, and the names of the rules that
        matched."""
        if self.classifier is not None:
            ticket = self.classifier.classify(ticket)
        ticket = self.language.apply(ticket)
        if self.rules.reads_signals:
            ticket = read_signals(ticket)
        return self.rules.apply(ticket, now)

    def decide(self, ticket: Ticket, roster: Roster, now: datetime, rng: Random) -> Decision:
        """Enrich ``ticket`` with the rules and let the policy decide."""
        enriched, matched = self.enrich(ticket, now)
        decision = self.policy.decide(enriched, roster, now, rng)
        decision = with_customer_notes(decision, enriched, now)  # shop context (issue 19)
        return with_enrichment(decision, matched, enriched)

    def drain(
        self, queue: Iterable[Ticket], roster: Roster, now: datetime, rng: Random
    ) -> tuple[list[tuple[Ticket, Decision]], Roster]:
        """Decide a whole waiting queue: rules, then the shared backlog (queue order, class
        ranking, dealing across agents; ``router.backlog``).

        Returns the enriched tickets with their final decisions, in the order the backlog
        made them (assignments in the order they were made), and the roster after the
        assignments.
        """
        matched: dict[str, tuple[str, ...]] = {}
        backlog: Backlog[_Queued] = self.backlog()
        for ticket in queue:
            rich, matched[ticket.id] = self.enrich(ticket, now)
            backlog.add(_Queued(rich))
        decisions: dict[str, tuple[Ticket, Decision]] = {}

        def attempt(queued: _Queued, view: Roster) -> Choice | None:
            decision = self.policy.decide(queued.ticket, view, now, rng)
            decisions.pop(queued.ticket.id, None)  # kept in the order of final decisions
            decisions[queued.ticket.id] = (queued.ticket, decision)
            if isinstance(decision, Assignment):
                return Choice(decision.agent_id, decision.weight)
            return None

        def assign(_: _Queued, choice: Choice) -> Roster:
            nonlocal roster
            roster = roster.with_assignment(choice.agent_id, choice.weight, now)
            return roster

        backlog.offer(now, roster, attempt, assign)
        for queued in sorted(backlog, key=lambda queued: queued.key):  # never offered:
            decisions.setdefault(
                queued.ticket.id,
                (queued.ticket, self.policy.decide(queued.ticket, roster, now, rng)),
            )  # nobody had room; the trace says so
        return [
            (
                ticket,
                with_enrichment(
                    with_customer_notes(decision, ticket, now),  # shop context (issue 19)
                    matched[ticket.id],
                    ticket,
                ),
            )
            for ticket, decision in decisions.values()
        ], roster

    def backlog(self) -> Backlog[Any]:
        """An empty backlog that offers tickets the way this router does (its queue order,
        its policy's class ranking within protected priority levels, ``per_round``
        dealing)."""
        if not isinstance(self.policy, QueueAware):
            return Backlog(queue_key(self.order), self.per_round, roster_wide=self.roster_wide)
        return Backlog(
            queue_key(self.order),
            self.per_round,
            self.queue_class,
            partial(self.rank_classes, agent=None),
            protected_level(self.policy),
            self.roster_wide,
        )

    @property
    def roster_wide(self) -> bool:
        """True when the policy's filters weigh an agent against the rest of the roster
        (``Eligibility.roster_wide``: the reserve): one agent freeing capacity, or going
        off shift, may change what the others may take, so callers take no shortcut that
        assumes otherwise."""
        rules = getattr(self.policy, "eligibility", None)  # SelectionPolicy and wrappers
        return isinstance(rules, Eligibility) and rules.roster_wide

    def ordered(self, queue: Sequence[Ticket], now: datetime | None = None) -> list[Ticket]:
        """``queue`` in the order this router offers tickets to agents.

        With a queue-aware policy and a ``now``, classes are served in the policy's ranking
        within each protected priority level (the configured order still holds inside each
        class).
        """
        static = order_queue(queue, self.order)
        if now is None or not isinstance(self.policy, QueueAware):
            return static
        return serve_order(self.policy, static, now)

    def choose(self, ticket: Ticket, roster: Roster, now: datetime, rng: Random) -> Choice | None:
        """The policy's pick for an already-enriched ticket, without a trace (simulator path)."""
        return self.policy.choose(ticket, roster, now, rng)

    def chooser_for(self, ticket: Ticket, roster: Roster) -> ChooseFn:
        """``choose`` specialised to tickets routed like the enriched ``ticket`` on
        ``roster``'s agents (``Policy.chooser_for``): for loops that decide many tickets of
        a few kinds."""
        return self.policy.chooser_for(ticket, roster)

    def refuses(self, agent_id: str, ticket: Ticket, roster: Roster, now: datetime) -> bool:
        """True when the policy certainly keeps ``agent_id`` from ``ticket`` now
        (``Policy.refuses``): a cheap pre-check for "could this newly free agent take that
        waiting ticket?"."""
        return self.policy.refuses(agent_id, ticket, roster, now)

    def revisit_after(self, ticket: Ticket) -> float | None:
        """Seconds of waiting after which the policy may decide ``ticket`` differently, if any."""
        return revisit_after(self.policy, ticket)

    def revisits(self, ticket: Ticket) -> tuple[float, ...]:
        """Every wait (seconds) after which the policy may decide ``ticket`` differently,
        earliest first: its own first one (``revisit_after``) and those of the policy it
        wraps (``inner``, as threshold overflow wraps skills routing, whose optional skills
        may drop later than the overflow wait). A live sidecar re-decides its queue every
        few seconds and so notices each; the simulator re-offers the ticket at each."""
        waits = {revisit_after(self.policy, ticket)}
        inner = getattr(self.policy, "inner", None)
        if inner is not None:
            waits.add(revisit_after(inner, ticket))
        return tuple(sorted(wait for wait in waits if wait is not None))

    def queue_class(self, ticket: Ticket) -> str:
        """The class a queue-aware policy puts ``ticket`` in ("" for every other policy)."""
        return self.policy.queue_class(ticket) if isinstance(self.policy, QueueAware) else ""

    def rank_classes(self, state: QueueState, now: datetime, agent: Agent | None) -> list[str]:
        """Classes of waiting tickets in the order ``agent`` should serve them."""
        if not isinstance(self.policy, QueueAware):
            return [klass for klass, count in state.counts.items() if count > 0]
        return rank_classes(self.policy, state, now, agent)


class _Queued:
    """A ticket waiting in a one-shot drain's backlog."""

    __slots__ = ("key", "klass", "ticket")

    profile = None  # refusals are not shared between tickets: each is decided with a trace

    key: SortKey
    klass: str

    def __init__(self, ticket: Ticket) -> None:
        self.ticket = ticket
