"""Each policy's choice, case by case (the contract suite covers the shared invariants)."""

from __future__ import annotations

from random import Random
from typing import Any

import pytest

from router.decision import Assignment, NoAssignment
from router.model import Agent
from router.policies import make_policy
from router.roster import Roster
from tests.router.builders import NOW, agent, ago, ticket


def choose(
    policy: str,
    agents: list[Agent],
    loads: dict[str, float] | None = None,
    params: dict[str, Any] | None = None,
    **ticket_fields: Any,
) -> str | None:
    """The agent the policy picks for one ticket, or None."""
    decision = make_policy(policy, **(params or {})).decide(
        ticket(**ticket_fields), Roster(agents, loads), NOW, Random(0)
    )
    return decision.agent_id if isinstance(decision, Assignment) else None


# --- round robin -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("last", "expected"),
    [
        pytest.param(
            {"a": ago(minutes=1), "b": ago(minutes=9), "c": ago(minutes=5)},
            "b",
            id="oldest-last-assignment",
        ),
        pytest.param(
            {"a": ago(minutes=1), "b": None, "c": ago(minutes=5)},
            "b",
            id="never-assigned-goes-first",
        ),
        pytest.param({"a": None, "b": None, "c": None}, "a", id="all-new-smallest-id"),
    ],
)
def test_round_robin_takes_the_agent_idle_longest(last: dict[str, Any], expected: str) -> None:
    agents = [agent(i, last_assigned_at=at) for i, at in last.items()]
    assert choose("round_robin", agents) == expected


def test_round_robin_rotates_as_assignments_happen() -> None:
    roster = Roster([agent("a"), agent("b"), agent("c")])
    policy, order = make_policy("round_robin"), []
    for n in range(6):
        decision = policy.decide(ticket(f"t{n}"), roster, NOW, Random(0))
        assert isinstance(decision, Assignment)
        order.append(decision.agent_id)
        roster = roster.with_assignment(decision.agent_id, decision.weight, ago(seconds=-n))
    assert order == ["a", "b", "c", "a", "b", "c"]


# --- least loaded: absolute and percentage -----------------------------------------------


def test_absolute_and_percentage_spare_capacity_disagree_on_purpose() -> None:
    big = agent("big", capacity={"max_load": 20})  # 8 of 20 taken: 12 spare, 60 %
    small = agent("small", capacity={"max_load": 4})  # 1 of 4 taken: 3 spare, 75 %
    loads = {"big": 8, "small": 1}
    assert choose("least_loaded", [big, small], loads) == "big"
    assert choose("least_loaded_pct", [big, small], loads) == "small"


def test_least_loaded_ties_go_to_the_longest_idle() -> None:
    agents = [
        agent("a", last_assigned_at=ago(minutes=1)),
        agent("b", last_assigned_at=ago(minutes=30)),
    ]
    assert choose("least_loaded", agents, {"a": 2, "b": 2}) == "b"


# --- skills ------------------------------------------------------------------------------

SKILLED = [
    agent("novice", skills={"billing": 2}),
    agent("solid", skills={"billing": 5, "refunds": 3}),
    agent("expert", skills={"billing": 9, "refunds": 8}),
]


@pytest.mark.parametrize(
    ("params", "fields", "expected"),
    [
        pytest.param({}, {"required_skills": {"billing": 4}}, "expert", id="highest-match"),
        pytest.param(
            {"match": "closest"},
            {"required_skills": {"billing": 4}},
            "solid",
            id="closest-match-spares-the-expert",
        ),
        pytest.param({}, {"required_skills": {"billing": 10}}, None, id="nobody-qualified"),
        pytest.param(
            {},
            {"required_skills": {"billing": 1}, "optional_skills": {"refunds": 1}},
            "expert",
            id="optional-skills-add-to-the-score",
        ),
    ],
)
def test_skills_best_match(
    params: dict[str, Any], fields: dict[str, Any], expected: str | None
) -> None:
    assert choose("skills", SKILLED, params=params, **fields) == expected


def test_optional_skills_are_required_until_the_timeout_then_dropped() -> None:
    agents = [agent("generalist", skills={"billing": 5})]
    fields = {"required_skills": {"billing": 3}, "optional_skills": {"german": 5}}
    params = {"optional_skills_timeout_s": 600}
    assert choose("skills", agents, params=params, created_at=ago(minutes=5), **fields) is None
    assert (
        choose("skills", agents, params=params, created_at=ago(minutes=11), **fields)
        == "generalist"
    )


def test_relaxed_skills_are_named_in_the_trace() -> None:
    decision = make_policy("skills", optional_skills_timeout_s=60).decide(
        ticket(optional_skills={"german": 5}, created_at=ago(minutes=2)),
        Roster([agent("a")]),
        NOW,
        Random(0),
    )
    assert decision.trace.relaxed_skills == ("german",)


def test_skills_least_loaded_prefers_spare_capacity_over_level() -> None:
    loads = {"expert": 9, "solid": 0}
    assert choose("skills_least_loaded", SKILLED, loads, required_skills={"billing": 4}) == "solid"
    assert choose("skills", SKILLED, loads, required_skills={"billing": 4}) == "expert"


# --- shared filters, seen through every policy --------------------------------------------


@pytest.mark.parametrize("policy", ["round_robin", "least_loaded", "skills"])
@pytest.mark.parametrize(
    ("agents", "loads", "fields", "params", "filter_name"),
    [
        pytest.param([agent("a", status="away")], {}, {}, {}, "status", id="away"),
        pytest.param(
            [agent("a", capacity={"max_load": 3})], {"a": 3}, {}, {}, "capacity", id="full"
        ),
        pytest.param(
            [agent("a", capacity={"max_load": 3, "weights": {"chat": 2}})],
            {"a": 2},
            {"channel": "chat"},
            {},
            "capacity",
            id="chat-weighs-more",
        ),
        pytest.param(
            [agent("a", groups=["billing"])],
            {},
            {"group": "shipping"},
            {},
            "group",
            id="other-group",
        ),
        pytest.param(
            [agent("a", groups=["billing"])],
            {},
            {"pool": ["tier2"]},
            {},
            "pool",
            id="outside-escalation-pool",
        ),
        pytest.param(
            [agent("a", languages=["en"])],
            {},
            {"language": "fr"},
            {"require_language": True},
            "language",
            id="language",
        ),
        pytest.param(
            [
                agent(
                    "a",
                    schedule={"timezone": "UTC", "shifts": [{"start": "12:00", "end": "20:00"}]},
                )
            ],
            {},
            {},
            {},
            "schedule",
            id="off-shift",
        ),
        pytest.param(
            [agent("a", skills={"billing": 2})],
            {},
            {"required_skills": {"billing": 3}},
            {},
            "skills",
            id="skill-too-low",
        ),
    ],
)
def test_ineligible_agents_are_refused_with_the_filter_named(
    policy: str,
    agents: list[Agent],
    loads: dict[str, float],
    fields: dict[str, Any],
    params: dict[str, Any],
    filter_name: str,
) -> None:
    decision = make_policy(policy, **params).decide(
        ticket(**fields), Roster(agents, loads), NOW, Random(0)
    )
    assert isinstance(decision, NoAssignment)
    assert decision.trace.candidates[0].rejected_by == filter_name
    assert decision.reason.startswith("no eligible agent: 1 ")


def test_pool_accepts_agents_by_id_or_group() -> None:
    agents = [agent("a", groups=["tier2"]), agent("b"), agent("c")]
    decision = make_policy("round_robin").decide(
        ticket(pool=["tier2", "c"], group="general"), Roster(agents), NOW, Random(0)
    )
    eligible = {c.agent_id for c in decision.trace.candidates if c.rejected_by is None}
    assert eligible == {"a", "c"}


def test_fair_distribution_limit_caps_assignments_per_window() -> None:
    recent = {"a": [ago(minutes=10), ago(minutes=20)], "b": [ago(minutes=90)]}
    roster = Roster([agent("a"), agent("b")], recent=recent)
    policy = make_policy("least_loaded", fair_limit=2, fair_window_s=3600)
    decision = policy.decide(ticket(), roster, NOW, Random(0))
    assert isinstance(decision, Assignment)
    assert decision.agent_id == "b"
    refused = next(c for c in decision.trace.candidates if c.agent_id == "a")
    assert refused.rejected_by == "fair_limit"


def test_an_empty_roster_says_so() -> None:
    decision = make_policy("skills").decide(ticket(), Roster([]), NOW, Random(0))
    assert isinstance(decision, NoAssignment)
    assert decision.reason == "no agents on the roster"


# --- registry ----------------------------------------------------------------------------


def test_unknown_policy_lists_the_known_ones() -> None:
    with pytest.raises(ValueError, match=r"unknown policy 'fifo'.*round_robin"):
        make_policy("fifo")


def test_unknown_parameter_is_named() -> None:
    with pytest.raises(ValueError, match="no parameter 'speed'"):
        make_policy("skills", speed=3)


def test_invalid_parameter_value_is_rejected() -> None:
    with pytest.raises(ValueError, match="fair_limit"):
        make_policy("round_robin", fair_limit=0)
    with pytest.raises(ValueError, match="then must be"):
        make_policy("skills", then="random")
