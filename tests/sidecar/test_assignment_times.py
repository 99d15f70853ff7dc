"""Who was assigned when carries over from one routing pass to the next, and across a
restart or a change of leader: idle order and fair limits see our earlier assignments,
as they do in the simulator, whose roster lives for the whole run."""

from __future__ import annotations

from pathlib import Path
from random import Random
from typing import Any

import pytest

from config.settings import Settings
from router.engine import Router
from router.policies import make_policy
from sidecar import lifecycle
from sidecar.metrics import Metrics
from sidecar.pipeline import Pipeline
from sidecar.store import Store, on_clock
from sidecar.writer import Writer
from tests.sidecar.fakes import FakeClock, FakeDesk


@pytest.fixture
def store(tmp_path: Path, clock: FakeClock) -> Store:
    return Store.open(
        f"sqlite:///{tmp_path / 'times.sqlite3'}", "replica-a", clock(), due_clock=on_clock(clock)
    )


def pipeline_over(
    store: Store, desk: FakeDesk, clock: FakeClock, policy: str, **params: Any
) -> Pipeline:
    """A fresh pipeline (as after a restart) deciding with ``policy``."""
    return Pipeline(
        connector=desk, store=store, router=Router(policy=make_policy(policy, **params)),
        settings=Settings(), clock=clock, rng=Random(0), metrics=Metrics(),
    )  # fmt: skip


def route_one(pipeline: Pipeline, desk: FakeDesk, clock: FakeClock, ticket_id: str) -> str:
    """A ticket opens, one pass routes and writes it; returns its assignee."""
    clock.advance(60)
    desk.new_ticket(ticket_id)
    pipeline.refresh_roster()
    pipeline.poll()
    pipeline.route()
    Writer(connector=desk, store=pipeline.store, settings=Settings().writer, clock=clock,
           metrics=pipeline.metrics).flush()  # fmt: skip
    assignee = desk.tickets[ticket_id].assignee
    assert assignee is not None
    return assignee


@pytest.fixture
def desk(clock: FakeClock) -> FakeDesk:
    made = FakeDesk(clock=clock)
    made.add_agent("ann")
    made.add_agent("bob")
    return made


def test_round_robin_takes_turns_from_one_pass_to_the_next(
    store: Store, desk: FakeDesk, clock: FakeClock
) -> None:
    pipeline = pipeline_over(store, desk, clock, "round_robin")
    turns = [route_one(pipeline, desk, clock, str(n)) for n in range(4)]
    assert turns == ["ann", "bob", "ann", "bob"]


def test_a_restarted_pipeline_reads_who_was_assigned_when_from_the_store(
    store: Store, desk: FakeDesk, clock: FakeClock
) -> None:
    assert route_one(pipeline_over(store, desk, clock, "round_robin"), desk, clock, "1") == "ann"
    restarted = pipeline_over(store, desk, clock, "round_robin")
    assert route_one(restarted, desk, clock, "2") == "bob"


def test_a_fair_limit_counts_assignments_made_in_earlier_passes(
    store: Store, desk: FakeDesk, clock: FakeClock
) -> None:
    desk.agents.pop("bob")
    pipeline = pipeline_over(store, desk, clock, "least_loaded", fair_limit=1)
    assert route_one(pipeline, desk, clock, "1") == "ann"
    clock.advance(60)
    desk.new_ticket("2")
    pipeline.poll()
    pipeline.route()
    row = store.tickets.get("2")
    assert row is not None and row.state == lifecycle.WAITING
    assert "fair" in str(row.reason)


def test_a_new_leader_forgets_what_it_remembered_and_reads_the_store_again(
    store: Store, desk: FakeDesk, clock: FakeClock
) -> None:
    leader = pipeline_over(store, desk, clock, "round_robin")
    assert route_one(leader, desk, clock, "1") == "ann"
    other = pipeline_over(store, desk, clock, "round_robin")  # leads meanwhile
    assert route_one(other, desk, clock, "2") == "bob"
    leader.forget_assignment_times()  # what Sidecar does when it takes the lease again
    assert route_one(leader, desk, clock, "3") == "ann"
