"""The policy plug-in interface, in one place: what a routing policy is and what it may add.

A policy is pure: every method is a function of its arguments (``now`` and ``rng`` arrive
with each call; no clock, no I/O). It answers five questions about a ticket:

- ``decide`` → ``Assignment | NoAssignment``, each with the ``DecisionTrace`` of why: what
  the live sidecar stores and explains;
- ``choose`` → ``Choice | None``: the agent ``decide`` would pick and the weight taken,
  without building a trace (the simulator's path; must agree with ``decide``);
- ``chooser_for(ticket, roster)`` → a ``choose`` specialised to tickets routed like
  ``ticket`` (equal ``router.filters.KIND_FIELDS``) on ``roster``'s agents, for loops that
  decide many tickets of a few kinds; ``self.choose`` is always a correct answer;
- ``refuses(agent_id, ticket, roster, now)`` → True only when the agent certainly cannot
  take the ticket (a cheap pre-check; False is always safe);
- ``revisit_after(ticket)`` → seconds of waiting after which the policy may decide the
  ticket differently (None: never).

``DecidingPolicy`` gives the last four from ``decide`` alone, so a plug-in may write only
``name`` and ``decide``. Most policies are a ``SelectionPolicy`` (``router.policies.base``):
the shared eligibility filters, then the best-ranked agent by a ``Scorer``, which is all a
new policy of that family writes (plus ``score_array`` to be fast on large rosters). A
policy that also ranks classes of waiting tickets is ``QueueAware``. Register a factory
with ``router.policies.register(name, factory)``; the contract suite
(``tests/router/test_policy_contract.py``) then runs over it.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from datetime import datetime
from random import Random
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from router.decision import Assignment, Choice, Decision
from router.model import Agent, Ticket
from router.roster import Roster

if TYPE_CHECKING:
    from router.bulk import BulkScreen, Floats, Indices
    from router.eligibility import Screen
    from router.policies.queueing import QueueState

ChooseFn = Callable[[Ticket, Roster, datetime, Random], "Choice | None"]
"""An untraced pick: ``(ticket, roster, now, rng) -> Choice | None``."""


@runtime_checkable
class Policy(Protocol):
    """Decides who owns one ticket, purely from its arguments."""

    name: str

    def decide(self, ticket: Ticket, roster: Roster, now: datetime, rng: Random) -> Decision:
        """An ``Assignment`` to an eligible agent or a ``NoAssignment`` with a reason."""
        ...

    def choose(self, ticket: Ticket, roster: Roster, now: datetime, rng: Random) -> Choice | None:
        """The agent ``decide`` would pick and the weight taken, without a trace."""
        ...

    def chooser_for(self, ticket: Ticket, roster: Roster) -> ChooseFn:
        """``choose`` for tickets routed like ``ticket`` on ``roster``'s agents."""
        ...

    def refuses(self, agent_id: str, ticket: Ticket, roster: Roster, now: datetime) -> bool:
        """True only when ``agent_id`` certainly cannot take ``ticket`` now."""
        ...

    def revisit_after(self, ticket: Ticket) -> float | None:
        """Seconds of waiting after which ``ticket`` may be decided differently, if ever."""
        ...


@runtime_checkable
class QueueAware(Protocol):
    """A policy that also ranks classes of waiting tickets for a free agent: tickets wait
    in classes (``queue_class``) and each non-empty class is scored from a ``QueueState``
    (``class_index``, higher is served first)."""

    name: str

    def decide(self, ticket: Ticket, roster: Roster, now: datetime, rng: Random) -> Decision:
        """Who takes ``ticket`` (as every policy)."""
        ...

    def queue_class(self, ticket: Ticket) -> str:
        """The class (queue) the ticket waits in."""
        ...

    def class_index(
        self, klass: str, state: QueueState, now: datetime, agent: Agent | None
    ) -> float:
        """Priority of serving ``klass`` now (higher first); ``agent``: who serves, if known."""
        ...


class Scorer(Protocol):
    """Scores an eligible agent for a ``SelectionPolicy``; higher is better. ``labels``
    name the score's parts in the trace. Ties are broken by ``router.ranking``."""

    labels: tuple[str, ...]

    def score(self, agent_id: str, screen: Screen) -> tuple[float, ...]:
        """The agent's score for the ticket being screened (read the screen's ticket,
        roster, now, rules and needs)."""
        ...


@runtime_checkable
class ArrayScorer(Scorer, Protocol):
    """A scorer that can also score many agents at once (used on large rosters)."""

    def score_array(self, idx: Indices, bulk: BulkScreen) -> list[Floats]:
        """One array per score part for agents ``idx``: the same values ``score`` gives."""
        ...


class DecidingPolicy(ABC):
    """Base for a policy that writes only ``name`` and ``decide``: the untraced pick is
    ``decide`` reduced, never specialised, never a pre-check refusal, never a revisit."""

    name: str

    @abstractmethod
    def decide(self, ticket: Ticket, roster: Roster, now: datetime, rng: Random) -> Decision:
        """An ``Assignment`` to an eligible agent or a ``NoAssignment`` with a reason."""

    def choose(self, ticket: Ticket, roster: Roster, now: datetime, rng: Random) -> Choice | None:
        """``decide``'s pick without its trace."""
        decision = self.decide(ticket, roster, now, rng)
        if isinstance(decision, Assignment):
            return Choice(decision.agent_id, decision.weight)
        return None

    def chooser_for(self, ticket: Ticket, roster: Roster) -> ChooseFn:
        """``choose`` itself: nothing to specialise."""
        return self.choose

    def refuses(self, agent_id: str, ticket: Ticket, roster: Roster, now: datetime) -> bool:
        """Never certain: False."""
        return False

    def revisit_after(self, ticket: Ticket) -> float | None:
        """Never: None."""
        return None
