"""Both connectors ride out injected 503s and dropped connections over real HTTP."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
import requests

from config.settings import FreshdeskSettings, ZendeskSettings
from connectors.base import Connector
from connectors.errors import RetriableError
from connectors.factory import freshdesk_connector, zendesk_connector
from sandbox import SandboxHandle, start_sandbox
from tests.connectors.contract import DeskHarness, assignable, drain, request_for


@pytest.fixture(scope="module")
def desk() -> Iterator[SandboxHandle]:
    with start_sandbox(
        agents=4, tickets=60, job_delay=0.01, rate_limits=False, search_lag=0, export_lag=0
    ) as handle:
        yield handle


def build(vendor: str, desk: SandboxHandle, slept: list[float], timeout: float = 30.0) -> Connector:
    common = {
        "retry_attempts": 12,
        "job_poll_seconds": 0.01,
        "rate_window_seconds": 1.0,
        "timeout_seconds": timeout,
    }
    if vendor == "zendesk":
        return zendesk_connector(
            ZendeskSettings.model_validate(
                {
                    "base_url": desk.zendesk_url,
                    "email": desk.email,
                    "api_token": desk.api_token,
                    **common,
                }
            ),
            requests.Session(),
            sleep=slept.append,
        )
    return freshdesk_connector(
        FreshdeskSettings.model_validate(
            {"base_url": desk.freshdesk_url, "api_key": desk.api_key, **common}
        ),
        requests.Session(),
        sleep=slept.append,
    )


@pytest.mark.parametrize("vendor", ["zendesk", "freshdesk"])
def test_poll_and_bulk_writes_survive_faults(desk: SandboxHandle, vendor: str) -> None:
    slept: list[float] = []
    connector = build(vendor, desk, slept)
    harness = DeskHarness(
        connector=connector, create_tickets=lambda _: [], touch=print, owner_of=lambda _: None
    )
    assignable(harness, connector.fetch("1"))  # reads the roster before the weather turns
    desk.set_faults(error_rate=0.5, reset_rate=0.1)  # 12 attempts see a request through
    try:
        tickets, _ = drain(connector, None)
        open_ones = [t for t in tickets if t.assignee is None][:20]
        desk.set_faults(reset_rate=0)  # a dropped write is ambiguous: see the next test
        results = connector.assign_many(
            [request_for(t, *assignable(harness, t)) for t in open_ones]
        )
    finally:
        desk.set_faults(error_rate=0, reset_rate=0)
    assert len({t.id for t in tickets}) >= 60
    assert connector.transport.stats.retries > 0  # type: ignore[attr-defined]
    if vendor == "zendesk":  # guarded writes: a 503 is retried at once
        assert [r.outcome for r in results] == ["written"] * len(open_ones)
    else:  # unguarded: a write is sent once; the outbox re-checks and sends a failed one later
        assert {r.outcome for r in results} <= {"written", "retry_later"}
        assert sum(r.ok for r in results) >= len(results) // 2
    for ticket, result in zip(open_ones, results, strict=True):
        if result.ok:
            assert desk.ticket(ticket.id).assignee_id is not None


@pytest.mark.parametrize("vendor", ["zendesk", "freshdesk"])
def test_a_write_whose_answer_is_lost_is_reported_not_sent_again(
    desk: SandboxHandle, vendor: str
) -> None:
    """The connection drops after the desk took the write: sending it again would assign
    twice, so the connector reports it failed and leaves the re-check to the outbox."""
    connector = build(vendor, desk, [], timeout=0.5)
    harness = DeskHarness(
        connector=connector, create_tickets=lambda _: [], touch=print, owner_of=lambda _: None
    )
    ticket = connector.fetch(str(desk.create_tickets(1)[0]))
    request = request_for(ticket, *assignable(harness, ticket))
    writes_before = _router_writes(desk, ticket.id)
    desk.set_faults(timeout_rate=1.0, timeout_seconds=1.0)  # lands; the answer comes too late
    try:
        with pytest.raises(RetriableError):  # Zendesk: AmbiguousWriteError on the PUT
            connector.assign(request)
    finally:
        desk.set_faults(timeout_rate=0)
    time.sleep(1.0)  # the hang ends and the sandbox carries the write out
    assert _router_writes(desk, ticket.id) - writes_before <= 1


def _router_writes(desk: SandboxHandle, ticket_id: str) -> int:
    return sum(
        1
        for entry in desk.audit()
        if str(entry.get("ticket_id")) == ticket_id
        and entry["actor"].startswith("api:")
        and "assignee_id" in entry["changes"]
    )
