"""Priority protection: a queue-aware policy ranks its classes within one priority level,
never across levels, unless told ``trade_priority: true``.

The ranking lives in the shared backlog, so it holds on the sidecar's path
(``Router.drain``), on the simulator's (a backlog kept alive and offered to a freed agent)
and in ``Router.ordered``.
"""

from __future__ import annotations

from random import Random
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from router.decision import Assignment, Choice
from router.engine import Router
from router.model import Capacity, Priority, Ticket
from router.policies import QueueState, make_policy
from router.roster import Roster
from tests.router.builders import NOW, agent, ago, ticket

QUEUE_AWARE = ("gcmu", "fixed_queue_ratio")


def one_seat() -> Roster:
    """One agent who can take one ticket: whoever is offered first is served."""
    return Roster([agent("solo", capacity=Capacity(max_load=1))])


def first_served(router: Router, queue: list[Ticket]) -> str:
    """The ticket ``Router.drain`` assigns when only one can be."""
    results, _ = router.drain(queue, one_seat(), NOW, Random(0))
    (served,) = [t.id for t, d in results if isinstance(d, Assignment)]
    return served


OLD_LOW_NEW_URGENT = [
    ticket("low-old", priority=Priority.LOW, type="refund", created_at=ago(hours=5)),
    ticket("urgent-new", priority=Priority.URGENT, type="shipping", created_at=ago(minutes=1)),
]


@pytest.mark.parametrize(
    "params",
    [
        pytest.param({"policy": "gcmu"}, id="gcmu-by-priority"),
        pytest.param({"policy": "gcmu", "by": "type"}, id="gcmu-by-type"),
        pytest.param(
            {"policy": "gcmu", "by": "type", "costs": {"refund": 50}}, id="gcmu-costly-class"
        ),
        pytest.param({"policy": "gcmu", "exponent": 3.0}, id="gcmu-steep-waits"),
        pytest.param(
            {"policy": "fixed_queue_ratio", "ratios": {"refund": 0.01}}, id="fqr-over-share"
        ),
    ],
)
def test_a_long_waiting_low_class_does_not_overtake_an_urgent_ticket_by_default(
    params: dict[str, Any],
) -> None:
    name = params.pop("policy")
    router = Router(policy=make_policy(name, **params))
    assert first_served(router, OLD_LOW_NEW_URGENT) == "urgent-new"
    assert router.ordered(OLD_LOW_NEW_URGENT, NOW)[0].id == "urgent-new"


@pytest.mark.parametrize(
    ("name", "params"),
    [
        pytest.param("gcmu", {}, id="gcmu-default-costs"),
        pytest.param("gcmu", {"by": "type", "costs": {"refund": 50}}, id="gcmu-costly-class"),
        pytest.param("fixed_queue_ratio", {"ratios": {"refund": 0.01}}, id="fqr-over-share"),
    ],
)
def test_with_the_explicit_trade_the_policy_may_serve_the_lower_priority_first(
    name: str, params: dict[str, Any]
) -> None:
    # gcmu: 1 x 300 min (low) beats 8 x 1 min (urgent); fqr: refund's target share is
    # almost nothing, so its one ticket is far above it, shipping's one is below its share
    router = Router(policy=make_policy(name, trade_priority=True, **params))
    assert first_served(router, OLD_LOW_NEW_URGENT) == "low-old"


def test_gcmu_by_type_still_ranks_types_within_one_priority_by_its_index() -> None:
    router = Router(policy=make_policy("gcmu", by="type", costs={"refund": 10}))
    queue = [
        ticket("urgent-shipping", priority=Priority.URGENT, type="shipping",
               created_at=ago(minutes=30)),
        ticket("urgent-refund", priority=Priority.URGENT, type="refund",
               created_at=ago(minutes=5)),
        ticket("normal-shipping", priority=Priority.NORMAL, type="shipping",
               created_at=ago(hours=8)),
    ]  # fmt: skip
    # urgent refunds: 10 x 5 min = 50 > urgent shipping 1 x 30 min; the normal ticket,
    # whatever it waited, after both
    assert [t.id for t in router.ordered(queue, NOW)] == [
        "urgent-refund",
        "urgent-shipping",
        "normal-shipping",
    ]
    assert first_served(router, queue) == "urgent-refund"


def test_fixed_queue_ratio_counts_shares_within_the_level_it_ranks() -> None:
    # many normal "a" tickets do not make "a" the class above its share among urgent ones
    router = Router(policy=make_policy("fixed_queue_ratio", by="type"))
    queue = [ticket(f"normal-a{n}", type="a", created_at=ago(minutes=60 + n)) for n in range(5)]
    queue += [
        ticket("urgent-a", priority=Priority.URGENT, type="a", created_at=ago(minutes=2)),
        ticket("urgent-b1", priority=Priority.URGENT, type="b", created_at=ago(minutes=3)),
        ticket("urgent-b2", priority=Priority.URGENT, type="b", created_at=ago(minutes=1)),
    ]
    served = [t.id for t in router.ordered(queue, NOW)]
    assert served[:3] == ["urgent-b1", "urgent-a", "urgent-b2"]  # b: 2 of 3 urgent waiting


def test_the_simulators_path_serves_the_urgent_ticket_to_the_freed_agent() -> None:
    """A backlog kept alive and offered to an agent that just freed up (``freed``), as the
    simulator offers it, ranks the same levels as ``Router.drain``."""
    router = Router(policy=make_policy("gcmu", by="type"), per_round=None)
    backlog = router.backlog()
    for waiting in OLD_LOW_NEW_URGENT:
        backlog.add(Queued(waiting))
    working = one_seat().working_copy()
    made: list[str] = []

    def attempt(queued: Queued, view: Roster) -> Choice | None:
        return router.choose(queued.ticket, view, NOW, Random(0))

    def assign(queued: Queued, choice: Choice) -> Roster:
        working.assign(choice.agent_id, choice.weight, NOW)
        made.append(queued.ticket.id)
        return working

    backlog.offer(NOW, working, attempt, assign, "solo", router.refuses)
    assert made == ["urgent-new"] and len(backlog) == 1


class Queued:
    """A ticket waiting in a test backlog."""

    key: Any
    klass: str
    profile = None

    def __init__(self, ticket: Ticket) -> None:
        self.ticket = ticket


def test_gcmu_still_gives_an_arrival_to_the_fastest_eligible_agent() -> None:
    team = Roster(
        [
            agent("novice", skills={"refunds": 2}, last_assigned_at=ago(hours=9)),
            agent("expert", skills={"refunds": 9}, last_assigned_at=ago(minutes=1)),
        ]
    )
    arrival = ticket("t", type="refund", required_skills={"refunds": 1})
    for trade in (False, True):
        decision = make_policy("gcmu", trade_priority=trade).decide(arrival, team, NOW, Random(0))
        assert decision.trace.chosen == "expert"


def test_rank_classes_puts_a_higher_level_head_first_unless_trading() -> None:
    lanes = QueueState(
        counts={"low": 1, "urgent": 1},
        heads={
            "low": ticket("1", priority=Priority.LOW, created_at=ago(hours=3)),
            "urgent": ticket("2", priority=Priority.URGENT, created_at=ago(minutes=10)),
        },
    )
    assert Router(policy=make_policy("gcmu")).rank_classes(lanes, NOW, None) == ["urgent", "low"]
    trading = Router(policy=make_policy("gcmu", trade_priority=True))
    assert trading.rank_classes(lanes, NOW, None) == ["low", "urgent"]  # 180 > 8 x 10


@pytest.mark.parametrize("value", ["no", "yes", 1, None])
def test_trade_priority_takes_only_a_boolean(value: object) -> None:
    for name in QUEUE_AWARE:
        with pytest.raises(ValueError, match="trade_priority must be true or false"):
            make_policy(name, trade_priority=value)


# --- properties -------------------------------------------------------------------------

queue_aware_params = st.one_of(
    st.fixed_dictionaries(
        {
            "name": st.just("gcmu"),
            "by": st.sampled_from(["type", "priority", "channel"]),
            "exponent": st.sampled_from([0.0, 1.0, 2.0]),
            "costs": st.dictionaries(
                st.sampled_from(["problem", "question", "email", "chat", "low", "urgent"]),
                st.sampled_from([0.1, 1.0, 20.0]),
                max_size=3,
            ),
        }
    ),
    st.fixed_dictionaries(
        {
            "name": st.just("fixed_queue_ratio"),
            "by": st.sampled_from(["type", "channel", "priority"]),
            "ratios": st.dictionaries(
                st.sampled_from(["problem", "question", "email", "chat"]),
                st.sampled_from([0.1, 1.0, 20.0]),
                max_size=3,
            ),
        }
    ),
)


@st.composite
def waiting_queues(draw: st.DrawFn) -> list[Ticket]:
    """Up to 12 tickets of mixed priority, type, channel and age."""
    size = draw(st.integers(1, 12))
    return [
        ticket(
            f"t{n:02d}",
            priority=draw(st.integers(1, 4)),
            type=draw(st.sampled_from([None, "problem", "question"])),
            channel=draw(st.sampled_from(["email", "chat"])),
            created_at=ago(minutes=draw(st.integers(0, 600))),
        )
        for n in range(size)
    ]


CHECKS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@CHECKS
@given(params=queue_aware_params, queue=waiting_queues())
def test_a_protected_policy_never_serves_a_lower_priority_before_a_higher_one(
    params: dict[str, Any], queue: list[Ticket]
) -> None:
    name = params.pop("name")
    router = Router(policy=make_policy(name, **params))
    served = [t.priority for t in router.ordered(queue, NOW)]
    assert served == sorted(served, reverse=True)


@CHECKS
@given(params=queue_aware_params, queue=waiting_queues(), seats=st.integers(1, 5))
def test_a_drain_with_room_for_k_tickets_serves_k_of_the_highest_priorities(
    params: dict[str, Any], queue: list[Ticket], seats: int
) -> None:
    name = params.pop("name")
    router = Router(policy=make_policy(name, **params), per_round=None)
    roster = Roster([agent("solo", capacity=Capacity(max_load=seats))])
    results, _ = router.drain(queue, roster, NOW, Random(0))
    served = [t.priority for t, d in results if isinstance(d, Assignment)]
    waiting = [t.priority for t, d in results if not isinstance(d, Assignment)]
    assert len(served) == min(seats, len(queue))
    assert not waiting or min(served) >= max(waiting)


@CHECKS
@given(params=queue_aware_params, queue=waiting_queues(), trade=st.booleans())
def test_ordered_is_the_order_a_drain_assigns_in_when_everyone_fits(
    params: dict[str, Any], queue: list[Ticket], trade: bool
) -> None:
    name = params.pop("name")
    router = Router(policy=make_policy(name, trade_priority=trade, **params), per_round=None)
    roster = Roster([agent("solo", capacity=Capacity(max_load=len(queue)))])
    results, _ = router.drain(queue, roster, NOW, Random(0))
    assert all(isinstance(decision, Assignment) for _, decision in results)
    assert [t.id for t, _ in results] == [t.id for t in router.ordered(queue, NOW)]
