"""Trunk reservation (``reserve_agents``, ``reserve_for``): a ticket below ``reserve_for`` is
refused by an agent when taking it would leave fewer than the reserve of agents free
(online, on shift, with room for a one-unit ticket); the reserve is at most one fewer than
the agents online and on shift; tickets at ``reserve_for`` or above are never held back."""

from __future__ import annotations

from random import Random
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from router.decision import Assignment, NoAssignment
from router.eligibility import Eligibility, Screen
from router.filters import Reserve
from router.model import Agent, AgentStatus, Priority
from router.policies import make_policy, policy_names
from router.roster import Roster
from tests.router.builders import NOW, agent, ticket
from tests.router.test_policy_contract import keeps_the_reserve

ONE_EMAIL_OR_TWO_CHATS = {"max_load": 2, "weights": {"email": 2, "chat": 1}}
"""The reference desks' agents: an email weighs 2, a chat 1, the limit is 2."""


def desk(loads: dict[str, float], **others: Any) -> Roster:
    """Agents with one email or two chats at a time, at ``loads`` (everyone online)."""
    team = [agent(a, capacity=ONE_EMAIL_OR_TWO_CHATS, **others) for a in sorted(loads)]
    return Roster(team, loads)


def chosen(roster: Roster, priority: str, channel: str = "email", **params: Any) -> str | None:
    """Who ``zendesk_capacity`` with ``params`` gives a ticket of ``priority``, if anyone."""
    decision = make_policy("zendesk_capacity", **params).decide(
        ticket("t1", priority=priority, channel=channel), roster, NOW, Random(0)
    )
    return decision.agent_id if isinstance(decision, Assignment) else None


@pytest.mark.parametrize(
    ("loads", "priority", "channel", "params", "expected"),
    [
        pytest.param({"a": 2, "b": 0}, "normal", "email", {"reserve_agents": 1}, None,
                     id="normal-refused-when-it-would-take-the-last-free-agent"),
        pytest.param({"a": 0, "b": 0}, "normal", "email", {"reserve_agents": 1}, "a",
                     id="normal-accepted-when-two-are-free"),
        pytest.param({"a": 2, "b": 0}, "urgent", "email", {"reserve_agents": 1}, "b",
                     id="urgent-never-held-back"),
        pytest.param({"a": 2, "b": 0}, "high", "email",
                     {"reserve_agents": 1, "reserve_for": "high"}, "b",
                     id="reserve-for-high-lets-high-through"),
        pytest.param({"a": 2, "b": 0}, "normal", "email",
                     {"reserve_agents": 1, "reserve_for": "high"}, None,
                     id="reserve-for-high-holds-normal-back"),
        pytest.param({"a": 2, "b": 0}, "normal", "email", {}, "b",
                     id="no-reserve-by-default"),
        pytest.param({"a": 2, "b": 0}, "normal", "chat", {"reserve_agents": 1}, "b",
                     id="a-chat-leaves-its-agent-room-for-another"),
        pytest.param({"a": 2, "b": 1}, "normal", "chat", {"reserve_agents": 1}, None,
                     id="a-chat-that-fills-the-last-free-agent-is-refused"),
        pytest.param({"a": 1, "b": 1}, "normal", "chat", {"reserve_agents": 1}, "a",
                     id="two-agents-in-a-chat-each-are-both-free"),
        pytest.param({"a": 2, "b": 0, "c": 0}, "normal", "email", {"reserve_agents": 2}, None,
                     id="a-reserve-of-two-needs-three-free"),
        pytest.param({"a": 0, "b": 0, "c": 0}, "normal", "email", {"reserve_agents": 2}, "a",
                     id="three-free-leave-two-after-one-email"),
    ],
)  # fmt: skip
def test_who_takes_a_ticket_under_a_reserve(
    loads: dict[str, float], priority: str, channel: str, params: dict[str, Any], expected: str
) -> None:
    assert chosen(desk(loads), priority, channel, **params) == expected


def test_a_lone_agent_on_shift_is_never_kept_idle() -> None:
    """The reserve is at most one fewer than the agents online and on shift: a lone agent
    (here one of three, the others offline and away) still works the email."""
    team = [
        agent("a", capacity=ONE_EMAIL_OR_TWO_CHATS),
        agent("b", status=AgentStatus.OFFLINE),
        agent("c", status=AgentStatus.AWAY),
    ]
    assert chosen(Roster(team), "normal", reserve_agents=1) == "a"
    assert chosen(Roster(team), "normal", reserve_agents=3) == "a"
    assert chosen(desk({"a": 0, "b": 2}), "normal", reserve_agents=5) is None  # two: one kept


def test_an_agent_without_room_for_a_unit_is_not_counted_as_free() -> None:
    """a has half a unit left: not free, so giving it a half-unit ticket costs the reserve
    nothing, although b is the last free agent."""
    team = [agent("a", capacity={"max_load": 1}), agent("b", capacity={"max_load": 1})]
    roster = Roster(team, {"a": 0.5})
    half = ticket("t1", priority="low", weight=0.5)
    decision = make_policy("least_loaded", reserve_agents=1).decide(half, roster, NOW, Random(0))
    assert decision.trace.rejections() == {"reserve": 1}  # b would be gone
    assert decision.agent_id == "a"  # type: ignore[union-attr]


@pytest.mark.parametrize("name", policy_names())
def test_every_policy_honours_the_reserve(name: str) -> None:
    roster = desk({"a": 2, "b": 0})
    policy = make_policy(name, reserve_agents=1)
    normal = ticket("t1", priority="normal")
    decision = policy.decide(normal, roster, NOW, Random(0))
    assert isinstance(decision, NoAssignment)
    assert decision.trace.rejections() == {"capacity": 1, "reserve": 1}
    assert "1 kept free for higher priorities" in decision.reason
    assert policy.choose(normal, roster, NOW, Random(0)) is None
    assert policy.chooser_for(normal, roster)(normal, roster, NOW, Random(0)) is None
    assert policy.refuses("b", normal, roster, NOW)
    urgent = ticket("t2", priority="urgent")
    assert policy.choose(urgent, roster, NOW, Random(0)) == ("b", 2.0)
    assert not policy.refuses("b", urgent, roster, NOW)


def test_the_trace_says_how_many_are_free_and_how_many_are_kept() -> None:
    decision = make_policy("round_robin", reserve_agents=2).decide(
        ticket("t1"), desk({"a": 2, "b": 0, "c": 0}), NOW, Random(0)
    )
    details = {c.agent_id: c.detail for c in decision.trace.candidates}
    assert details["b"] == details["c"] == "2 free, 2 kept for urgent"


def test_a_large_roster_screened_with_arrays_keeps_the_reserve() -> None:
    loads = {f"a{n:03d}": 2.0 for n in range(80)}
    loads["a042"] = 0.0
    decision = make_policy("least_loaded", reserve_agents=1).decide(
        ticket("t1"), desk(loads), NOW, Random(0)
    )
    assert isinstance(decision, NoAssignment)
    assert decision.trace.rejections() == {"capacity": 79, "reserve": 1}


@pytest.mark.parametrize(
    ("params", "message"),
    [
        pytest.param({"reserve_agents": -1}, "reserve_agents", id="negative"),
        pytest.param({"reserve_agents": 1.5}, "reserve_agents", id="fraction"),
        pytest.param({"reserve_agents": True}, "reserve_agents", id="boolean"),
        pytest.param({"reserve_for": "critical"}, "unknown priority", id="unknown-priority"),
    ],
)
def test_a_reserve_that_means_nothing_is_refused(params: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        make_policy("skills", **params)


def test_reserve_for_takes_a_priority_name_or_number() -> None:
    assert Eligibility(reserve_for="high").reserve_for is Priority.HIGH  # type: ignore[arg-type]
    assert Eligibility(reserve_for=3).reserve_for is Priority.HIGH  # type: ignore[arg-type]
    assert Eligibility().reserve_for is Priority.URGENT
    assert not Eligibility().roster_wide and Eligibility(reserve_agents=1).roster_wide


# --- the filter against the rule written out independently -----------------------------


@st.composite
def reserve_desks(draw: st.DrawFn) -> Roster:
    """One to six agents, some online, with limits of one or two units, emails weighing
    two, and loads that leave each some, none or a fraction of a unit free."""
    team: list[Agent] = []
    loads: dict[str, float] = {}
    for n in range(draw(st.integers(1, 6))):
        limit = draw(st.sampled_from([1.0, 2.0]))
        team.append(
            agent(
                f"a{n}",
                capacity={"max_load": limit, "weights": {"email": 2}},
                status=draw(st.sampled_from([AgentStatus.ONLINE] * 3 + [AgentStatus.AWAY])),
            )
        )
        loads[f"a{n}"] = draw(st.sampled_from([0.0, 0.5, 1.0, 2.0]))
    return Roster(team, loads)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    roster=reserve_desks(),
    priority=st.sampled_from(["low", "normal", "high", "urgent"]),
    channel=st.sampled_from(["email", "chat"]),
    weight=st.sampled_from([None, 0.5]),
    params=st.fixed_dictionaries(
        {"reserve_agents": st.integers(0, 4), "reserve_for": st.sampled_from(["high", "urgent"])}
    ),
)
def test_the_reserve_filter_follows_the_documented_rule(
    roster: Roster, priority: str, channel: str, weight: float | None, params: dict[str, Any]
) -> None:
    wanted = ticket("t1", priority=priority, channel=channel, weight=weight)
    screen = Screen(wanted, roster, NOW, Eligibility(**params))
    test = Reserve().test(screen)
    for member in roster:
        load = member.capacity.weight_of(wanted)
        if roster.spare(member.id) < load or member.status is not AgentStatus.ONLINE:
            continue  # the capacity and status filters remove it first
        rule = keeps_the_reserve(member, load, wanted, roster, NOW, params)
        assert (test is None or test(member.id)) == rule, member.id
