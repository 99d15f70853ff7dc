"""End to end over loopback: the real connectors, the sandbox help desk, the whole sidecar."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from config.settings import Settings
from sandbox import SandboxHandle, start_sandbox
from sidecar.compose import build_sidecar
from sidecar.embedded import sandbox_settings, send_webhooks_to
from tests.sidecar.test_service import wait_for

FAST = {"poll_seconds": 1, "roster_seconds": 2, "drain_seconds": 0.3, "write_seconds": 0.3,
        "sweep_seconds": 5}  # fmt: skip


@pytest.fixture
def desk() -> Iterator[SandboxHandle]:
    with start_sandbox(
        agents=4, tickets=0, seed=3, job_delay=0.05, search_lag=0, export_lag=0
    ) as handle:
        yield handle


def api_assignments(desk: SandboxHandle) -> dict[int, int]:
    """How many times deskroute (the API user) set an assignee, per ticket."""
    counts: dict[int, int] = {}
    for entry in desk.audit():
        if "assignee_id" in entry.get("changes", {}) and entry["actor"].startswith("api"):
            counts[entry["ticket_id"]] = counts.get(entry["ticket_id"], 0) + 1
    return counts


def settings_for(helpdesk: str, desk: SandboxHandle, tmp_path: Path, **extra: Any) -> Settings:
    base = Settings(
        helpdesk=helpdesk, database_url=f"sqlite:///{tmp_path / 'e2e.sqlite3'}",  # type: ignore[arg-type]
        http={"port": 0}, scheduler=FAST, **extra,
        freshdesk={"base_url": desk.freshdesk_url, "api_key": desk.api_key},
    )  # fmt: skip
    return sandbox_settings(base, desk) if helpdesk == "zendesk" else base


@pytest.mark.parametrize("helpdesk", ["zendesk", "freshdesk"])
def test_poll_path_routes_every_new_ticket_once(
    helpdesk: str, desk: SandboxHandle, tmp_path: Path
) -> None:
    desk.create_tickets(8)
    sidecar = build_sidecar(settings_for(helpdesk, desk, tmp_path))
    sidecar.start()
    try:
        assert wait_for(lambda: desk.sandbox.status()["unassigned_open"] == 0, seconds=30)
        assert wait_for(lambda: sidecar.store.outbox.counts().get("done", 0) == 8, seconds=10)
    finally:
        sidecar.stop()
    assigned = api_assignments(desk)
    assert len(assigned) == 8 and set(assigned.values()) == {1}


def test_webhook_path_routes_tickets_the_poll_never_sees(
    desk: SandboxHandle, tmp_path: Path
) -> None:
    settings = settings_for("zendesk", desk, tmp_path)
    settings = settings.model_copy(
        update={"scheduler": settings.scheduler.model_copy(update={"poll_seconds": 3600})}
    )
    sidecar = build_sidecar(settings)
    sidecar.start()
    try:
        assert wait_for(lambda: sidecar.store.tickets.cursor("zendesk") is not None, seconds=10)
        assert sidecar.port is not None
        send_webhooks_to(desk, "127.0.0.1", sidecar.port)
        ids = desk.create_tickets(5)
        assert wait_for(lambda: all(desk.ticket(i).assignee_id for i in ids), seconds=20)
        seen = sidecar.metrics.seen.labels(via="webhook")._value.get()
    finally:
        sidecar.stop()
    assert seen >= 5
    assert set(api_assignments(desk).values()) == {1}
