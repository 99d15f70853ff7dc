"""Auth failures (issue 16, item 4): a 401/403 from the help desk pauses the writer and the
jobs, says why in /readyz and a metric, retries with backoff, and parks nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from config.settings import Settings
from connectors.errors import FatalError
from sidecar import lifecycle
from sidecar.access import DeskAccess, DeskAccessRefusedError
from sidecar.http import AppContext, create_app
from sidecar.store import Store, on_clock
from tests.sidecar.builders import Rig
from tests.sidecar.fakes import FakeClock

REVOKED = FatalError("Couldn't authenticate you", status=401)


@pytest.fixture
def rig(tmp_path: Path, clock: FakeClock) -> Rig:
    made = Rig(
        Store.open(f"sqlite:///{tmp_path / 'a.sqlite3'}", "r", clock(), due_clock=on_clock(clock)),
        clock,
    )
    made.desk.add_agent("ann")
    return made


@pytest.mark.parametrize("status", [401, 403])
@pytest.mark.parametrize("tickets", [pytest.param(1, id="single"), pytest.param(6, id="bulk")])
def test_revoked_credentials_park_nothing_and_the_writes_go_out_once_restored(
    rig: Rig, status: int, tickets: int
) -> None:
    """The issue's reproduction: every write in flight was parked until a person touched it."""
    ids = [str(n) for n in range(1, tickets + 1)]
    for ticket in ids:
        rig.desk.new_ticket(ticket)
    rig.pipeline.refresh_roster()
    rig.pipeline.poll()
    rig.pipeline.route()
    rig.desk.faults.append(FatalError("credentials refused", status=status))
    with pytest.raises(DeskAccessRefusedError):
        rig.writer.flush()
    assert rig.store.outbox.counts() == {"pending": tickets}
    assert {rig.state(t) for t in ids} == {lifecycle.ROUTED}
    again = rig.store.outbox.claim(rig.clock(), 100)
    assert {row.attempts for row in again} == {0}  # the refused attempt does not count
    rig.store.outbox.release(again)
    rig.writer.flush()  # credentials restored
    assert {rig.state(t) for t in ids} == {lifecycle.ASSIGNED}
    assert rig.store.outbox.counts() == {"done": tickets}


def test_a_refusal_pauses_with_a_growing_backoff_until_a_job_runs_through() -> None:
    now = [0.0]
    access = DeskAccess(monotonic=lambda: now[0])
    assert not access.waiting and access.reason is None
    assert [access.refused(REVOKED) for _ in range(8)] == [1, 2, 4, 8, 16, 32, 60, 60]
    assert access.waiting and "HTTP 401" in str(access.reason)
    now[0] = 61.0
    assert not access.waiting  # time to try again; still refused until a job runs through
    access.answered()
    assert access.reason is None and access.refused(REVOKED) == 1


def test_readiness_says_the_help_desk_refused_our_credentials(rig: Rig, clock: FakeClock) -> None:
    access = DeskAccess()
    access.refused(REVOKED)
    ctx = AppContext(
        settings=Settings(), store=rig.store, metrics=rig.metrics, clock=clock,
        is_leader=lambda: True, ready=lambda: True, kick=lambda: None, accepting=lambda: True,
        desk_refused=lambda: access.reason,
    )  # fmt: skip
    with TestClient(create_app(ctx)) as http:
        answer = http.get("/readyz")
    assert answer.status_code == 503
    assert answer.json()["reason"] == "help desk refused our credentials"
