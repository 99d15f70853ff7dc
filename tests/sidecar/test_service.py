"""The whole service in-process over loopback HTTP, with the in-memory help desk."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from config.policy_file import PolicyFile
from config.settings import Settings
from connectors.base import RosterSnapshot
from connectors.errors import RetriableError
from sandbox.chaos.replicas import wait_for
from sidecar.service import Sidecar, utc_now
from sidecar.store import Store
from tests.sidecar.fakes import FakeClock, FakeDesk

FAST = {
    "http": {"port": 0, "unsigned_webhooks": True},
    "scheduler": {
        "poll_seconds": 0.2,
        "roster_seconds": 0.5,
        "drain_seconds": 0.2,
        "sweep_seconds": 1,
        "write_seconds": 0.2,
    },
    "lease": {"ttl_seconds": 3, "renew_seconds": 0.5},
}


@pytest.fixture
def desk() -> FakeDesk:
    made = FakeDesk(clock=FakeClock())
    made.clock.now = utc_now()
    made.add_agent("ann")
    made.add_agent("bob")
    return made


@pytest.fixture
def sidecar(tmp_path: Path, desk: FakeDesk) -> Iterator[Sidecar]:
    settings = Settings(**FAST)  # type: ignore[arg-type]
    store = Store.open(f"sqlite:///{tmp_path / 's.sqlite3'}", "replica-a", utc_now())
    service = Sidecar(settings=settings, connector=desk, store=store, router=PolicyFile().router())
    service.start()
    yield service
    service.stop()


def test_a_webhook_over_loopback_ends_in_a_written_assignment(
    sidecar: Sidecar, desk: FakeDesk
) -> None:
    desk.poll = lambda cursor: type(desk).poll(desk, "999999")  # type: ignore[method-assign]
    desk.new_ticket("101")
    body = json.dumps({"ticket_id": "101"}).encode()
    url = f"http://127.0.0.1:{sidecar.port}/webhooks/freshdesk"
    assert requests.post(url, data=body, timeout=5).status_code == 202
    assert wait_for(lambda: desk.tickets["101"].assignee is not None)
    assert [t for t, _ in desk.writes] == ["101"]
    status = requests.get(f"http://127.0.0.1:{sidecar.port}/readyz", timeout=5).json()
    assert status == {"ready": True, "role": "leader"}


def test_shutdown_flushes_the_outbox_and_releases_the_lease(tmp_path: Path, desk: FakeDesk) -> None:
    writer = {"retry_base_seconds": 0.01, "max_attempts": 10_000}
    settings = Settings(**FAST, writer=writer)  # type: ignore[arg-type]
    store = Store.open(f"sqlite:///{tmp_path / 'g.sqlite3'}", "replica-g", utc_now())
    service = Sidecar(settings=settings, connector=desk, store=store, router=PolicyFile().router())
    desk.down = True
    for n in range(3):
        desk.new_ticket(str(n))
    service.start()
    assert wait_for(lambda: store.tickets.counts().get("routed") == 3)
    desk.down = False
    service.stop()
    reopened = Store.open(f"sqlite:///{tmp_path / 'g.sqlite3'}", "check", utc_now())
    assert reopened.outbox.active() == 0
    assert sorted(t for t, _ in desk.writes) == ["0", "1", "2"]
    lease = reopened.lease.state()
    assert lease is not None and lease.holder is None
    reopened.close()


def test_after_a_restart_write_backs_go_out_while_the_roster_cannot_be_read(
    tmp_path: Path, desk: FakeDesk
) -> None:
    """Found by the chaos run: every job loaded the roster first, so after a restart the
    outbox waited behind a roster that 503s and 429 storms kept failing."""
    settings = Settings(**FAST, sidecar={"shutdown_deadline_seconds": 0.2})  # type: ignore[arg-type]
    url = f"sqlite:///{tmp_path / 'r.sqlite3'}"
    first = Sidecar(
        settings=settings,
        connector=desk,
        store=Store.open(url, "a", utc_now()),
        router=PolicyFile().router(),
    )
    desk.down = True  # decided, but the writes cannot go out
    for n in range(3):
        desk.new_ticket(str(n))
    first.start()
    assert wait_for(lambda: first.store.tickets.counts().get("routed") == 3)
    first.stop()
    desk.down = False

    def unreadable() -> RosterSnapshot:
        raise RetriableError("roster: 503", status=503)

    desk.roster = unreadable  # type: ignore[method-assign]
    second = Sidecar(
        settings=settings,
        connector=desk,
        store=Store.open(url, "a", utc_now()),
        router=PolicyFile().router(),
    )
    second.start()
    try:
        assert wait_for(lambda: len(desk.writes) == 3), desk.writes
    finally:
        second.stop()


def test_a_new_leader_routes_with_the_stored_roster_while_the_help_desk_cannot_give_one(
    tmp_path: Path, desk: FakeDesk
) -> None:
    """Issue 16, two replicas under chaos: a leader that took over with no roster of its own
    read it first (5-50 requests), which 503s and 429 storms kept failing longer than its
    term, and it never routed. It decides with the roster the last leader stored."""
    settings = Settings(**FAST, sidecar={"shutdown_deadline_seconds": 0.2})  # type: ignore[arg-type]
    url = f"sqlite:///{tmp_path / 'n.sqlite3'}"
    first = Sidecar(
        settings=settings, connector=desk, store=Store.open(url, "a", utc_now()),
        router=PolicyFile().router(),
    )  # fmt: skip
    desk.new_ticket("before")
    first.start()
    assert wait_for(lambda: len(desk.writes) == 1)
    first.stop()

    def unreadable() -> RosterSnapshot:
        raise RetriableError("roster: 503", status=503)

    desk.roster = unreadable  # type: ignore[method-assign]
    for n in range(3):
        desk.new_ticket(f"after-{n}")
    second = Sidecar(
        settings=settings, connector=desk, store=Store.open(url, "b", utc_now()),
        router=PolicyFile().router(),
    )  # fmt: skip
    second.start()
    try:
        assert wait_for(lambda: len(desk.writes) == 4), desk.writes
        assert {agent for _, agent in desk.writes} <= {"ann", "bob"}
    finally:
        second.stop()


def test_a_slow_roster_read_holds_up_neither_deciding_nor_writing(
    sidecar: Sidecar, desk: FakeDesk
) -> None:
    """Issue 16: the roster job read the help desk under the work lock, so a read slowed by
    503s and 429 storms stopped every decision and write-back until it ended."""
    desk.new_ticket("first")
    assert wait_for(lambda: len(desk.writes) == 1)
    reading, release = threading.Event(), threading.Event()
    quick = desk.roster

    def slow() -> RosterSnapshot:
        reading.set()
        release.wait(20)
        return quick()

    desk.roster = slow  # type: ignore[method-assign]
    try:
        assert reading.wait(5), "the roster job never read the roster"
        for n in range(3):
            desk.new_ticket(f"during-{n}")
        assert wait_for(lambda: len(desk.writes) == 4, seconds=5), desk.writes
    finally:
        release.set()
