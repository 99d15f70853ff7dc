"""Continuity, for every registered policy: the agent who last handled the requester takes
their new ticket when within the window, eligible and with room; otherwise the policy
chooses exactly as it does without continuity.

Checked on every decision path: ``decide`` (its trace says continuity chose), ``choose``,
a chooser made for another ticket of the same kind (``chooser_for``: the simulator shares
one per kind), and the array screen of large rosters. Eligibility comes from the contract
suite's independent rules, not from the router's code.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from random import Random
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from router.decision import Assignment, Choice, Decision
from router.model import AgentStatus, Capacity, Ticket
from router.policies import SelectionPolicy, make_policy, policy_names
from router.policies.protocol import ArrayScorer, Policy
from router.roster import Roster
from tests.router.builders import NOW, agent, ago, ticket
from tests.router.strategies import eligibility_params, rosters, tickets
from tests.router.test_policy_contract import eligible

POLICIES = policy_names()
WINDOW_H = 24.0


def within_window(ticket: Ticket, now: datetime, window_h: float | None) -> bool:
    """The documented window rule: a previous agent and when, no longer ago than the window."""
    at = ticket.previous_agent_at
    return (
        window_h is not None
        and ticket.previous_agent is not None
        and at is not None
        and now - at <= timedelta(hours=window_h)
    )


def picks(policy: Policy, ticket: Ticket, roster: Roster, kind_of: Ticket) -> list[Any]:
    """What every path picks: ``decide``'s agent, ``choose``, and a chooser made for
    ``kind_of`` (another ticket routed alike) used on ``ticket``."""
    decision = policy.decide(ticket, roster, NOW, Random(0))
    chooser = policy.chooser_for(kind_of, roster)
    return [
        decision.trace.chosen,
        policy.choose(ticket, roster, NOW, Random(0)),
        chooser(ticket, roster, NOW, Random(0)),
    ]


def continuity_chose(decision: Decision) -> bool:
    """True when the trace says continuity picked the agent."""
    return any(note.startswith("continuity:") for note in decision.trace.notes)


# --- the rule, case by case ---------------------------------------------------------------


def desk(**bob: Any) -> Roster:
    """``ann`` is every policy's own pick (idle longest, least loaded, most skilled, next
    in turn); ``bob``, with one ticket open, is as a case describes him."""
    ann = agent(
        "ann", skills={"billing": 9}, groups=frozenset({"y"}), last_assigned_at=ago(hours=8)
    )
    bob = {"skills": {"billing": 3}, "last_assigned_at": ago(minutes=1), **bob}
    return Roster([ann, agent("bob", **bob)], {"bob": 1.0})


def returning(**fields: Any) -> Ticket:
    """A billing ticket whose requester ``bob`` handled three hours ago."""
    fields.setdefault("required_skills", {"billing": 1})
    fields.setdefault("previous_agent", "bob")
    fields.setdefault("previous_agent_at", ago(hours=3))
    return ticket("t", **fields)


@pytest.mark.parametrize("name", POLICIES)
def test_the_previous_agent_takes_the_ticket_when_eligible_and_free(name: str) -> None:
    policy = make_policy(name, continuity_window_h=WINDOW_H)
    roster = desk()
    assert make_policy(name).decide(returning(), roster, NOW, Random(0)).trace.chosen == "ann"
    decision = policy.decide(returning(), roster, NOW, Random(0))
    assert isinstance(decision, Assignment) and decision.agent_id == "bob"
    assert continuity_chose(decision)
    assert "bob handled this requester 3.0 h ago" in decision.trace.notes[0]
    assert "the policy's own pick: ann" in decision.trace.notes[0]
    other = returning(previous_agent="ann")  # same kind, another previous agent
    assert picks(policy, returning(), roster, other) == [
        "bob",
        Choice("bob", 1.0),
        Choice("bob", 1.0),
    ]


@pytest.mark.parametrize(
    ("roster", "returning_ticket", "params"),
    [
        pytest.param(desk(), returning(previous_agent_at=ago(hours=25)), {}, id="out-of-window"),
        pytest.param(desk(), returning(previous_agent_at=None), {}, id="no-time-known"),
        pytest.param(desk(), returning(previous_agent="carl"), {}, id="not-on-the-roster"),
        pytest.param(desk(status=AgentStatus.OFFLINE), returning(), {}, id="offline"),
        pytest.param(desk(capacity=Capacity(max_load=1)), returning(), {}, id="full"),
        pytest.param(desk(skills={"refunds": 9}), returning(), {}, id="lacks-the-skill"),
        pytest.param(desk(groups=frozenset({"x"})), returning(group="y"), {}, id="other-group"),
        pytest.param(desk(), returning(requester="bob"), {}, id="is-the-requester"),
        pytest.param(desk(), returning(), {"continuity_window_h": None}, id="turned-off"),
    ],
)
@pytest.mark.parametrize("name", POLICIES)
def test_otherwise_the_policy_chooses_as_without_continuity(
    name: str, roster: Roster, returning_ticket: Ticket, params: dict[str, Any]
) -> None:
    policy = make_policy(name, **{"continuity_window_h": WINDOW_H, **params})
    plain = make_policy(name)
    kind_of = returning_ticket.evolve(id="u", previous_agent=None)
    decision = policy.decide(returning_ticket, roster, NOW, Random(0))
    assert not continuity_chose(decision)
    assert picks(policy, returning_ticket, roster, kind_of) == picks(
        plain, returning_ticket, roster, kind_of
    )


def test_the_window_is_inclusive_and_measured_at_the_decision() -> None:
    policy = make_policy("least_loaded", continuity_window_h=2)
    at_edge = returning(previous_agent_at=NOW - timedelta(hours=2))
    assert policy.decide(at_edge, desk(), NOW, Random(0)).trace.chosen == "bob"
    later = NOW + timedelta(seconds=1)
    assert policy.decide(at_edge, desk(), later, Random(0)).trace.chosen == "ann"


def test_a_shared_chooser_reads_each_tickets_own_previous_agent() -> None:
    """The simulator makes one chooser per kind of ticket: continuity must come from the
    ticket being decided, not from the one the chooser was made for."""
    policy = make_policy("round_robin", continuity_window_h=WINDOW_H)
    roster = Roster([agent(name) for name in ("ann", "bob", "cat")])
    chooser = policy.chooser_for(returning(previous_agent="cat", required_skills={}), roster)
    for previous in ("ann", "bob", "cat", None):
        ticket = returning(previous_agent=previous, required_skills={})
        assert chooser(ticket, roster, NOW, Random(0)) == Choice(previous or "ann", 1.0)


@pytest.mark.parametrize("window", [0, -1.0, float("nan")])
def test_the_window_must_be_positive(window: float) -> None:
    with pytest.raises(ValueError, match="continuity_window_h must be > 0"):
        make_policy("skills", continuity_window_h=window)


def test_a_large_roster_screened_with_arrays_lists_the_previous_agent_chosen() -> None:
    team = [agent(f"a{n:03d}", last_assigned_at=ago(minutes=n)) for n in range(80)]
    roster = Roster(team, {"a005": 3.0})
    policy = make_policy("least_loaded", continuity_window_h=WINDOW_H)
    decision = policy.decide(returning(previous_agent="a005", required_skills={}), roster, NOW,
                             Random(0))  # fmt: skip
    assert decision.trace.chosen == "a005" and decision.trace.candidates[0].agent_id == "a005"
    assert len(decision.trace.candidates) == 5 and continuity_chose(decision)
    assert "the policy's own pick: a079" in decision.trace.notes[0]


# --- the rule as a property, on every policy and path ---------------------------------------

CHECKS = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
PROPERTY_WINDOW_H = 4.0
continuity_params = eligibility_params.map(
    lambda p: {**p, "continuity_window_h": PROPERTY_WINDOW_H}
)


@st.composite
def desks(
    draw: st.DrawFn, min_size: int = 0, max_size: int = 8, kept: bool = False
) -> tuple[Roster, Ticket, dict[str, Any]]:
    """A random roster, settings with continuity on, and a returning ticket.

    ``kept``: its previous agent is eligible for it (by the independent rules) and handled
    the requester within the window. Otherwise anything goes: often an eligible agent,
    else another of the roster's, someone gone or nobody; within the window, at its edge,
    beyond it, or at no known time."""
    roster = draw(rosters(min_size=min_size, max_size=max_size))
    if draw(st.booleans()):  # random agents are rarely free: make some so
        roster = with_free(roster, draw(st.sets(st.sampled_from(roster.agent_ids or ("",)))))
    params = draw(continuity_params)
    ticket = draw(tickets())
    if draw(st.booleans()):  # nor are random tickets easy to take: open one up
        ticket = ticket.evolve(group=None, pool=frozenset(), required_skills={})
    ids = list(roster.agent_ids)
    able = [a for a in ids if eligible(roster.agents[a], ticket, roster, NOW, params)]
    assume(able or not kept)
    within = [0.5, 1.0, 2.0, 3.9, PROPERTY_WINDOW_H]
    previous: str | None
    at: float | None
    if kept:
        previous, at = draw(st.sampled_from(able)), draw(st.sampled_from(within))
    else:
        previous = draw(st.sampled_from([*able * 6, *ids, None, "gone"]))
        at = draw(st.sampled_from([*within, 4.1, 9.0, None]))
    returning: Ticket = ticket.evolve(
        previous_agent=previous, previous_agent_at=None if at is None else ago(hours=at)
    )
    return roster, returning, params


def returning_desks(min_size: int = 0, max_size: int = 8) -> st.SearchStrategy[Any]:
    """``desks``, half of them with the previous agent kept."""
    return st.one_of(desks(min_size, max_size, kept=True), desks(min_size, max_size))


def with_free(roster: Roster, free: set[str]) -> Roster:
    """``roster`` with the ``free`` agents online, always on shift and with plenty of room."""
    team = [
        a.evolve(status=AgentStatus.ONLINE, schedule=None, capacity=Capacity(max_load=10))
        if a.id in free
        else a
        for a in roster
    ]
    loads = {a.id: roster.load(a.id) for a in roster}
    return Roster(team, loads, {a.id: list(roster.state(a.id).recent) for a in roster})


def check_continuity(policy: Policy, plain: Policy, ticket: Ticket, roster: Roster,
                     params: dict[str, Any]) -> None:  # fmt: skip
    """``policy`` (continuity on) against ``plain`` (the same without it)."""
    kind_of = ticket.evolve(id=ticket.id + "x", previous_agent=None)
    previous = ticket.previous_agent
    keeps = (
        within_window(ticket, NOW, params["continuity_window_h"])
        and previous is not None
        and previous in roster
        and eligible(roster.agents[previous], ticket, roster, NOW, params)
    )
    got = picks(policy, ticket, roster, kind_of)
    if keeps:
        assert previous is not None  # for the type checker
        weight = roster.agents[previous].capacity.weight_of(ticket)
        assert got == [previous, Choice(previous, weight), Choice(previous, weight)]
        assert continuity_chose(policy.decide(ticket, roster, NOW, Random(0)))
    else:
        assert got == picks(plain, ticket, roster, kind_of)


def without_continuity(params: dict[str, Any]) -> dict[str, Any]:
    """The same parameters with continuity off."""
    return {k: v for k, v in params.items() if k != "continuity_window_h"}


@pytest.mark.parametrize("name", POLICIES)
@CHECKS
@given(desk=returning_desks())
def test_continuity_holds_on_small_desks(
    name: str, desk: tuple[Roster, Ticket, dict[str, Any]]
) -> None:
    roster, ticket, params = desk
    policy, plain = make_policy(name, **params), make_policy(name, **without_continuity(params))
    check_continuity(policy, plain, ticket, roster, params)


@pytest.mark.parametrize("name", POLICIES)
@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(desk=returning_desks(min_size=65, max_size=90))
def test_continuity_holds_on_large_desks(
    name: str, desk: tuple[Roster, Ticket, dict[str, Any]]
) -> None:
    roster, ticket, params = desk
    policy, plain = make_policy(name, **params), make_policy(name, **without_continuity(params))
    check_continuity(policy, plain, ticket, roster, params)


ARRAY_POLICIES = [
    name
    for name in POLICIES
    if isinstance(p := make_policy(name), SelectionPolicy) and isinstance(p.scorer, ArrayScorer)
]


def on_arrays(policy: Policy) -> SelectionPolicy:
    """The same policy screening every roster with arrays."""
    assert isinstance(policy, SelectionPolicy)
    return SelectionPolicy(policy.name, policy.scorer, policy.eligibility, bulk_above=0)


@pytest.mark.parametrize("name", ARRAY_POLICIES)
@CHECKS
@given(desk=returning_desks())
def test_continuity_holds_on_the_array_screen(
    name: str, desk: tuple[Roster, Ticket, dict[str, Any]]
) -> None:
    roster, ticket, params = desk
    policy = on_arrays(make_policy(name, **params))
    plain = on_arrays(make_policy(name, **without_continuity(params)))
    check_continuity(policy, plain, ticket, roster, params)
