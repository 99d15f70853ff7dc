"""The queueing-theory policies and vendor presets: which agent, which queue, and the fast path.

``choose`` (what the simulator calls) must pick exactly the agent ``decide`` (what the
sidecar calls) picks, for every registered policy: that is what makes the simulator run
the live routing code rather than a copy of it.
"""

from __future__ import annotations

from datetime import timedelta
from random import Random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from router.engine import Router
from router.model import Capacity, Priority
from router.policies import QueueState, make_policy, policy_names
from router.roster import Roster
from tests.router.builders import NOW, agent, ago, ticket
from tests.router.strategies import rosters, tickets

NEW_POLICIES = (
    "gcmu",
    "fixed_queue_ratio",
    "threshold_overflow",
    "zendesk_capacity",
    "freshdesk_round_robin",
    "chatwoot_balanced",
)


def test_new_policies_are_registered():
    assert set(NEW_POLICIES) <= set(policy_names())


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    name=st.sampled_from(policy_names()),
    roster=rosters(max_size=10),
    ticket=tickets(),
    seed=st.integers(0, 3),
)
def test_choose_picks_what_decide_picks(name, roster, ticket, seed):
    policy = make_policy(name)
    decision = policy.decide(ticket, roster, NOW, Random(seed))
    choice = policy.choose(ticket, roster, NOW, Random(seed))
    if decision.assigned:
        assert choice is not None
        assert (choice.agent_id, choice.weight) == (decision.agent_id, decision.weight)
    else:
        assert choice is None


def state(**lanes: tuple[int, float]) -> QueueState:
    """Classes with (waiting count, head's minutes waited)."""
    return QueueState(
        counts={k: n for k, (n, _) in lanes.items()},
        heads={k: ticket(k, type=k, created_at=ago(minutes=w)) for k, (_, w) in lanes.items()},
    )


@pytest.mark.parametrize(
    ("params", "lanes", "first"),
    [
        pytest.param(
            {"by": "type"}, {"a": (1, 10), "b": (5, 30)}, "b", id="oldest-head-equal-costs"
        ),
        pytest.param(
            {"by": "type", "costs": {"a": 5}},
            {"a": (1, 10), "b": (5, 30)},
            "a",
            id="cost-outweighs-age",
        ),
        pytest.param(
            {"by": "type", "exponent": 0.0, "costs": {"a": 2}},
            {"a": (1, 1), "b": (1, 90)},
            "a",
            id="exponent-0-is-static-priority",
        ),
    ],
)
def test_gcmu_serves_the_largest_marginal_cost(params, lanes, first):
    router = Router(policy=make_policy("gcmu", **params))
    assert router.rank_classes(state(**lanes), NOW, None)[0] == first


def test_gcmu_weighs_the_agents_speed_per_class():
    expert_in_b = agent("x", skills={"a": 1, "b": 10})
    lanes = QueueState(
        counts={"a": 1, "b": 1},
        heads={
            "a": ticket("1", type="a", required_skills={"a": 1}, created_at=ago(minutes=12)),
            "b": ticket("2", type="b", required_skills={"b": 1}, created_at=ago(minutes=10)),
        },
    )
    router = Router(policy=make_policy("gcmu", by="type", slowdown=1.0))
    assert router.rank_classes(lanes, NOW, None)[0] == "a"  # no agent: older head first
    assert router.rank_classes(lanes, NOW, expert_in_b)[0] == "b"  # 1.9x faster on b


@pytest.mark.parametrize(
    ("ratios", "lanes", "first"),
    [
        pytest.param({}, {"a": (6, 1), "b": (2, 60)}, "a", id="equal-targets-longest-queue"),
        pytest.param({"a": 9}, {"a": (6, 1), "b": (4, 1)}, "b", id="a-below-its-90pct-target"),
    ],
)
def test_fixed_queue_ratio_serves_the_class_most_above_its_share(ratios, lanes, first):
    router = Router(policy=make_policy("fixed_queue_ratio", by="type", ratios=ratios))
    assert router.rank_classes(state(**lanes), NOW, None)[0] == first


def test_queue_aware_router_orders_a_drain_by_class_rank():
    router = Router(policy=make_policy("fixed_queue_ratio", by="type"))
    queue = [ticket(f"a{i}", type="a", created_at=ago(minutes=60 - i)) for i in range(3)]
    queue.append(ticket("b0", type="b", created_at=ago(minutes=90)))
    static = [t.id for t in router.ordered(queue)]
    served = [t.id for t in router.ordered(queue, NOW)]
    assert static == ["b0", "a0", "a1", "a2"]
    # equal targets: a (3 waiting of 4) is served until the queues are level, then b
    assert served == ["a0", "a1", "b0", "a2"]


def test_threshold_overflow_borrows_helpers_only_after_the_wait():
    team = Roster(
        [
            agent("own", groups=frozenset({"billing"}), capacity=Capacity(max_load=0)),
            agent("helper", groups=frozenset({"shipping"})),
        ]
    )
    policy = make_policy("threshold_overflow", overflow={"billing": ["shipping"]}, wait_s=600)
    young = ticket("t", group="billing", created_at=ago(minutes=5))
    old = ticket("t", group="billing", created_at=ago(minutes=11))
    assert not policy.decide(young, team, NOW, Random(0)).assigned
    decision = policy.decide(old, team, NOW, Random(0))
    assert decision.assigned and decision.agent_id == "helper"
    assert "overflow to shipping after 600s" in decision.trace.notes
    assert Router(policy=policy).revisit_after(young) == 600


@pytest.mark.parametrize(
    ("name", "loads", "last", "expected"),
    [
        pytest.param(
            "zendesk_capacity",
            {"a": 1, "b": 0, "c": 0},
            {"b": 5, "c": 9},
            "c",
            id="zendesk-most-spare-then-longest-idle",
        ),
        pytest.param(
            "freshdesk_round_robin",
            {"a": 0, "b": 0, "c": 0},
            {"a": 9, "b": 1, "c": 5},
            "c",
            id="freshdesk-next-after-last-assigned",
        ),
        pytest.param(
            "chatwoot_balanced", {"a": 2, "b": 1, "c": 3}, {}, "b", id="chatwoot-fewest-open"
        ),
    ],
)
def test_vendor_presets(name, loads, last, expected):
    team = [agent(i, capacity=Capacity(max_load=10)) for i in "abc"]
    recent = {i: [NOW - timedelta(minutes=m)] for i, m in last.items()}
    roster = Roster(team, loads, recent)
    assert make_policy(name).decide(ticket(), roster, NOW, Random(0)).agent_id == expected


def test_chatwoot_fair_distribution_limit_defaults_to_100_an_hour():
    team = Roster([agent("a")], {}, {"a": [NOW - timedelta(seconds=s) for s in range(100)]})
    decision = make_policy("chatwoot_balanced").decide(ticket(), team, NOW, Random(0))
    assert not decision.assigned and "fair-distribution" in decision.reason


def test_priority_classes_get_doubling_default_costs():
    router = Router(policy=make_policy("gcmu"))
    lanes = QueueState(
        counts={"low": 1, "urgent": 1},
        heads={
            "low": ticket("1", priority=Priority.LOW, created_at=ago(minutes=70)),
            "urgent": ticket("2", priority=Priority.URGENT, created_at=ago(minutes=10)),
        },
    )
    assert router.rank_classes(lanes, NOW, None) == ["urgent", "low"]


def test_a_wrapping_policy_is_revisited_at_its_own_wait_and_at_the_wrapped_one():
    policy = make_policy(
        "threshold_overflow",
        overflow={"billing": ["shipping"]},
        wait_s=600,
        optional_skills_timeout_s=900,
    )
    german = ticket("t", group="billing", optional_skills={"german": 5})
    assert Router(policy=policy).revisits(german) == (600, 900)
    assert Router(policy=policy).revisits(ticket("u")) == ()
