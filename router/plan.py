"""Eligibility plans: who passes a kind of ticket's agent-only filters, kept per roster.

The filters that are not momentary (``router.filters.AGENT_FILTERS``: pool, group,
skills, status, language, requester) read the ticket's routing fields and the agents
alone, not load or time. A plan records, once per set of agents (the roster's cache) and
kind of ticket, which agents pass them, with the capacity units the ticket would take from
each and the ready ``Choice``; a decision then only runs the momentary filters
(``MOMENTARY_FILTERS``: held, schedule, capacity, fair limit) for those of them with spare
capacity (``Plan.eligible``), with the same filter objects the per-agent screen uses.

One shortcut, and why it is safe: when the ticket takes one unit from agents with whole
limits and the roster's loads are whole numbers (a working roster keeps count:
``whole_loads``), spare capacity already means room (the capacity filter passes); with no
agent held and no other momentary filter that can remove one of the plan's agents (their
checks are None on the plan's screen), the agents with spare capacity are the eligible
ones, and nothing is checked per agent.

A policy may keep a plan at hand for a kind of ticket it decides many of
(``SelectionPolicy.chooser_for``); the simulator does, per kind of simulated ticket.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from router.decision import Choice
from router.eligibility import Eligibility, Screen
from router.filters import (
    AGENT_FILTERS,
    CAPACITY,
    HELD,
    KIND_FIELDS,
    MOMENTARY_FILTERS,
    AgentTest,
)
from router.model import Ticket
from router.pydantic_fast import fields_of
from router.roster import Roster


class Plan:
    """The agents passing the agent-only filters for one kind of ticket (built with a
    ``Screen`` of such a ticket: those filters read no time)."""

    __slots__ = ("_moment", "agents", "choices", "everyone", "room_is_spare", "ticket", "weights")

    def __init__(self, screen: Screen) -> None:
        roster, ticket = screen.roster, screen.ticket
        tests = [test for _, test in screen.tests(AGENT_FILTERS)]
        self.agents = frozenset(a for a in roster.agent_ids if all(t(a) for t in tests))
        self.everyone = len(self.agents) == len(roster)
        self.ticket = ticket
        capacities = {a: roster.agents[a].capacity for a in self.agents}
        self.weights = {a: capacity.weight_of(ticket) for a, capacity in capacities.items()}
        self.choices = {a: Choice(a, weight) for a, weight in self.weights.items()}
        # one unit under whole limits, and no momentary filter but held and capacity that
        # could remove anyone: on whole loads without holds, spare capacity is eligibility
        unit = all(weight == 1.0 for weight in self.weights.values()) and all(
            float(capacity.max_load).is_integer() for capacity in capacities.values()
        )
        others = [f for f in MOMENTARY_FILTERS if f not in (HELD, CAPACITY) and f.test(screen)]
        self.room_is_spare = unit and not others
        self._moment: tuple[Roster, datetime, list[AgentTest]] | None = None

    def eligible(
        self, roster: Roster, now: datetime, rules: Eligibility, most: float = math.inf
    ) -> list[str] | None:
        """The plan's agents eligible on ``roster`` at ``now``: only those with spare
        capacity are checked; None when more than ``most`` of them have it."""
        spare = roster.having_spare_capacity()
        candidates = spare if self.everyone else self.agents & spare
        if len(candidates) > most:
            return None
        if self.room_is_spare and roster.whole_loads and not roster.held:
            return list(candidates)
        return self.passing(candidates, roster, now, rules)

    def passing(
        self, candidates: Iterable[str], roster: Roster, now: datetime, rules: Eligibility
    ) -> list[str]:
        """Those of the plan's ``candidates`` that pass the momentary filters on ``roster``
        at ``now``."""
        tests = self._tests(roster, now, rules)
        return [a for a in candidates if all(test(a) for test in tests)]

    def _tests(self, roster: Roster, now: datetime, rules: Eligibility) -> list[AgentTest]:
        """The momentary filters' checks on ``roster`` at ``now``, kept for the next call
        on the same roster at the same instant (they read its live values: a working
        roster changed in place between calls is read as it is then)."""
        moment = self._moment
        if moment is not None and moment[0] is roster and moment[1] == now:
            return moment[2]
        screen = Screen(self.ticket, roster, now, rules, self.weights)
        tests = [test for _, test in screen.tests(MOMENTARY_FILTERS)]
        self._moment = (roster, now, tests)
        return tests


def plan_for(ticket: Ticket, roster: Roster, rules: Eligibility, owner: object) -> Plan | None:
    """``owner``'s plan for ``ticket``'s kind on ``roster`` (built once per set of agents
    and kind).

    The kind is what the filters read of the ticket (``kind_key``). A ticket whose required
    skills change while it waits (optional skills with a timeout) gets no plan (None).
    """
    fields = fields_of(ticket)
    if fields["optional_skills"] and rules.optional_skills_timeout_s is not None:
        return None
    key = kind_key(fields)
    memo = roster.cache.memo(owner)
    plan: Plan | None = memo.get(key)
    if plan is None:
        plan = memo[key] = Plan(Screen(ticket, roster, ticket.created_at, rules))
    return plan


def kind_key(fields: Mapping[str, Any]) -> tuple[Any, ...]:
    """The values of a ticket's ``KIND_FIELDS`` (from ``fields_of``), skill maps as sets
    of items: tickets with equal keys pass and fail the same filters."""
    return tuple(
        [
            frozenset(value.items()) if type(value) is dict else value
            for value in map(fields.__getitem__, KIND_FIELDS)
        ]
    )
