"""The shared backlog: lanes, class ranking, dealing in rounds, no recursion, and the
freed-agent shortcut the simulator takes reaching exactly what a full offer reaches."""

from __future__ import annotations

from random import Random
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from router.backlog import Backlog, _Progress
from router.decision import Choice
from router.engine import Router
from router.model import Capacity, Ticket
from router.plan import kind_key
from router.policies import make_policy, policy_names
from router.pydantic_fast import fields_of
from router.queue import SortKey
from router.roster import Roster, WorkingRoster
from tests.router.builders import NOW, agent, ago, ticket
from tests.router.strategies import rosters, tickets


class Waiting:
    """A ticket in a test backlog."""

    key: SortKey
    klass: str

    def __init__(self, ticket: Ticket, profile: object = None) -> None:
        self.ticket, self.profile = ticket, profile


def offer(
    router: Router,
    backlog: Backlog[Waiting],
    roster: WorkingRoster,
    freed: str | None = None,
    rounds_only: bool = False,
) -> list[tuple[str, str]]:
    """Offer ``backlog`` on ``roster`` (updated in place); the (ticket, agent) assignments.
    ``rounds_only``: skip ``offer``'s first step and run its rounds from nothing."""
    made: list[tuple[str, str]] = []

    def attempt(waiting: Waiting, view: Roster) -> Choice | None:
        return router.choose(waiting.ticket, view, NOW, Random(0))

    def assign(waiting: Waiting, choice: Choice) -> Roster:
        roster.assign(choice.agent_id, choice.weight, NOW)
        made.append((waiting.ticket.id, choice.agent_id))
        return roster

    if rounds_only:
        check = router.refuses if freed is not None else None
        backlog._rounds(NOW, roster, attempt, assign, freed, check, False, _Progress())
    else:
        backlog.offer(NOW, roster, attempt, assign, freed, router.refuses)
    return made


def filled(router: Router, queue: list[Ticket], profiled: bool = False) -> Backlog[Waiting]:
    """``queue`` in a backlog of ``router``'s; ``profiled``: each ticket with a routing
    profile as the simulator gives it (what its filters read), so that refusals are
    shared between tickets of one profile and the freed agent's pre-check is used."""
    backlog: Backlog[Waiting] = router.backlog()
    for waiting in queue:
        backlog.add(Waiting(waiting, profile_of(router, waiting) if profiled else None))
    return backlog


def profile_of(router: Router, waiting: Ticket) -> object:
    """Same profile, same refusal at one instant: every field a filter reads (None for a
    ticket whose policy may judge it differently as it waits)."""
    if waiting.optional_skills or router.revisit_after(waiting) is not None:
        return None
    return kind_key(fields_of(waiting))


@pytest.mark.parametrize("policy", ["gcmu", "fixed_queue_ratio", "least_loaded"])
def test_one_offer_can_assign_thousands_of_tickets_without_recursion(policy: str) -> None:
    router = Router(policy=make_policy(policy, by="priority") if policy != "least_loaded"
                    else make_policy(policy), per_round=None)  # fmt: skip
    roster = Roster([agent("big", capacity=Capacity(max_load=3000))]).working_copy()
    queue = [ticket(f"t{n}", priority=("low", "normal", "high")[n % 3],
                    created_at=ago(minutes=3000 - n)) for n in range(3000)]  # fmt: skip
    backlog = filled(router, queue)
    assert len(offer(router, backlog, roster)) == 3000
    assert len(backlog) == 0


def test_a_queue_aware_policy_ranks_the_lanes_again_after_every_assignment() -> None:
    router = Router(policy=make_policy("fixed_queue_ratio", by="type"), per_round=None)
    queue = [ticket(f"a{i}", type="a", created_at=ago(minutes=60 - i)) for i in range(3)]
    queue.append(ticket("b0", type="b", created_at=ago(minutes=90)))
    roster = Roster([agent("x", capacity=Capacity(max_load=4))]).working_copy()
    made = offer(router, filled(router, queue), roster)
    # equal targets: a (3 of 4 waiting) is served until the lanes are level, then b
    assert [ticket_id for ticket_id, _ in made] == ["a0", "a1", "b0", "a2"]
    assert [ticket_id for ticket_id, _ in made] == [t.id for t in router.ordered(queue, NOW)]


def test_a_ticket_refused_only_because_its_agent_was_dealt_out_is_offered_next_round() -> None:
    router = Router(policy=make_policy("skills"), per_round=1)
    team = [agent("a", skills={"x": 9}, capacity=Capacity(max_load=3)),
            agent("b", skills={"y": 9}, capacity=Capacity(max_load=3))]  # fmt: skip
    queue = [ticket("x1", required_skills={"x": 1}, created_at=ago(minutes=3)),
             ticket("x2", required_skills={"x": 1}, created_at=ago(minutes=2)),
             ticket("y1", required_skills={"y": 1}, created_at=ago(minutes=1))]  # fmt: skip
    made = offer(router, filled(router, queue), Roster(team).working_copy())
    assert made == [("x1", "a"), ("y1", "b"), ("x2", "a")]


def test_per_round_must_be_positive() -> None:
    with pytest.raises(ValueError, match="per_round"):
        Backlog(lambda t: (t.id,), per_round=0)


def twin(
    router: Router, roster: Roster, queue: list[Ticket], profiled: bool
) -> tuple[WorkingRoster, Backlog[Waiting]]:
    """A backlog offered once in full at ``NOW``: what is left, nobody there can take."""
    working = roster.working_copy()
    backlog = filled(router, queue, profiled)
    offer(router, backlog, working)
    return working, backlog


RESERVES = st.sampled_from([{}, {}, {"reserve_agents": 1},
                            {"reserve_agents": 2, "reserve_for": "high"}])  # fmt: skip
"""No reserve (the freed shortcut is taken), or one (the backlog makes full offers)."""


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=st.sampled_from(policy_names()), roster=rosters(min_size=1, max_size=6),
       drawn=st.lists(tickets(), min_size=1, max_size=10), per_round=st.sampled_from([1, 2, None]),
       reserve=RESERVES, profiled=st.booleans(), data=st.data())  # fmt: skip
def test_an_offer_naming_the_freed_agent_assigns_what_a_full_offer_assigns(
    name: str,
    roster: Roster,
    drawn: list[Ticket],
    per_round: int | None,
    reserve: dict[str, Any],
    profiled: bool,
    data: st.DataObject,
) -> None:
    router = Router(policy=make_policy(name, **reserve), per_round=per_round)
    queue = [t.model_copy(update={"id": f"t{n}"}) for n, t in enumerate(drawn)]
    full_roster, full_backlog = twin(router, roster, queue, profiled)
    freed_roster, freed_backlog = twin(router, roster, queue, profiled)
    busy = [agent_id for agent_id in roster.agent_ids if full_roster.load(agent_id) > 0]
    assume(busy and len(full_backlog) > 0)
    freed = data.draw(st.sampled_from(busy))
    released = full_roster.load(freed)  # all of its work done: it may take several tickets
    for working in (full_roster, freed_roster):
        working.release(freed, released)
    assert offer(router, freed_backlog, freed_roster, freed) == offer(
        router, full_backlog, full_roster
    )


def test_with_a_reserve_an_agent_freeing_up_lets_another_take_what_it_refused() -> None:
    """b alone may take the billing ticket, but with a reserve of one it would be the last
    free agent. When a (who cannot take it) frees up, b may: the freed agent's shortcut
    (after a refusal, skip what a cannot take) would leave the ticket waiting."""
    router = Router(policy=make_policy("skills", reserve_agents=1))
    team = [agent("a", capacity=Capacity(max_load=1)),
            agent("b", skills={"billing": 5}, capacity=Capacity(max_load=1))]  # fmt: skip
    roster = Roster(team, {"a": 1.0}).working_copy()
    queue = [ticket("tax", required_skills={"tax": 1}, created_at=ago(minutes=9)),  # nobody's
             ticket("bill", required_skills={"billing": 1}, priority="normal")]  # fmt: skip
    backlog = filled(router, queue, profiled=True)
    assert offer(router, backlog, roster) == []  # b is the reserve
    roster.release("a", 1.0)
    assert offer(router, backlog, roster, freed="a") == [("bill", "b")]


def test_without_a_reserve_the_backlog_keeps_its_freed_agent_shortcut() -> None:
    assert not Router(policy=make_policy("skills")).backlog().roster_wide
    assert Router(policy=make_policy("skills", reserve_agents=1)).backlog().roster_wide
    overflow = make_policy("threshold_overflow", reserve_agents=2)
    assert Router(policy=overflow).backlog().roster_wide
