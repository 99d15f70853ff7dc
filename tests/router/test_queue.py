"""Queue ordering: priority, SLA deadline and age, in the configured order, ties broken."""

from __future__ import annotations

from datetime import UTC, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from router.queue import order_queue
from tests.router.builders import NOW, ago, ticket

LOW_OLD = ticket("low-old", priority="low", created_at=ago(hours=5))
URGENT_NEW = ticket("urgent-new", priority="urgent", created_at=ago(minutes=1))
NORMAL_DUE_SOON = ticket(
    "due-soon", created_at=ago(minutes=30), sla_due_at=NOW + timedelta(minutes=5)
)
NORMAL_DUE_LATER = ticket("due-later", created_at=ago(hours=2), sla_due_at=NOW + timedelta(hours=4))
NORMAL_NO_SLA = ticket("no-sla", created_at=ago(hours=3))
QUEUE = [LOW_OLD, URGENT_NEW, NORMAL_DUE_SOON, NORMAL_DUE_LATER, NORMAL_NO_SLA]


@pytest.mark.parametrize(
    ("order", "expected"),
    [
        pytest.param(
            ("priority", "sla", "age"),
            ["urgent-new", "due-soon", "due-later", "no-sla", "low-old"],
            id="default",
        ),
        pytest.param(
            ("sla",),
            ["due-soon", "due-later", "low-old", "no-sla", "urgent-new"],
            id="earliest-deadline-first-then-created",
        ),
        pytest.param(
            ("age",),
            ["low-old", "no-sla", "due-later", "due-soon", "urgent-new"],
            id="oldest-first",
        ),
        pytest.param(
            ("priority", "age"),
            ["urgent-new", "no-sla", "due-later", "due-soon", "low-old"],
            id="priority-then-age",
        ),
    ],
)
def test_queue_order(order: tuple[str, ...], expected: list[str]) -> None:
    assert [t.id for t in order_queue(QUEUE, order)] == expected


def test_age_counts_from_when_the_ticket_started_waiting() -> None:
    requeued = ticket("requeued", created_at=ago(hours=9), queued_at=ago(minutes=1))
    fresh = ticket("fresh", created_at=ago(minutes=10))
    assert [t.id for t in order_queue([requeued, fresh], ["age"])] == ["fresh", "requeued"]


def test_full_ties_fall_back_to_ticket_id() -> None:
    twins = [ticket("b", created_at=NOW), ticket("a", created_at=NOW)]
    assert [t.id for t in order_queue(twins)] == ["a", "b"]


@pytest.mark.parametrize(
    ("order", "message"),
    [
        pytest.param(["priority", "colour"], "unknown queue order key 'colour'", id="unknown"),
        pytest.param(["age", "age"], "must not repeat", id="repeat"),
        pytest.param([], "at least one key", id="empty"),
    ],
)
def test_bad_orders_are_rejected(order: list[str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        order_queue(QUEUE, order)


@given(st.permutations(QUEUE))
def test_order_does_not_depend_on_arrival_order(shuffled: list) -> None:  # type: ignore[type-arg]
    assert order_queue(shuffled) == order_queue(QUEUE)


def _reference_key(order: tuple[str, ...]):  # type: ignore[no-untyped-def]
    """The order spelled out on POSIX timestamps: what the router's keys must agree with."""

    def key(t):  # type: ignore[no-untyped-def]
        parts = {
            "priority": -int(t.priority),
            "sla": t.sla_due_at.timestamp() if t.sla_due_at else float("inf"),
            "age": (t.queued_at or t.created_at).timestamp(),
        }
        return (*[parts[name] for name in order], t.created_at.timestamp(), t.id)

    return key


_zones = st.sampled_from(
    [
        UTC,
        timezone(timedelta(hours=14)),
        timezone(-timedelta(hours=12)),
        timezone(timedelta(hours=5, minutes=30)),
    ]
)
_moments = st.builds(
    lambda minutes, zone: (NOW + timedelta(minutes=minutes)).astimezone(zone),
    st.integers(-600, 600),
    _zones,
)
_tickets = st.lists(
    st.builds(
        lambda n, priority, created, due, queued: ticket(
            f"t{n}", priority=priority, created_at=created, sla_due_at=due, queued_at=queued
        ),
        st.integers(0, 5),
        st.sampled_from(["low", "normal", "high", "urgent"]),
        _moments,
        st.none() | _moments,
        st.none() | _moments,
    ),
    max_size=8,
)


@given(
    _tickets,
    st.sampled_from(
        [("priority", "sla", "age"), ("sla",), ("age", "priority"), ("sla", "age", "priority")]
    ),
)
def test_keys_order_tickets_as_their_instants_do_whatever_the_time_zones(  # type: ignore[no-untyped-def]
    tickets, order
) -> None:
    reference = _reference_key(order)
    assert [reference(t) for t in order_queue(tickets, order)] == sorted(map(reference, tickets))
