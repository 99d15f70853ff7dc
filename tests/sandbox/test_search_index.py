"""The search index trails the desk by its lag: new tickets are missing, changes show late."""

from __future__ import annotations

import pytest

from sandbox.search import SearchIndex
from sandbox.store import Desk


class Clock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


def indexed(lag: float, clock: Clock, depth: int = 32) -> tuple[Desk, SearchIndex]:
    desk = Desk()
    desk.add_group(1, "Billing")
    index = SearchIndex(desk, lag, clock=clock, depth=depth)
    desk.listeners.append(index.on_change)
    return desk, index


def seen(index: SearchIndex) -> dict[int, str]:
    return {t.id: t.status for t in index.tickets()}


def test_a_new_ticket_is_missing_until_the_lag_has_passed(clock: Clock) -> None:
    desk, index = indexed(120, clock)
    ticket = desk.create_ticket("customer", subject="s", description="d")
    assert seen(index) == {}
    clock.now += 119.9
    assert seen(index) == {}
    clock.now += 0.1
    assert seen(index) == {ticket.id: "new"}


def test_a_change_shows_late_and_the_old_version_meanwhile(clock: Clock) -> None:
    desk, index = indexed(60, clock)
    ticket = desk.create_ticket("customer", subject="s", description="d")
    clock.now += 100
    desk.update_ticket(ticket.id, {"status": "pending", "tags": ["x"]}, "api:bot")
    (old,) = index.tickets()
    assert (old.status, old.tags) == ("new", []) and ticket.status == "pending"
    clock.now += 60
    assert seen(index) == {ticket.id: "pending"}


def test_settle_makes_everything_so_far_searchable(clock: Clock) -> None:
    desk, index = indexed(120, clock)
    ticket = desk.create_ticket("customer", subject="s", description="d")
    index.settle()
    assert seen(index) == {ticket.id: "new"}
    desk.update_ticket(ticket.id, {"status": "open"}, "api:bot")
    assert seen(index) == {ticket.id: "new"}  # later changes still lag


def test_no_lag_answers_from_the_desk_and_keeps_no_history(clock: Clock) -> None:
    desk, index = indexed(0, clock)
    ticket = desk.create_ticket("customer", subject="s", description="d")
    assert index.tickets() == [ticket] and not index._versions


def test_history_is_bounded(clock: Clock) -> None:
    desk, index = indexed(60, clock, depth=4)
    ticket = desk.create_ticket("customer", subject="s", description="d")
    for priority in ("low", "high", "urgent", "low", "high", "urgent"):
        desk.update_ticket(ticket.id, {"priority": priority}, "api:bot")
    assert len(index._versions[ticket.id]) == 4
    clock.now += 61
    desk.update_ticket(ticket.id, {"priority": "normal"}, "api:bot")
    assert len(index._versions[ticket.id]) == 2  # the last one before the window, and now


def test_a_negative_lag_is_refused() -> None:
    with pytest.raises(ValueError, match="search lag"):
        SearchIndex(Desk(), -1)
