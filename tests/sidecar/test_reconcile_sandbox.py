"""A new store finds old tickets (issue 16, item 5): a whole sidecar started on an empty
store against the sandbox routes an open unassigned ticket older than its poll's lookback,
through the reconciliation sweep, on the Zendesk and the Freshdesk face. With the sweep
off, the same ticket stays unrouted: polling alone never reaches it."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from sandbox import SandboxHandle, start_sandbox
from sandbox.seed import REQUESTER_BASE
from sidecar.compose import build_sidecar
from sidecar.service import utc_now
from tests.sidecar.test_sandbox_e2e import settings_for
from tests.sidecar.test_service import wait_for

VENDORS = [pytest.param("zendesk", id="zendesk"), pytest.param("freshdesk", id="freshdesk")]
LOOKBACK_MINUTES = 60


@pytest.fixture
def desk() -> Iterator[SandboxHandle]:
    with start_sandbox(
        agents=3, tickets=0, seed=11, job_delay=0.01, search_lag=0, export_lag=0
    ) as handle:
        yield handle


def old_ticket(desk: SandboxHandle) -> int:
    """A customer wrote in three hours ago and nobody has touched the ticket since."""
    opened = (utc_now() - timedelta(minutes=3 * LOOKBACK_MINUTES)).replace(microsecond=0)
    record = desk.sandbox.desk.create_ticket(
        "customer", subject="Still waiting for my refund", description="Any news?",
        requester_id=REQUESTER_BASE + 1, created_at=opened,
    )  # fmt: skip
    return record.id


@pytest.mark.parametrize("vendor", VENDORS)
def test_an_old_unassigned_ticket_is_routed_after_starting_on_an_empty_store(
    vendor: str, desk: SandboxHandle, tmp_path: Path
) -> None:
    ticket = old_ticket(desk)
    settings = settings_for(vendor, desk, tmp_path, reconcile={"interval_seconds": 2})
    assert settings.zendesk.start_lookback_minutes == LOOKBACK_MINUTES
    sidecar = build_sidecar(settings)
    sidecar.start()
    try:
        assert wait_for(lambda: desk.ticket(ticket).assignee_id is not None, seconds=30)
        assert sidecar.metrics.recovered._value.get() == 1
        assert sidecar.metrics.seen.labels(via="reconcile")._value.get() == 1
    finally:
        sidecar.stop()


@pytest.mark.parametrize("vendor", VENDORS)
def test_without_the_sweep_polling_never_reaches_an_old_unassigned_ticket(
    vendor: str, desk: SandboxHandle, tmp_path: Path
) -> None:
    ticket = old_ticket(desk)
    fresh = desk.create_tickets(1)[0]
    sidecar = build_sidecar(settings_for(vendor, desk, tmp_path, reconcile={"enabled": False}))
    sidecar.start()
    try:
        assert wait_for(lambda: desk.ticket(fresh).assignee_id is not None, seconds=30)
        time.sleep(3)  # three more polls
        assert desk.ticket(ticket).assignee_id is None
    finally:
        sidecar.stop()
