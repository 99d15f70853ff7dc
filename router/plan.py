"""Eligibility plans: who passes a kind of ticket's agent-only filters, kept per roster.

Pool, group, skills, status and language depend on the ticket's routing fields and on the
agents alone, not on load or time. A plan records, once per roster (its static part) and
kind of ticket, which agents pass them, with each one's load limit, the capacity units the
ticket would take and the ready ``Choice``; a decision then only checks the momentary
filters (held, schedule, capacity, fair limit) for those of them with spare capacity
(``Plan.eligible``).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from collections.abc import Set as AbstractSet
from datetime import datetime

from router.decision import Choice
from router.eligibility import Eligibility, Screen, at_fair_limit, fair_window_start
from router.model import Ticket
from router.roster import Roster


class Plan:
    """The agents passing the agent-only filters for one kind of ticket (built with a
    ``Screen`` of such a ticket: those filters read no time)."""

    __slots__ = ("agents", "choices", "everyone", "limits", "scheduled", "weights")

    def __init__(self, screen: Screen) -> None:
        roster, ticket = screen.roster, screen.ticket
        self.agents = frozenset(a for a in roster.agent_ids if screen.static_pass(a))
        self.everyone = len(self.agents) == len(roster)
        capacities = {a: roster.agents[a].capacity for a in self.agents}
        self.limits = {a: capacity.max_load for a, capacity in capacities.items()}
        self.weights = {a: capacity.weight_of(ticket) for a, capacity in capacities.items()}
        self.choices = {a: Choice(a, weight) for a, weight in self.weights.items()}
        self.scheduled = frozenset(a for a in self.agents if roster.agents[a].schedule is not None)

    def candidates(self, roster: Roster) -> AbstractSet[str]:
        """The plan's agents who have spare capacity on ``roster`` (read it before the
        roster changes: it may be the roster's own set)."""
        spare = roster.having_spare_capacity()
        return spare if self.everyone else self.agents & spare

    def eligible(self, candidates: Iterable[str], roster: Roster, now: datetime,
                 rules: Eligibility) -> list[str]:
        """Those of the plan's ``candidates`` eligible on ``roster`` at ``now``: with room
        for this ticket, not held, on shift and under the fair limit."""
        held, limits, weights, scheduled = roster.held, self.limits, self.weights, self.scheduled
        load, limit = roster.load, rules.fair_limit
        since = now if limit is None else fair_window_start(rules, now)
        eligible = []
        for agent_id in candidates:
            if agent_id in held or limits[agent_id] - load(agent_id) < weights[agent_id]:
                continue
            if agent_id in scheduled and not roster.on_shift(agent_id, now):
                continue
            if limit is not None and at_fair_limit(roster, agent_id, since, limit):
                continue
            eligible.append(agent_id)
        return eligible


def kind(ticket: Ticket, rules: Eligibility) -> Hashable | None:
    """What the agent-only filters and capacity weights read of ``ticket``.

    None when the ticket's required skills change while it waits (optional skills with a
    timeout): such a ticket gets no plan.
    """
    if ticket.optional_skills and rules.optional_skills_timeout_s is not None:
        return None
    required = ticket.required_skills
    return (
        ticket.pool,
        ticket.group,
        frozenset(required.items()) if required else None,
        ticket.language if rules.require_language else None,
        ticket.type,
        ticket.channel,
        ticket.weight,
    )


def plan_for(ticket: Ticket, roster: Roster, rules: Eligibility, owner: object) -> Plan | None:
    """``owner``'s plan for ``ticket``'s kind on ``roster`` (built once per roster and kind)."""
    key = kind(ticket, rules)
    if key is None:
        return None
    memo = roster.static_memo(owner)
    plan: Plan | None = memo.get(key)
    if plan is None:
        plan = memo[key] = Plan(Screen(ticket, roster, ticket.created_at, rules))
    return plan
