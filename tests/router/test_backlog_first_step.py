"""The backlog's first step after a completion: deciding the head ticket before the rounds'
bookkeeping is set up changes no outcome. An offer naming the freed agent assigns what the
rounds alone assign from the same state, and what a full offer assigns; with routing
profiles on, so the refusals the first step hands to the rounds are exercised too."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from router.backlog import Backlog
from router.engine import Router
from router.model import Capacity, Ticket
from router.plan import kind_key
from router.policies import make_policy, policy_names
from router.pydantic_fast import fields_of
from router.roster import Roster, WorkingRoster
from tests.router.builders import agent, ago, ticket
from tests.router.strategies import rosters, tickets
from tests.router.test_backlog import Waiting, offer


def profiled(ticket: Ticket) -> Waiting:
    """A waiting ticket with a routing profile, as the simulator gives one (none when its
    requirements change while it waits)."""
    return Waiting(ticket, None if ticket.optional_skills else kind_key(fields_of(ticket)))


def backlog_of(router: Router, queue: list[Ticket]) -> Backlog[Waiting]:
    backlog: Backlog[Waiting] = router.backlog()
    for queued in queue:
        backlog.add(profiled(queued))
    return backlog


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=st.sampled_from(policy_names()), roster=rosters(min_size=1, max_size=6),
       drawn=st.lists(tickets(), min_size=1, max_size=10), per_round=st.sampled_from([1, 2, None]),
       data=st.data())  # fmt: skip
def test_the_first_step_after_a_completion_assigns_what_the_rounds_alone_assign(
    name: str, roster: Roster, drawn: list[Ticket], per_round: int | None, data: st.DataObject
) -> None:
    router = Router(policy=make_policy(name), per_round=per_round)
    queue = [t.model_copy(update={"id": f"t{n}"}) for n, t in enumerate(drawn)]
    settled: list[tuple[WorkingRoster, Backlog[Waiting]]] = []
    for _ in range(3):  # three identical desks, each offered in full once: the rest waits
        working, backlog = roster.working_copy(), backlog_of(router, queue)
        offer(router, backlog, working)
        settled.append((working, backlog))
    busy = [agent_id for agent_id in roster.agent_ids if settled[0][0].load(agent_id) > 0]
    assume(busy and len(settled[0][1]) > 0)
    freed = data.draw(st.sampled_from(busy))
    released = settled[0][0].load(freed)  # all of its work done: it may take several tickets
    for working, _ in settled:
        working.release(freed, released)
    (first, first_backlog), (rounds, rounds_backlog), (full, full_backlog) = settled
    with_first_step = offer(router, first_backlog, first, freed)
    assert with_first_step == offer(router, rounds_backlog, rounds, freed, rounds_only=True)
    assert with_first_step == offer(router, full_backlog, full)
    assert [w.ticket.id for w in first_backlog] == [w.ticket.id for w in full_backlog]


def freed_desk(order: list[str], per_round: int | None) -> list[tuple[str, str]]:
    """Agent ``a`` (skill x, room for three) has just finished all its work; ``b`` (skill y)
    is busy. The tickets of ``order`` (named by the skill they need) wait, oldest first."""
    router = Router(policy=make_policy("skills"), per_round=per_round)
    team = [agent("a", skills={"x": 5}, capacity=Capacity(max_load=3)),
            agent("b", skills={"y": 5}, capacity=Capacity(max_load=1))]  # fmt: skip
    roster = Roster(team, {"b": 1.0}).working_copy()
    queue = [ticket(name, required_skills={name[0]: 1}, created_at=ago(minutes=60 - n))
             for n, name in enumerate(order)]  # fmt: skip
    return offer(router, backlog_of(router, queue), roster, freed="a")


@pytest.mark.parametrize("per_round", [1, 2, None])
def test_the_freed_agent_takes_more_after_the_head_while_it_has_room(per_round: int | None) -> None:
    made = freed_desk(["x1", "y1", "x2", "x3", "x4"], per_round)
    assert made == [("x1", "a"), ("x2", "a"), ("x3", "a")]


@pytest.mark.parametrize("per_round", [1, 2, None])
def test_a_head_the_freed_agent_refuses_is_passed_over_and_so_are_its_likes(
    per_round: int | None,
) -> None:
    made = freed_desk(["y1", "y2", "x1", "y3", "x2"], per_round)
    assert made == [("x1", "a"), ("x2", "a")]
