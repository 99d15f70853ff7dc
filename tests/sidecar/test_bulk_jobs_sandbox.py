"""A bulk job the help desk has accepted is never sent a second time while it may still run.

Found by the two-replica chaos run (``double=25``, issue 16): a leader killed after Zendesk
accepted its ``update_many`` job left the rows ``sending``; the next leader took them back,
re-read the tickets (not assigned yet: the job was still queued), sent them again, and
both jobs ran. The writer now records the job that carried each row as soon as the help
desk accepts it, and rows whose job is still running wait for it.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from connectors.base import NO_HOOKS, BulkHooks, Connector, WriteRequest, WriteResult
from connectors.factory import build_connector
from sandbox import SandboxHandle, start_sandbox
from sandbox.store import REPEATED_ASSIGNMENT
from sidecar import lifecycle
from sidecar.service import utc_now
from sidecar.store import Store
from tests.sidecar.builders import Rig
from tests.sidecar.fakes import FakeClock
from tests.sidecar.test_sandbox_e2e import settings_for

JOB_DELAY = 1.5
"""Seconds between a job being accepted and running: long enough to crash in between."""


class CrashError(Exception):
    """The process died (SIGKILL) right after the help desk accepted the job."""


class DiesAfterSubmitting:
    """The real connector, whose bulk write dies once the help desk has accepted its job
    (the job goes on at the help desk, as it would after a SIGKILL)."""

    def __init__(self, real: Connector) -> None:
        self.real = real
        self.dead = threading.Event()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)

    def assign_many(
        self, requests: Sequence[WriteRequest], hooks: BulkHooks = NO_HOOKS
    ) -> list[WriteResult]:
        accepted = threading.Event()

        def noted(ticket_ids: Sequence[str], job: str) -> None:
            hooks.carried(ticket_ids, job)
            accepted.set()
            self.dead.wait()  # the process is gone: nothing after this point runs
            raise CrashError

        dying = BulkHooks(still_ours=hooks.still_ours, carried=noted)
        threading.Thread(target=self._quietly, args=(requests, dying), daemon=True).start()
        assert accepted.wait(10), "the help desk never accepted the job"
        raise CrashError

    def _quietly(self, requests: Sequence[WriteRequest], hooks: BulkHooks) -> None:
        with contextlib.suppress(CrashError):
            self.real.assign_many(requests, hooks)


@pytest.fixture(params=["zendesk", "freshdesk"])
def rigs(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[tuple[Rig, Rig, SandboxHandle]]:
    """The leader that dies, and the one that takes over, on one store and one desk."""
    with start_sandbox(
        agents=3, tickets=0, seed=5, job_delay=JOB_DELAY, rate_limits=False, search_lag=0,
        export_lag=0,
    ) as desk:  # fmt: skip
        settings = settings_for(request.param, desk, tmp_path, zendesk={"rate_window_seconds": 1.0})
        clock = FakeClock(utc_now())
        store = Store.open(str(settings.database_url), "replica-a", clock())
        real = build_connector(settings)
        first = Rig(store, clock, connector=DiesAfterSubmitting(real))  # type: ignore[arg-type]
        second = Rig(store, clock, connector=build_connector(settings))
        yield first, second, desk
        first.writer.connector.dead.set()  # type: ignore[attr-defined]
        store.close()


def decided_orders(rig: Rig, desk: SandboxHandle, count: int) -> list[int]:
    """``count`` customers' tickets, taken in and decided by ``rig`` (not written yet)."""
    ids = [
        desk.sandbox.desk.create_ticket("customer", subject=f"Order {n}", description="Help").id
        for n in range(count)
    ]
    rig.pipeline.refresh_roster()
    rig.pipeline.poll()
    rig.pipeline.route()
    return ids


def repeated_writes(desk: SandboxHandle) -> list[dict[str, Any]]:
    return [entry for entry in desk.audit() if entry["event"] == REPEATED_ASSIGNMENT]


def test_a_job_accepted_before_a_crash_is_waited_for_not_sent_again(
    rigs: tuple[Rig, Rig, SandboxHandle],
) -> None:
    first, second, desk = rigs
    ids = decided_orders(first, desk, 8)
    with pytest.raises(CrashError):
        first.writer.flush()
    assert first.store.outbox.recover() == 8  # the next leader takes the rows back
    second.pipeline.refresh_roster()
    second.writer.flush()  # the job is still queued at the help desk: nothing is sent
    deadline = time.monotonic() + 15
    while first.store.outbox.counts() != {"done": 8} and time.monotonic() < deadline:
        time.sleep(0.3)
        second.writer.flush()
    assert first.store.outbox.counts() == {"done": 8}
    assert all(desk.ticket(i).assignee_id is not None for i in ids)
    assert repeated_writes(desk) == []
    assert {first.state(str(i)) for i in ids} <= {lifecycle.ASSIGNED, lifecycle.HUMAN}


class TakenOverWhileChecking:
    """The real connector; while its bulk write checks freshness, another leader takes the
    write-backs over (the stalled leader's claim is void when it resumes)."""

    def __init__(self, real: Connector, take_over: Callable[[], object]) -> None:
        self.real, self.take_over = real, take_over

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)

    def assign_many(
        self, requests: Sequence[WriteRequest], hooks: BulkHooks = NO_HOOKS
    ) -> list[WriteResult]:
        self.take_over()
        return list(self.real.assign_many(requests, hooks))


@pytest.mark.parametrize("vendor", ["zendesk", "freshdesk"])
def test_write_backs_taken_over_during_the_checks_are_not_submitted(
    vendor: str, tmp_path: Path
) -> None:
    """Found by the CI-sized --pause-leader run (double=9): a leader stopped after its claim
    was confirmed, during the freshness reads, resumed after the next leader had written the
    same tickets and submitted its job anyway. Each submission now asks first."""
    with start_sandbox(
        agents=3, tickets=0, seed=5, job_delay=0.05, rate_limits=False, search_lag=0,
        export_lag=0,
    ) as desk:  # fmt: skip
        settings = settings_for(vendor, desk, tmp_path, zendesk={"rate_window_seconds": 1.0})
        clock = FakeClock(utc_now())
        store = Store.open(str(settings.database_url), "replica-a", clock())
        stalled = Rig(store, clock, connector=build_connector(settings))
        stalled.writer.connector = TakenOverWhileChecking(  # type: ignore[assignment]
            build_connector(settings), store.outbox.recover
        )
        ids = decided_orders(stalled, desk, 8)
        assert stalled.writer.flush().done == 0
        assert [e for e in desk.audit() if e["actor"].startswith("api:")] == []
        successor = Rig(store, clock, connector=build_connector(settings))
        successor.pipeline.refresh_roster()
        successor.writer.flush(backoff=False)
        assert store.outbox.counts() == {"done": 8}
        assert all(desk.ticket(i).assignee_id is not None for i in ids)
        assert repeated_writes(desk) == []
        store.close()
