"""Eligibility plans: the momentary checks a decision still makes for a kind of ticket."""

from __future__ import annotations

from random import Random

import pytest

from router.policies import make_policy
from router.roster import Roster
from tests.router.builders import NOW, agent, ticket


@pytest.mark.parametrize(
    ("limit", "load", "weight", "taken"),
    [
        pytest.param(2, 1.0, None, True, id="whole-room-for-one"),
        pytest.param(2, 1.5, None, False, id="spare-but-no-room-for-one"),
        pytest.param(2.5, 2.0, None, False, id="half-a-unit-under-a-fractional-limit"),
        pytest.param(2.5, 2.0, 0.5, True, id="room-for-half-a-unit"),
        pytest.param(3, 1.0, 3.0, False, id="heavy-ticket"),
    ],
)
def test_spare_capacity_is_not_enough_without_room_for_the_ticket(
    limit: float, load: float, weight: float | None, taken: bool
) -> None:
    roster = Roster([agent("a", capacity={"max_load": limit})], loads={"a": load})
    policy = make_policy("least_loaded")
    work = ticket("t", weight=weight)
    for on in (roster, roster.working_copy()):
        assert (policy.choose(work, on, NOW, Random(0)) is not None) is taken
        assert (policy.chooser_for(work, on)(work, on, NOW, Random(0)) is not None) is taken
        assert policy.decide(work, on, NOW, Random(0)).assigned is taken


def test_a_specialised_pick_serves_every_ticket_of_its_kind() -> None:
    roster = Roster([agent("a", groups={"billing"}), agent("b", groups={"shipping"})])
    working = roster.working_copy()
    policy = make_policy("least_loaded")
    pick = policy.chooser_for(ticket("first", group="billing"), working)
    for n in range(3):
        twin = ticket(f"twin{n}", group="billing", priority="urgent")
        choice = pick(twin, working, NOW, Random(0))
        assert choice == policy.choose(twin, working, NOW, Random(0)) == ("a", 1.0)
        working.assign(*choice, NOW)
    assert working.load("a") == 3.0


def test_a_policy_with_its_own_pick_is_not_specialised() -> None:
    policy = make_policy("threshold_overflow")
    roster = Roster([agent("a")])
    assert policy.chooser_for(ticket("t"), roster) == policy.choose
