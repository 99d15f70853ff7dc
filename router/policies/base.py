"""The one interface every policy implements, and the filter-then-score engine most share.

A policy is ``decide(ticket, roster, now, rng) -> Assignment | NoAssignment``. It reads no
clock, does no I/O and draws randomness only from ``rng``. ``SelectionPolicy`` applies the
shared eligibility filters and then picks the best-scoring agent; ties go to the agent idle
longest, then to the smallest agent id, so the outcome is deterministic.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from datetime import datetime
from functools import partial
from random import Random
from typing import Protocol, runtime_checkable

from router.bulk import SHORTLIST, BulkScreen, Floats, Indices, best, ranked
from router.decision import (
    Assignment,
    CandidateTrace,
    Choice,
    Decision,
    DecisionTrace,
    NoAssignment,
)
from router.eligibility import EXPLAIN_EVERY_AGENT_UP_TO, FILTERS, Eligibility, Screen
from router.model import Ticket
from router.plan import Plan, plan_for
from router.roster import Roster

NEVER = math.inf
"""Idle time of an agent never assigned: longer than any real idle time."""

NOT_SHORTLISTED = "not_shortlisted"
"""Trace count of eligible agents on a large roster left out of the listed best few."""


@runtime_checkable
class Policy(Protocol):
    """Decides who owns one ticket, purely from its arguments."""

    name: str

    def decide(self, ticket: Ticket, roster: Roster, now: datetime, rng: Random) -> Decision:
        """Return an ``Assignment`` to an eligible agent or a ``NoAssignment`` with a reason."""
        ...


class Chooser(Protocol):
    """Scores an eligible agent; higher is better. ``labels`` name the score's parts."""

    labels: tuple[str, ...]

    def score(self, agent_id: str, screen: Screen) -> tuple[float, ...]:
        """The agent's score for the ticket being screened (``screen`` may be one made
        ``Screen.for_scores``: read its ticket, roster, now, rules and needs only)."""
        ...


ChooseFn = Callable[[Ticket, Roster, datetime, Random], "Choice | None"]
"""An untraced pick: ``(ticket, roster, now, rng) -> Choice | None``."""


def chooser_of(policy: Policy) -> ChooseFn:
    """The policy's untraced pick: its own ``choose`` if it has one, else ``decide`` reduced."""
    choose: ChooseFn | None = getattr(policy, "choose", None)
    return choose if choose is not None else partial(_choose_by_deciding, policy)


def chooser_for(policy: Policy, ticket: Ticket, roster: Roster) -> ChooseFn:
    """The policy's untraced pick for tickets routed like ``ticket`` on ``roster``'s agents.

    A policy may specialise its pick to one kind of ticket (``SelectionPolicy`` looks its
    plan up once instead of per decision); the result is only for tickets that share
    ``ticket``'s routing fields (pool, group, skills, language, type, channel, weight) and
    for rosters with ``roster``'s agents (its derived snapshots and working copies).
    """
    specialise = getattr(policy, "chooser_for", None)
    return specialise(ticket, roster) if specialise is not None else chooser_of(policy)


def _choose_by_deciding(
    policy: Policy, ticket: Ticket, roster: Roster, now: datetime, rng: Random
) -> Choice | None:
    decision = policy.decide(ticket, roster, now, rng)
    return Choice(decision.agent_id, decision.weight) if isinstance(decision, Assignment) else None


def choose_with(
    policy: Policy, ticket: Ticket, roster: Roster, now: datetime, rng: Random
) -> Choice | None:
    """The policy's pick without a trace: its own ``choose`` if it has one, else ``decide``."""
    return chooser_of(policy)(ticket, roster, now, rng)


@runtime_checkable
class ArrayChooser(Protocol):
    """A chooser that can also score many agents at once (used on large rosters)."""

    labels: tuple[str, ...]

    def score(self, agent_id: str, screen: Screen) -> tuple[float, ...]:
        """The agent's score for the ticket being screened."""
        ...

    def score_array(self, idx: Indices, bulk: BulkScreen) -> list[Floats]:
        """One array per score part for agents ``idx``: the same values ``score`` gives."""
        ...


def idle_seconds(roster: Roster, agent_id: str, now: datetime) -> float:
    """Seconds since the agent's last assignment (``NEVER`` when never assigned)."""
    last = roster.last_assigned(agent_id)
    return NEVER if last is None else (now - last).total_seconds()


class SelectionPolicy:
    """Filter with the shared ``Eligibility`` rules, score with a ``Chooser``, pick the best."""

    def __init__(
        self,
        name: str,
        chooser: Chooser,
        eligibility: Eligibility | None = None,
        bulk_above: int = EXPLAIN_EVERY_AGENT_UP_TO,
    ) -> None:
        self.name = name
        self.chooser = chooser
        self.eligibility = eligibility or Eligibility()
        self.bulk_above = bulk_above
        """Rosters larger than this are screened with arrays (if the chooser can score them)."""
        self._scores_arrays = isinstance(chooser, ArrayChooser)  # protocol checks are slow
        # a plan's candidates are checked one by one up to this many (then the array screen)
        self._plan_most = bulk_above if self._scores_arrays else math.inf

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r})"

    def decide(self, ticket: Ticket, roster: Roster, now: datetime, rng: Random) -> Decision:
        """Choose the best eligible agent for ``ticket`` at ``now``."""
        if self._bulk(roster):
            return self._decide_bulk(ticket, roster, now)
        screen = Screen(ticket, roster, now, self.eligibility)
        ids, pruned = screen.candidates()
        rejected: list[CandidateTrace] = []
        scored: list[tuple[str, tuple[float, ...]]] = []
        best_id: str | None = None
        best_key: tuple[float, ...] = ()
        for agent_id in ids:
            refusal = screen.reject(agent_id)
            if refusal is not None:
                rejected.append(
                    CandidateTrace(agent_id=agent_id, rejected_by=refusal[0], detail=refusal[1])
                )
                continue
            key = (*self.chooser.score(agent_id, screen), idle_seconds(roster, agent_id, now))
            scored.append((agent_id, key))
            if best_id is None or key > best_key or (key == best_key and agent_id < best_id):
                best_id, best_key = agent_id, key
        trace = self._trace(screen, rejected, scored, pruned, best_id)
        if best_id is None:
            return NoAssignment(ticket_id=ticket.id, reason=explain_refusal(trace), trace=trace)
        weight = roster.agents[best_id].capacity.weight_of(ticket)
        return Assignment(
            ticket_id=ticket.id, agent_id=best_id, weight=weight, trace=trace, group=ticket.group
        )

    def choose(self, ticket: Ticket, roster: Roster, now: datetime, rng: Random) -> Choice | None:
        """The agent ``decide`` would pick and the weight taken, without building a trace.

        Same filters, scores and tie-breaks as ``decide``; agents that could only be
        rejected are skipped unexamined: those the roster's plan for this kind of ticket
        rules out (``router.plan``) and those without spare capacity. A lone eligible agent
        is picked without scoring. When more than ``bulk_above`` candidates are left (or
        the ticket has no plan), a large roster takes the vectorised screen instead. This is
        what the simulator calls for every ticket.
        """
        plan = plan_for(ticket, roster, self.eligibility, self)
        if plan is not None:
            return self._choose_planned(plan, ticket, roster, now, rng)
        return self._choose_unplanned(ticket, roster, now)

    def chooser_for(self, ticket: Ticket, roster: Roster) -> ChooseFn:
        """``choose`` for tickets routed like ``ticket`` on ``roster``'s agents, with their
        plan looked up once (see ``router.policies.base.chooser_for``)."""
        if type(self).choose is not SelectionPolicy.choose:  # a subclass picks its own way
            return self.choose
        plan = plan_for(ticket, roster, self.eligibility, self)
        return self.choose if plan is None else partial(self._choose_planned, plan)

    def _choose_planned(
        self, plan: Plan, ticket: Ticket, roster: Roster, now: datetime, rng: Random
    ) -> Choice | None:
        """``choose`` with the ticket's plan at hand."""
        eligible = plan.eligible(roster, now, self.eligibility, self._plan_most)
        if eligible is None:  # too many candidates for one by one
            return self._choose_unplanned(ticket, roster, now)
        if len(eligible) < 2:  # the only eligible agent is the best whatever the scores
            return plan.choices[eligible[0]] if eligible else None
        screen = Screen.for_scores(ticket, roster, now, self.eligibility)
        return plan.choices[self._best(eligible, screen)]

    def _choose_unplanned(self, ticket: Ticket, roster: Roster, now: datetime) -> Choice | None:
        """``choose`` for a ticket without a plan, or with too many candidates for one."""
        if self._bulk(roster):
            bulk = BulkScreen(ticket, roster, now, self.eligibility, counting=False)
            if bulk.eligible.size == 0:
                return None
            chosen = roster.agent_ids[int(bulk.eligible[best(self._keys(bulk), bulk.eligible)])]
            return Choice(chosen, roster.agents[chosen].capacity.weight_of(ticket))
        screen = Screen(ticket, roster, now, self.eligibility)
        screen.explain = False
        eligible = [a for a in screen.shortlist() if screen.reject(a) is None]
        if not eligible:
            return None
        best_id = eligible[0] if len(eligible) == 1 else self._best(eligible, screen)
        return Choice(best_id, roster.agents[best_id].capacity.weight_of(ticket))

    def refuses(self, agent_id: str, ticket: Ticket, roster: Roster, now: datetime) -> bool:
        """True when the filters keep ``agent_id`` from ``ticket`` on ``roster`` at ``now``."""
        plan = plan_for(ticket, roster, self.eligibility, self)
        if plan is not None:
            if agent_id not in plan.agents:
                return True
            return not plan.passing((agent_id,), roster, now, self.eligibility)
        screen = Screen(ticket, roster, now, self.eligibility)
        screen.explain = False
        return screen.reject(agent_id) is not None

    def _best(self, eligible: list[str], screen: Screen) -> str:
        """The best-scored of ``eligible``: score, then longest idle, then smallest id.

        Longest idle is compared as earliest last assignment (never assigned first), which
        orders agents exactly as ``idle_seconds`` does in ``decide`` without working out
        the seconds.
        """
        score, last_assigned = self.chooser.score, screen.roster.last_assigned
        best_id = ""
        best_key: tuple[float, ...] = ()
        best_last: datetime | None = None
        for agent_id in eligible:
            key = score(agent_id, screen)
            if not best_id:
                best_id, best_key, best_last = agent_id, key, last_assigned(agent_id)
            elif key == best_key:  # a tie (the usual case): the longer idle, then the smaller id
                last = last_assigned(agent_id)
                if last == best_last:
                    if agent_id < best_id:
                        best_id = agent_id
                elif last is None or (best_last is not None and last < best_last):
                    best_id, best_last = agent_id, last  # never assigned, or assigned earlier
            elif key > best_key:
                best_id, best_key, best_last = agent_id, key, last_assigned(agent_id)
        return best_id

    def _bulk(self, roster: Roster) -> bool:
        """Large rosters with an array-scoring chooser take the vectorised screen."""
        return self._scores_arrays and len(roster) > self.bulk_above

    def _keys(self, bulk: BulkScreen) -> list[Floats]:
        chooser: ArrayChooser = self.chooser  # type: ignore[assignment]  # checked in _bulk
        return [*chooser.score_array(bulk.eligible, bulk), bulk.idle(bulk.eligible)]

    def _decide_bulk(self, ticket: Ticket, roster: Roster, now: datetime) -> Decision:
        """``decide`` on a large roster: same filters and scores, on arrays."""
        bulk = BulkScreen(ticket, roster, now, self.eligibility)
        counted = dict(bulk.removed)
        candidates: tuple[CandidateTrace, ...] = ()
        chosen: str | None = None
        if bulk.eligible.size:
            keys = self._keys(bulk)
            top = ranked(keys, bulk.eligible, SHORTLIST)
            labels = (*self.chooser.labels, "idle_s")
            columns = [key[top].tolist() for key in keys]
            ids = roster.agent_ids
            candidates = tuple(
                CandidateTrace(
                    agent_id=ids[agent],
                    score=dict(zip(labels, [column[n] for column in columns], strict=True)),
                )
                for n, agent in enumerate(bulk.eligible[top].tolist())
            )
            chosen = candidates[0].agent_id
            if bulk.eligible.size > len(candidates):
                counted[NOT_SHORTLISTED] = int(bulk.eligible.size) - len(candidates)
        trace = DecisionTrace(
            policy=self.name,
            ticket_id=ticket.id,
            at=now,
            candidates=candidates,
            pruned=counted,
            required_skills=bulk.needs.required,
            optional_skills=bulk.needs.preferred,
            relaxed_skills=bulk.needs.relaxed,
            chosen=chosen,
        )
        if chosen is None:
            return NoAssignment(ticket_id=ticket.id, reason=explain_refusal(trace), trace=trace)
        weight = roster.agents[chosen].capacity.weight_of(ticket)
        return Assignment(
            ticket_id=ticket.id, agent_id=chosen, weight=weight, trace=trace, group=ticket.group
        )

    def _trace(
        self,
        screen: Screen,
        rejected: list[CandidateTrace],
        scored: list[tuple[str, tuple[float, ...]]],
        pruned: dict[str, int],
        chosen: str | None,
    ) -> DecisionTrace:
        labels = (*self.chooser.labels, "idle_s")
        candidates = rejected + [
            CandidateTrace(agent_id=agent_id, score=dict(zip(labels, key, strict=True)))
            for agent_id, key in scored
        ]
        candidates.sort(key=lambda candidate: candidate.agent_id)
        return DecisionTrace(
            policy=self.name,
            ticket_id=screen.ticket.id,
            at=screen.now,
            candidates=tuple(candidates),
            pruned=pruned,
            required_skills=screen.needs.required,
            optional_skills=screen.needs.preferred,
            relaxed_skills=screen.needs.relaxed,
            chosen=chosen,
        )


def explain_refusal(trace: DecisionTrace) -> str:
    """One sentence saying why nobody was eligible, counting agents per filter."""
    counts = trace.rejections()
    if not counts:
        return "no agents on the roster"
    parts = [f"{counts[name]} {_FILTER_WORDS[name]}" for name in FILTERS if name in counts]
    return "no eligible agent: " + ", ".join(parts)


_FILTER_WORDS: Mapping[str, str] = {
    "held": "already dealt a ticket this round",
    "pool": "outside the escalation pool",
    "group": "outside the ticket's group",
    "skills": "lacking a required skill",
    "status": "not online",
    "schedule": "off shift",
    "language": "not speaking the ticket's language",
    "capacity": "at capacity",
    "fair_limit": "at the fair-distribution limit",
}
