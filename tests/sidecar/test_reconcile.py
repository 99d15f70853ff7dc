"""The reconciliation sweep (issue 16, item 5): open unassigned tickets the poll never
delivers are found, read and routed; tickets the store knows cost no read; a run keeps to
its request limit and leaves the rate budget's reserve alone."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from config.settings import ReconcileSettings
from connectors.errors import RetriableError
from router.model import Ticket
from sidecar import lifecycle
from sidecar.reconcile import Reconciler
from sidecar.store import Store, on_clock
from tests.sidecar.builders import Rig
from tests.sidecar.fakes import FakeClock


@pytest.fixture
def rig(tmp_path: Path, clock: FakeClock) -> Iterator[Rig]:
    store = Store.open(
        f"sqlite:///{tmp_path / 'r.sqlite3'}", "r", clock(), due_clock=on_clock(clock)
    )
    made = Rig(store, clock)
    made.desk.add_agent("ann")
    yield made
    store.close()


def reconciler(rig: Rig, **settings: Any) -> Reconciler:
    return Reconciler(
        connector=rig.desk, unknown=rig.store.tickets.unknown, take_in=rig.pipeline.take_in,
        settings=ReconcileSettings(**settings), metrics=rig.metrics,
    )  # fmt: skip


def recovered(rig: Rig) -> float:
    return float(rig.metrics.recovered._value.get())


def test_an_open_unassigned_ticket_the_poll_never_delivers_is_found_and_routed(
    rig: Rig,
) -> None:
    rig.desk.old_ticket("7")
    rig.cycle()
    assert rig.store.tickets.get("7") is None  # the poll's lookback never reaches it
    sweep = reconciler(rig).run()
    assert (sweep.listed, sweep.unknown, sweep.recovered, sweep.finished) == (1, 1, 1, True)
    rig.cycle()
    assert rig.state("7") == lifecycle.ASSIGNED
    assert rig.desk.tickets["7"].assignee == "ann"
    assert recovered(rig) == 1


def test_tickets_the_store_knows_at_that_version_cost_no_read(rig: Rig) -> None:
    rig.desk.new_ticket("1")
    rig.desk.set_status("ann", "offline")  # type: ignore[arg-type]
    rig.cycle()  # taken in by the poll, waiting: open and unassigned
    assert rig.state("1") == lifecycle.WAITING
    reads = len(rig.desk.reads)
    sweep = reconciler(rig).run()
    assert (sweep.listed, sweep.unknown, sweep.recovered, sweep.requests) == (1, 0, 0, 1)
    assert len(rig.desk.reads) == reads


def test_a_newer_version_than_the_store_holds_is_read_and_taken_in(rig: Rig) -> None:
    rig.desk.new_ticket("1")
    rig.desk.set_status("ann", "offline")  # type: ignore[arg-type]
    rig.cycle()
    changed = rig.desk.tickets["1"].evolve(updated_at=rig.clock.advance(60))
    rig.desk.tickets["1"] = changed  # a change the poll and the webhooks missed
    sweep = reconciler(rig).run()
    assert (sweep.unknown, sweep.recovered) == (1, 1)
    stored = rig.store.tickets.get("1")
    assert stored is not None and stored.ticket.updated_at == changed.updated_at


def test_a_run_keeps_to_its_requests_and_the_next_run_goes_on_where_it_stopped(
    rig: Rig,
) -> None:
    rig.desk.unassigned_page = 2
    for number in range(1, 8):
        rig.desk.old_ticket(str(number))
    sweeper = reconciler(rig, requests_per_run=2)
    first = sweeper.run()
    assert (first.listed, first.requests, first.recovered) == (2, 2, 2)  # a page, a read
    runs = [sweeper.run() for _ in range(3)]
    assert [run.recovered for run in runs] == [2, 2, 1] and runs[-1].finished
    assert rig.desk.unassigned_calls == 4  # pages 1-4, each read once
    again = sweeper.run()  # the listing starts over: everything known now, no reads
    assert (again.listed, again.unknown, again.requests) == (4, 0, 2)
    assert all(rig.store.tickets.get(str(n)) is not None for n in range(1, 8))


def test_a_sweep_leaves_the_reserve_of_the_rate_budget_alone(rig: Rig) -> None:
    rig.desk.old_ticket("7")
    rig.desk.budget = 5.0
    sweep = reconciler(rig, reserve_requests=20).run()
    assert sweep.requests == 0 and rig.desk.unassigned_calls == 0
    rig.desk.budget = 50.0
    assert reconciler(rig, reserve_requests=20).run().recovered == 1


def test_a_listed_ticket_that_cannot_be_read_is_left_for_the_next_listing(rig: Rig) -> None:
    rig.desk.old_ticket("7")
    sweeper = reconciler(rig)
    original = rig.desk.read_many
    rig.desk.read_many = lambda ids: {}  # type: ignore[method-assign]
    assert sweeper.run().recovered == 0
    rig.desk.read_many = original  # type: ignore[method-assign]
    assert sweeper.run().recovered == 1  # the listing started over and found it again


def test_the_sweep_never_takes_an_assigned_ticket_from_a_person(rig: Rig) -> None:
    rig.desk.old_ticket("7", assignee="ann")
    rig.desk.tickets["8"] = Ticket(id="8", source="fake", created_at=rig.clock(),
                                   updated_at=rig.clock())  # fmt: skip
    sweep = reconciler(rig).run()
    assert sweep.recovered == 1 and rig.store.tickets.get("7") is None


def test_one_by_one_reads_keep_to_the_requests_of_a_run(rig: Rig) -> None:
    rig.desk.read_batch = 1  # as Freshdesk and Request Tracker
    for number in range(1, 21):
        rig.desk.old_ticket(str(number))
    sweep = reconciler(rig, requests_per_run=7).run()
    assert sweep.requests == 7 and sweep.recovered == 6  # one page, six reads


def test_tickets_whose_read_failed_are_read_on_the_next_run(rig: Rig) -> None:
    rig.desk.old_ticket("7")
    sweeper = reconciler(rig, requests_per_run=1)
    assert sweeper.run().unknown == 1  # the page: the read waits for the next run
    rig.desk.down = True
    with pytest.raises(RetriableError):
        sweeper.run()
    rig.desk.down = False
    assert sweeper.run().recovered == 1
