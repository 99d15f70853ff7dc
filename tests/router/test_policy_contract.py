"""The contract every registered policy keeps, checked on random rosters and tickets.

- it never assigns an agent who is ineligible (offline, off shift, over capacity, outside
  the group or pool, lacking a required skill, over the fair limit, wrong language);
- it assigns whenever someone is eligible, and every refusal carries a reason;
- it never mutates its inputs;
- the same inputs and seed give the same decision.

Random tickets name a previous agent and random settings turn continuity on at times, so
every check above also runs with continuity choosing; ``test_continuity.py`` checks that
it chooses exactly when it should. Random settings keep a reserve of free agents at times
(``reserve_agents``), written out here as ``keeps_the_reserve``; ``test_reserve.py``
checks its cases.

Eligibility is re-derived here from the rules as documented, not from the router's code.
"""

from __future__ import annotations

import copy
from datetime import datetime, timedelta
from random import Random
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from router.decision import Assignment, NoAssignment
from router.eligibility import Screen
from router.filters import KIND_FIELDS
from router.model import Agent, Priority, Ticket
from router.policies import SelectionPolicy, make_policy, policy_names
from router.policies.base import NOT_SHORTLISTED
from router.policies.protocol import ArrayScorer, ChooseFn
from router.roster import Roster
from tests.router.builders import NOW
from tests.router.strategies import eligibility_params, rosters, tickets

POLICIES = policy_names()
CHECKS = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def required_now(ticket: Ticket, params: dict[str, Any], now: datetime) -> dict[str, int]:
    needs = dict(ticket.required_skills)
    timeout = params.get("optional_skills_timeout_s")
    waited = now - (ticket.queued_at or ticket.created_at)
    if timeout is not None and waited < timedelta(seconds=timeout):
        for skill, level in ticket.optional_skills.items():
            needs[skill] = max(level, needs.get(skill, 0))
    return needs


def eligible(
    agent: Agent, ticket: Ticket, roster: Roster, now: datetime, params: dict[str, Any]
) -> bool:
    """The documented eligibility rules, written out independently of the router."""
    if ticket.pool:
        in_pool = agent.id in ticket.pool or bool(agent.groups & ticket.pool)
    else:
        in_pool = ticket.group is None or ticket.group in agent.groups
    skilled = all(
        agent.skills.get(s, 0) >= lvl for s, lvl in required_now(ticket, params, now).items()
    )
    working = agent.schedule is None or agent.schedule.on_shift(now)
    speaks = not (
        params.get("require_language")
        and ticket.language
        and agent.languages
        and ticket.language not in agent.languages
    )
    if ticket.weight is not None:
        weight = ticket.weight
    elif ticket.type in agent.capacity.weights:
        weight = agent.capacity.weights[ticket.type]
    else:
        weight = agent.capacity.weights.get(ticket.channel, 1.0)
    room = roster.load(agent.id) + weight <= agent.capacity.max_load
    limit = params.get("fair_limit")
    window = timedelta(seconds=params.get("fair_window_s", 3600.0))
    fair = (
        limit is None
        or sum(1 for at in roster.state(agent.id).recent if at >= now - window) < limit
    )
    own = ticket.requester == agent.id
    return (
        in_pool
        and skilled
        and agent.status == "online"
        and working
        and speaks
        and not own
        and room
        and fair
        and keeps_the_reserve(agent, weight, ticket, roster, now, params)
    )


def keeps_the_reserve(
    agent: Agent,
    weight: float,
    ticket: Ticket,
    roster: Roster,
    now: datetime,
    params: dict[str, Any],
) -> bool:
    """Trunk reservation as documented: a ticket below ``reserve_for`` may not leave fewer
    than the reserve (at most one fewer than the agents online and on shift) with room for
    a one-unit ticket after it is assigned."""
    wanted: int = params.get("reserve_agents", 0)
    if not wanted or ticket.priority >= Priority.parse(params.get("reserve_for", "urgent")):
        return True
    staffed = [
        other
        for other in roster
        if other.status == "online" and (other.schedule is None or other.schedule.on_shift(now))
    ]
    reserve = min(wanted, len(staffed) - 1)
    taken = {other.id: roster.load(other.id) for other in staffed}
    if agent.id in taken:
        taken[agent.id] += weight
    free_after = sum(1 for other in staffed if other.capacity.max_load - taken[other.id] >= 1.0)
    return free_after >= reserve


def check_contract(
    name: str, ticket: Ticket, roster: Roster, params: dict[str, Any], seed: int
) -> None:
    policy = make_policy(name, **params)
    ticket_before, roster_before = copy.deepcopy(ticket), copy.deepcopy(roster)
    decision = policy.decide(ticket, roster, NOW, Random(seed))
    assert ticket == ticket_before and roster == roster_before, "inputs were mutated"
    again = policy.decide(ticket, roster, NOW, Random(seed))
    assert again.to_dict() == decision.to_dict(), "same inputs and seed, different decision"
    anyone = [a.id for a in roster if eligible(a, ticket, roster, NOW, params)]
    if isinstance(decision, Assignment):
        assert decision.agent_id in anyone, f"assigned ineligible agent {decision.agent_id}"
        assert decision.trace.chosen == decision.agent_id
    else:
        assert isinstance(decision, NoAssignment)
        assert decision.reason, "a refusal must say why"
        assert not anyone, f"refused although {anyone} were eligible"
    trace = decision.trace
    assert len(trace.candidates) + sum(trace.pruned.values()) == len(roster)


@pytest.mark.parametrize("name", POLICIES)
@CHECKS
@given(ticket=tickets(), roster=rosters(), params=eligibility_params, seed=st.integers(0, 9))
def test_policy_contract_on_small_desks(
    name: str, ticket: Ticket, roster: Roster, params: dict[str, Any], seed: int
) -> None:
    check_contract(name, ticket, roster, params, seed)


@pytest.mark.parametrize("name", POLICIES)
@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(ticket=tickets(), roster=rosters(min_size=65, max_size=90), params=eligibility_params)
def test_policy_contract_on_large_desks_pruned_by_index(
    name: str, ticket: Ticket, roster: Roster, params: dict[str, Any]
) -> None:
    check_contract(name, ticket, roster, params, seed=0)


ARRAY_POLICIES = [
    name
    for name in POLICIES
    if isinstance(p := make_policy(name), SelectionPolicy) and isinstance(p.scorer, ArrayScorer)
]


@pytest.mark.parametrize("name", ARRAY_POLICIES)
@CHECKS
@given(ticket=tickets(), roster=rosters(), params=eligibility_params)
def test_the_vectorised_screen_decides_like_the_agent_by_agent_one(
    name: str, ticket: Ticket, roster: Roster, params: dict[str, Any]
) -> None:
    one_by_one = make_policy(name, **params)
    assert isinstance(one_by_one, SelectionPolicy)
    arrays = SelectionPolicy(
        one_by_one.name, one_by_one.scorer, one_by_one.eligibility, bulk_above=0
    )
    slow = one_by_one.decide(ticket, roster, NOW, Random(0))
    fast = arrays.decide(ticket, roster, NOW, Random(0))
    assert slow.trace.chosen == fast.trace.chosen
    assert slow.trace.rejections() == {
        k: v for k, v in fast.trace.rejections().items() if k != NOT_SHORTLISTED
    }
    assert one_by_one.choose(ticket, roster, NOW, Random(0)) == arrays.choose(
        ticket, roster, NOW, Random(0)
    )


ROUTING_FIELDS = KIND_FIELDS


@st.composite
def similar_tickets(draw: st.DrawFn) -> list[Ticket]:
    """A ticket and variants of it that differ in one routing field each, or in none (a
    twin: another id, priority, creation time and previous agent, routed alike)."""
    first = draw(tickets())
    queue = [first]
    for _ in range(draw(st.integers(0, 5))):
        field, other = draw(st.sampled_from((*ROUTING_FIELDS, "twin"))), draw(tickets())
        twin = ("id", "priority", "created_at", "previous_agent", "previous_agent_at")
        changes = (
            {name: getattr(other, name) for name in twin}
            if field == "twin"
            else {field: getattr(other, field)}
        )
        queue.append(draw(st.sampled_from(queue)).evolve(**changes))
    return queue


@pytest.mark.parametrize("name", POLICIES)
@CHECKS
@given(
    queue=similar_tickets(),
    roster=rosters(max_size=12),
    params=eligibility_params,
    seed=st.integers(0, 3),
)
def test_choose_picks_what_decide_picks_on_a_working_roster(
    name: str, queue: list[Ticket], roster: Roster, params: dict[str, Any], seed: int
) -> None:
    """The simulator's path: ``choose`` on a roster updated in place, with each kind of
    ticket's eligibility plan kept from earlier decisions, against ``decide`` on snapshots;
    and the pick specialised to a kind of ticket (``chooser_for``), made from the first
    ticket of that kind, on every later one."""
    policy = make_policy(name, **params)
    working, mirror = roster.working_copy(), roster
    specialised: dict[str, ChooseFn] = {}
    for ticket in queue:
        decision = policy.decide(ticket, mirror, NOW, Random(seed))
        choice = policy.choose(ticket, working, NOW, Random(seed))
        kind = repr([getattr(ticket, field) for field in ROUTING_FIELDS])
        made = specialised.setdefault(kind, policy.chooser_for(ticket, working))
        assert made(ticket, working, NOW, Random(seed)) == choice
        if isinstance(decision, Assignment):
            assert choice == (decision.agent_id, decision.weight)
            working.assign(decision.agent_id, decision.weight, NOW)
            mirror = mirror.with_assignment(decision.agent_id, decision.weight, NOW)
        else:
            assert choice is None
        assert working.snapshot() == mirror
        assert working.having_spare_capacity() == mirror.having_spare_capacity()
        for agent in mirror:  # the simulator's pre-check: never a refusal of an eligible agent
            refuses = policy.refuses(agent.id, ticket, working, NOW)
            assert not (refuses and eligible(agent, ticket, mirror, NOW, params))
            if isinstance(policy, SelectionPolicy):  # from the plan: exactly the filters
                screen = Screen(ticket, mirror, NOW, policy.eligibility)
                assert refuses == (screen.reject(agent.id) is not None)
