"""Eligibility plans: who passes a kind of ticket's agent-only filters, kept per roster.

Pool, group, skills, status and language depend on the ticket's routing fields and on the
agents alone, not on load or time. A plan records, once per roster (its static part) and
kind of ticket, which agents pass them, with each one's load limit, the capacity units the
ticket would take and the ready ``Choice``; a decision then only checks the momentary
filters (held, schedule, capacity, fair limit) for those of them with spare capacity
(``Plan.eligible``). When the ticket takes one unit from agents with whole limits and the
roster's loads are whole numbers (a working roster keeps count: ``whole_loads``), spare
capacity already means room, so nothing is left to check per agent.

A policy may keep a plan at hand for a kind of ticket it decides many of
(``SelectionPolicy.chooser_for``); the simulator does, per kind of simulated ticket.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import datetime

from router.decision import Choice
from router.eligibility import Eligibility, Screen, at_fair_limit, fair_window_start
from router.model import Ticket
from router.roster import Roster


class Plan:
    """The agents passing the agent-only filters for one kind of ticket (built with a
    ``Screen`` of such a ticket: those filters read no time)."""

    __slots__ = (
        "agents", "choices", "everyone", "limits", "momentary", "scheduled", "unit", "weights"
    )

    def __init__(self, screen: Screen) -> None:
        roster, ticket = screen.roster, screen.ticket
        self.agents = frozenset(a for a in roster.agent_ids if screen.static_pass(a))
        self.everyone = len(self.agents) == len(roster)
        capacities = {a: roster.agents[a].capacity for a in self.agents}
        self.limits = {a: capacity.max_load for a, capacity in capacities.items()}
        self.weights = {a: capacity.weight_of(ticket) for a, capacity in capacities.items()}
        self.choices = {a: Choice(a, weight) for a, weight in self.weights.items()}
        self.scheduled = frozenset(a for a in self.agents if roster.agents[a].schedule is not None)
        # the ticket takes one unit and every limit is whole: on a roster whose loads are
        # whole too, spare capacity (load < limit) means room for it
        self.unit = all(weight == 1.0 for weight in self.weights.values()) and all(
            float(limit).is_integer() for limit in self.limits.values()
        )
        # schedules or a fair limit to check at each decision (the plan's owner's rules)
        self.momentary = bool(self.scheduled) or screen.rules.fair_limit is not None

    def eligible(self, roster: Roster, now: datetime, rules: Eligibility,
                 most: float = math.inf) -> list[str] | None:
        """The plan's agents eligible on ``roster`` at ``now``: with room for this ticket,
        not held, on shift and under the fair limit. Only those with spare capacity are
        checked; None when more than ``most`` of them have it."""
        spare = roster.having_spare_capacity()
        candidates = spare if self.everyone else self.agents & spare
        if len(candidates) > most:
            return None
        if self.momentary or roster.held:
            return self.passing(candidates, roster, now, rules)
        if self.unit and roster.whole_loads:  # room is all there is to check, and it is there
            return list(candidates)
        limits, weights, load = self.limits, self.weights, roster.load  # room is all to check
        return [a for a in candidates if not limits[a] - load(a) < weights[a]]

    def passing(self, candidates: Iterable[str], roster: Roster, now: datetime,
                rules: Eligibility) -> list[str]:
        """Those of the plan's ``candidates`` eligible on ``roster`` at ``now``."""
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


def plan_for(ticket: Ticket, roster: Roster, rules: Eligibility, owner: object) -> Plan | None:
    """``owner``'s plan for ``ticket``'s kind on ``roster`` (built once per roster and kind).

    The kind is what the agent-only filters and capacity weights read of the ticket. A
    ticket whose required skills change while it waits (optional skills with a timeout)
    gets no plan (None).
    """
    # the fields by name from the model's dict: a pydantic model answers each attribute
    # read through its __getattr__ hook, three times slower than a dict lookup
    fields = ticket.__dict__
    if fields["optional_skills"] and rules.optional_skills_timeout_s is not None:
        return None
    required = fields["required_skills"]
    key = (
        fields["pool"],
        fields["group"],
        frozenset(required.items()) if required else None,
        fields["language"] if rules.require_language else None,
        fields["type"],
        fields["channel"],
        fields["weight"],
    )
    memo = roster.static_memo(owner)
    plan: Plan | None = memo.get(key)
    if plan is None:
        plan = memo[key] = Plan(Screen(ticket, roster, ticket.created_at, rules))
    return plan
