"""Roster snapshots: derived, never changed; indexes shared; bad input refused."""

from __future__ import annotations

from random import Random

import pytest

from router.policies import make_policy
from router.roster import RECENT_KEPT, Roster
from tests.router.builders import NOW, agent, ago, ticket


def test_assignment_returns_a_new_snapshot() -> None:
    before = Roster([agent("a"), agent("b")], loads={"a": 1})
    after = before.with_assignment("a", 2.0, NOW)
    assert (before.load("a"), after.load("a")) == (1.0, 3.0)
    assert after.last_assigned("a") == NOW and before.last_assigned("a") is None
    assert after.with_release("a", 2.0).load("a") == 1.0


def test_release_never_goes_below_zero() -> None:
    assert Roster([agent("a")]).with_release("a", 5).load("a") == 0.0


def test_last_assigned_prefers_the_later_of_desk_and_our_own_record() -> None:
    roster = Roster([agent("a", last_assigned_at=ago(minutes=5))], recent={"a": [ago(hours=1)]})
    assert roster.last_assigned("a") == ago(minutes=5)


def test_recent_assignments_are_bounded() -> None:
    roster = Roster([agent("a")])
    for n in range(RECENT_KEPT + 10):
        roster = roster.with_assignment("a", 0.0, ago(seconds=1000 - n))
    assert len(roster.state("a").recent) == RECENT_KEPT
    assert roster.assignments_since("a", ago(seconds=1000)) == RECENT_KEPT


def test_indexes_by_group_and_skill() -> None:
    roster = Roster(
        [
            agent("a", groups=["billing"], skills={"refunds": 3}),
            agent("b", groups=["billing", "tier2"]),
        ]
    )
    assert roster.in_group("billing") == {"a", "b"}
    assert roster.having_skill("refunds") == {"a"}
    assert roster.in_group("nobody") == frozenset()


def test_with_agent_replaces_and_reindexes() -> None:
    roster = Roster([agent("a", status="away")], loads={"a": 2})
    back = roster.with_agent(agent("a", status="online", groups=["tier2"]))
    assert back.agents["a"].status == "online" and roster.agents["a"].status == "away"
    assert back.in_group("tier2") == {"a"} and back.load("a") == 2.0


@pytest.mark.parametrize(
    ("build", "message"),
    [
        pytest.param(lambda: Roster([agent("a"), agent("a")]), "appears twice", id="duplicate"),
        pytest.param(
            lambda: Roster([agent("a")], loads={"zed": 1}),
            "unknown agents: zed",
            id="load-for-stranger",
        ),
        pytest.param(lambda: Roster([agent("a")], loads={"a": -1}), "negative", id="negative"),
    ],
)
def test_bad_rosters_are_refused(build: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        build()  # type: ignore[operator]


def test_equality_is_by_content() -> None:
    assert Roster([agent("a")], loads={"a": 1}) == Roster([agent("a")], loads={"a": 1})
    assert Roster([agent("a")]) != Roster([agent("a")], loads={"a": 1})


def test_a_working_roster_changes_in_place_and_its_snapshots_do_not() -> None:
    roster = Roster([agent("a", capacity={"max_load": 1}), agent("b")])
    working = roster.working_copy()
    working.assign("a", 1.0, NOW)
    before = working.snapshot()
    derived = working.with_assignment("b", 1.0, NOW)
    assert working.having_spare_capacity() == {"b"}
    working.release("a", 1.0)
    working.assign("b", 2.0, NOW)
    assert (before.load("a"), before.load("b"), derived.load("b")) == (1.0, 0.0, 1.0)
    assert before.having_spare_capacity() == {"b"}
    assert (working.load("a"), working.load("b")) == (0.0, 2.0)
    assert working.having_spare_capacity() == {"a", "b"}
    assert roster.load("a") == 0.0 and roster.last_assigned("a") is None
    assert working.last_assigned("a") == NOW


@pytest.mark.parametrize(
    ("start", "moves", "whole"),
    [
        pytest.param({"a": 1.0}, [("assign", 1.0), ("release", 2.0)], True, id="whole-weights"),
        pytest.param({"a": 1.0}, [("assign", 0.5), ("release", 0.5)], False, id="half-a-unit"),
        pytest.param({"a": 1.5}, [], False, id="fractional-start"),
        pytest.param({"a": 0.0}, [("release", 0.5)], False, id="fractional-release"),
    ],
)
def test_a_working_roster_knows_whether_every_load_is_whole(
    start: dict[str, float], moves: list[tuple[str, float]], whole: bool
) -> None:
    working = Roster([agent("a")], loads=start).working_copy()
    for move, weight in moves:
        if move == "assign":
            working.assign("a", weight, NOW)
        else:
            working.release("a", weight)
    assert working.whole_loads is whole
    assert working.snapshot().whole_loads is False  # a snapshot does not keep count


def test_a_working_roster_keeps_the_last_assignment_as_its_snapshots_report_it() -> None:
    desk_says = ago(minutes=5)
    working = Roster([agent("a", last_assigned_at=desk_says), agent("b")]).working_copy()
    assert working.last_assigned("a") == desk_says and working.last_assigned("b") is None
    working.assign("a", 1.0, ago(minutes=9))  # earlier than the desk's own record
    working.assign("b", 1.0, ago(minutes=9))
    for agent_id in ("a", "b"):
        assert working.last_assigned(agent_id) == working.snapshot().last_assigned(agent_id)
    assert working.last_assigned("a") == desk_says


def test_a_rosters_cache_is_shared_by_the_snapshots_of_the_same_agents_only() -> None:
    roster = Roster([agent("a", groups={"billing"}), agent("b")])
    derived = [
        roster.with_assignment("a", 1.0, NOW),
        roster.with_release("a", 1.0),
        roster.holding(["b"]),
        roster.working_copy(),
        roster.working_copy().snapshot(),
    ]
    assert all(other.cache is roster.cache for other in derived)
    assert roster.with_agent(agent("c")).cache is not roster.cache


def test_what_a_roster_says_does_not_move_when_its_cache_fills() -> None:
    roster = Roster([agent("a", groups={"billing"}), agent("b")], loads={"a": 1.0})
    before = (roster.agent_ids, dict(roster.agents), roster.load("a"), roster.held)
    policy = make_policy("least_loaded")
    work = ticket("t1", group="billing")
    first = policy.decide(work, roster, NOW, Random(0))
    policy.choose(work, roster, NOW, Random(0))  # fills the cache with the policy's plan
    assert roster.cache.memo(policy)
    assert policy.decide(work, roster, NOW, Random(0)).to_dict() == first.to_dict()
    assert (roster.agent_ids, dict(roster.agents), roster.load("a"), roster.held) == before
