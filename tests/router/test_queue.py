"""Queue ordering: priority, SLA deadline and age, in the configured order, ties broken."""

from __future__ import annotations

from datetime import timedelta

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
