"""The filter-then-score engine most policies share: ``SelectionPolicy``.

A ``SelectionPolicy`` applies the shared eligibility filters (``router.filters``) and
picks the best-ranked eligible agent: its ``Scorer``'s score, then the one tie-break of
``router.ranking`` (longest idle, then smallest id), so the outcome is deterministic. The
interface it implements is ``router.policies.protocol.Policy``.

Two forms of the same pick: ``decide`` (traced) screens agent by agent, or with arrays on
a large roster; ``choose`` (untraced) starts from the eligibility plan of the ticket's
kind (``router.plan``) and falls back to the array screen when many agents are left, or to
the per-agent screen for a ticket without a plan.

Every path applies continuity (``router.continuity``) the same way: when it is on and the
ticket's previous agent is eligible, that agent is chosen (and ``decide``'s trace says so).
The previous agent is read from the ticket at decision time, so a plan or a chooser shared
by tickets of one kind serves each ticket's own.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import datetime
from functools import partial
from random import Random

import numpy as np

from router.bulk import SHORTLIST, BulkScreen, Floats, Indices
from router.continuity import continuing_agent, continuity_note
from router.decision import (
    Assignment,
    CandidateTrace,
    Choice,
    Decision,
    DecisionTrace,
    NoAssignment,
)
from router.eligibility import (
    EXPLAIN_EVERY_AGENT_UP_TO,
    Eligibility,
    Requirements,
    Screen,
    relaxes_after,
)
from router.filters import ELIGIBILITY_FILTERS
from router.model import Ticket
from router.plan import Plan, plan_for
from router.policies.protocol import ArrayScorer, ChooseFn, Policy, Scorer
from router.ranking import best_of, best_row, best_scored, idle_array, ranked_rows, ranking_key
from router.roster import Roster

__all__ = ["NOT_SHORTLISTED", "ChooseFn", "Policy", "SelectionPolicy", "explain_refusal"]

NOT_SHORTLISTED = "not_shortlisted"
"""Trace count of eligible agents on a large roster left out of the listed best few."""


class SelectionPolicy:
    """Filter with the shared eligibility filters, score with a ``Scorer``, pick the best."""

    def __init__(
        self,
        name: str,
        scorer: Scorer,
        eligibility: Eligibility | None = None,
        bulk_above: int = EXPLAIN_EVERY_AGENT_UP_TO,
    ) -> None:
        self.name = name
        self.scorer = scorer
        self.eligibility = eligibility or Eligibility()
        self.bulk_above = bulk_above
        """Rosters larger than this are screened with arrays (if the scorer can score them)."""
        self._continuity = self.eligibility.continuity_window_h is not None
        self._arrays = isinstance(scorer, ArrayScorer)  # protocol checks are slow: once
        # a plan's candidates are checked one by one up to this many (then the array screen)
        self._plan_most = bulk_above if self._arrays else math.inf

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r})"

    # --- the policy interface ---------------------------------------------------------

    def decide(self, ticket: Ticket, roster: Roster, now: datetime, rng: Random) -> Decision:
        """The best-ranked eligible agent for ``ticket`` at ``now``, with the trace of why."""
        if self._bulk(roster):
            return self._decide_arrays(ticket, roster, now)
        screen = Screen(ticket, roster, now, self.eligibility)
        ids, pruned = screen.candidates()
        candidates: list[CandidateTrace] = []
        keys: dict[str, tuple[float, ...]] = {}
        labels = (*self.scorer.labels, "idle_s")
        for agent_id in ids:
            refusal = screen.reject(agent_id)
            if refusal is not None:
                candidates.append(
                    CandidateTrace(agent_id=agent_id, rejected_by=refusal[0], detail=refusal[1])
                )
                continue
            key = keys[agent_id] = self._key(agent_id, screen)
            candidates.append(
                CandidateTrace(agent_id=agent_id, score=dict(zip(labels, key, strict=True)))
            )
        own = best_of(keys, keys.__getitem__)
        chosen, notes = self._continued(ticket, now, own, keys.__contains__)
        candidates.sort(key=lambda candidate: candidate.agent_id)
        trace = self._trace(ticket, now, screen.needs, tuple(candidates), pruned, chosen, notes)
        return self._decision(ticket, roster, trace)

    def choose(self, ticket: Ticket, roster: Roster, now: datetime, rng: Random) -> Choice | None:
        """The agent ``decide`` would pick and the weight taken, without building a trace.

        Same filters, scores and tie-break as ``decide``; agents that could only be
        rejected are skipped unexamined (those the plan of the ticket's kind rules out, and
        those without spare capacity), and a lone eligible agent is picked without scoring.
        """
        plan = plan_for(ticket, roster, self.eligibility, self)
        if plan is None:
            return self._choose_unplanned(ticket, roster, now)
        return self._choose_planned(plan, ticket, roster, now, rng)

    def chooser_for(self, ticket: Ticket, roster: Roster) -> ChooseFn:
        """``choose`` for tickets routed like ``ticket`` on ``roster``'s agents, with their
        plan looked up once. (A subclass that changes ``choose`` must change this too.)"""
        plan = plan_for(ticket, roster, self.eligibility, self)
        return self.choose if plan is None else partial(self._choose_planned, plan)

    def refuses(self, agent_id: str, ticket: Ticket, roster: Roster, now: datetime) -> bool:
        """True when the filters keep ``agent_id`` from ``ticket`` on ``roster`` at ``now``."""
        plan = plan_for(ticket, roster, self.eligibility, self)
        if plan is None:
            return not Screen(ticket, roster, now, self.eligibility).passes(agent_id)
        if agent_id not in plan.agents:
            return True
        return not plan.passing((agent_id,), roster, now, self.eligibility)

    def revisit_after(self, ticket: Ticket) -> float | None:
        """Seconds of waiting after which the ticket's optional skills are dropped, if so."""
        return relaxes_after(self.eligibility, ticket)

    # --- untraced picks -----------------------------------------------------------------

    def _choose_planned(
        self, plan: Plan, ticket: Ticket, roster: Roster, now: datetime, rng: Random
    ) -> Choice | None:
        """``choose`` with the plan of the ticket's kind at hand."""
        if self._continuity:
            kept = self._continuity_choice(ticket, roster, now, plan)
            if kept is not None:
                return kept
        eligible = plan.eligible(roster, now, self.eligibility, self._plan_most)
        if eligible is None:  # too many candidates for one by one
            return self._choose_arrays(ticket, roster, now)
        if len(eligible) < 2:  # the only eligible agent is the best whatever the scores
            return plan.choices[eligible[0]] if eligible else None
        screen = Screen(ticket, roster, now, self.eligibility)
        best = best_scored(eligible, self.scorer.score, screen)  # ``_best``, one call fewer
        assert best is not None
        return plan.choices[best]

    def _choose_unplanned(self, ticket: Ticket, roster: Roster, now: datetime) -> Choice | None:
        """``choose`` for a ticket without a plan (its required skills change as it waits)."""
        if self._continuity:
            kept = self._continuity_choice(ticket, roster, now, None)
            if kept is not None:
                return kept
        if self._bulk(roster):
            return self._choose_arrays(ticket, roster, now)
        screen = Screen(ticket, roster, now, self.eligibility)
        eligible = [a for a in screen.shortlist() if screen.passes(a)]
        if not eligible:
            return None
        chosen = eligible[0] if len(eligible) == 1 else self._best(eligible, screen)
        return Choice(chosen, roster.agents[chosen].capacity.weight_of(ticket))

    def _choose_arrays(self, ticket: Ticket, roster: Roster, now: datetime) -> Choice | None:
        """``choose`` with the array screen."""
        bulk = BulkScreen(ticket, roster, now, self.eligibility, counting=False)
        if bulk.eligible.size == 0:
            return None
        row = best_row(self._keys(bulk), bulk.eligible)
        chosen = roster.agent_ids[int(bulk.eligible[row])]
        return Choice(chosen, roster.agents[chosen].capacity.weight_of(ticket))

    # --- continuity ---------------------------------------------------------------------

    def _continued(
        self, ticket: Ticket, now: datetime, own: str | None, eligible: Callable[[str], bool]
    ) -> tuple[str | None, tuple[str, ...]]:
        """The agent a traced decision chooses: the ticket's previous agent when
        continuity keeps them (``eligible`` says if they passed the filters), else ``own``
        (the policy's pick); and the trace's notes."""
        previous = continuing_agent(ticket, now, self.eligibility)
        if previous is None or not eligible(previous):
            return own, ()
        return previous, (continuity_note(ticket, now, self.eligibility, own),)

    def _continuity_choice(
        self, ticket: Ticket, roster: Roster, now: datetime, plan: Plan | None
    ) -> Choice | None:
        """The ticket's previous agent as an untraced choice, when continuity keeps them:
        checked with the plan of the ticket's kind (its agents, then the momentary
        filters), or with the per-agent screen for a ticket without a plan."""
        previous = continuing_agent(ticket, now, self.eligibility)
        if previous is None or previous not in roster:
            return None
        if plan is None:
            if not Screen(ticket, roster, now, self.eligibility).passes(previous):
                return None
            return Choice(previous, roster.agents[previous].capacity.weight_of(ticket))
        if previous not in plan.agents:
            return None
        if not plan.passing((previous,), roster, now, self.eligibility):
            return None
        return plan.choices[previous]

    # --- ranking ------------------------------------------------------------------------

    def _key(self, agent_id: str, screen: Screen) -> tuple[float, ...]:
        """The agent's ranking key: score, then idle time (``router.ranking``)."""
        return ranking_key(self.scorer.score(agent_id, screen), screen.roster, agent_id, screen.now)

    def _best(self, eligible: list[str], screen: Screen) -> str:
        """The best-ranked of ``eligible`` (not empty)."""
        best = best_scored(eligible, self.scorer.score, screen)
        assert best is not None
        return best

    def _keys(self, bulk: BulkScreen) -> list[Floats]:
        """Every eligible agent's ranking key on a large roster, as one array per part."""
        scorer: ArrayScorer = self.scorer  # type: ignore[assignment]  # checked in _bulk
        eligible = bulk.eligible
        return [*scorer.score_array(eligible, bulk), idle_array(bulk, eligible)]

    def _bulk(self, roster: Roster) -> bool:
        """Large rosters with an array scorer take the vectorised screen."""
        return self._arrays and len(roster) > self.bulk_above

    # --- traces -------------------------------------------------------------------------

    def _decide_arrays(self, ticket: Ticket, roster: Roster, now: datetime) -> Decision:
        """``decide`` on a large roster: same filters and ranking, on arrays; the trace
        counts the rejected per filter and lists the best few eligible agents."""
        bulk = BulkScreen(ticket, roster, now, self.eligibility)
        counted = dict(bulk.removed)
        candidates: tuple[CandidateTrace, ...] = ()
        notes: tuple[str, ...] = ()
        if bulk.eligible.size:
            keys = self._keys(bulk)
            top = ranked_rows(keys, bulk.eligible, SHORTLIST)
            top, notes = self._continued_rows(ticket, now, bulk, top)
            labels = (*self.scorer.labels, "idle_s")
            columns = [key[top].tolist() for key in keys]
            ids = roster.agent_ids
            candidates = tuple(
                CandidateTrace(
                    agent_id=ids[agent],
                    score=dict(zip(labels, [column[n] for column in columns], strict=True)),
                )
                for n, agent in enumerate(bulk.eligible[top].tolist())
            )
            if bulk.eligible.size > len(candidates):
                counted[NOT_SHORTLISTED] = int(bulk.eligible.size) - len(candidates)
        chosen = candidates[0].agent_id if candidates else None
        trace = self._trace(ticket, now, bulk.needs, candidates, counted, chosen, notes)
        return self._decision(ticket, roster, trace)

    def _continued_rows(
        self, ticket: Ticket, now: datetime, bulk: BulkScreen, top: Indices
    ) -> tuple[Indices, tuple[str, ...]]:
        """The rows (into ``bulk.eligible``) a large roster's trace lists, the chosen
        first: the ticket's previous agent ahead of the best-scored when continuity keeps
        them; and the trace's notes."""
        roster, eligible = bulk.roster, bulk.eligible

        def row_of(agent_id: str) -> Indices:
            return np.flatnonzero(eligible == roster.position(agent_id))

        own = roster.agent_ids[int(eligible[top[0]])]
        chosen, notes = self._continued(
            ticket, now, own, lambda agent_id: agent_id in roster and row_of(agent_id).size > 0
        )
        if chosen is None or chosen == own:
            return top, notes
        kept = int(row_of(chosen)[0])
        rest = [row for row in top.tolist() if row != kept]
        return np.array([kept, *rest][:SHORTLIST], dtype=np.intp), notes

    def _trace(
        self,
        ticket: Ticket,
        now: datetime,
        needs: Requirements,
        candidates: tuple[CandidateTrace, ...],
        pruned: dict[str, int],
        chosen: str | None,
        notes: tuple[str, ...] = (),
    ) -> DecisionTrace:
        return DecisionTrace(
            policy=self.name,
            ticket_id=ticket.id,
            at=now,
            candidates=candidates,
            pruned=pruned,
            required_skills=needs.required,
            optional_skills=needs.preferred,
            relaxed_skills=needs.relaxed,
            chosen=chosen,
            notes=notes,
        )

    @staticmethod
    def _decision(ticket: Ticket, roster: Roster, trace: DecisionTrace) -> Decision:
        chosen = trace.chosen
        if chosen is None:
            return NoAssignment(ticket_id=ticket.id, reason=explain_refusal(trace), trace=trace)
        weight = roster.agents[chosen].capacity.weight_of(ticket)
        return Assignment(
            ticket_id=ticket.id, agent_id=chosen, weight=weight, trace=trace, group=ticket.group
        )


NO_AGENTS = "no agents on the roster"
"""``explain_refusal``'s sentence when nobody is on the roster at all."""


def explain_refusal(trace: DecisionTrace) -> str:
    """One sentence saying why nobody was eligible, counting agents per filter."""
    counts = trace.rejections()
    if not counts:
        return NO_AGENTS
    parts = [f"{counts[f.name]} {f.words}" for f in ELIGIBILITY_FILTERS if f.name in counts]
    return "no eligible agent: " + ", ".join(parts)


def refusal_kind(reason: str | None) -> str:
    """The filter that finally left nobody, read from an ``explain_refusal`` sentence: the
    last filter in the chain that removed anyone (earlier ones narrowed the pool, this one
    emptied it: "at capacity" after "lacking a required skill" means skilled agents exist
    but are busy). ``no_agents`` for an empty roster, ``other`` for any other text."""
    if reason == NO_AGENTS:
        return "no_agents"
    counted = (reason or "").removeprefix("no eligible agent: ").split(", ")
    for check in reversed(ELIGIBILITY_FILTERS):
        if any(part.endswith(f" {check.words}") for part in counted):
            return check.name
    return "other"
