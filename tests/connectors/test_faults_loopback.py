"""Both connectors ride out injected 503s and dropped connections over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from config.settings import FreshdeskSettings, ZendeskSettings
from connectors.base import Connector
from connectors.factory import freshdesk_connector, zendesk_connector
from sandbox import SandboxHandle, start_sandbox
from tests.connectors.contract import assignable, drain, request_for


@pytest.fixture(scope="module")
def desk() -> Iterator[SandboxHandle]:
    with start_sandbox(agents=4, tickets=60, job_delay=0.01, rate_limits=False) as handle:
        yield handle


def build(vendor: str, desk: SandboxHandle, slept: list[float]) -> Connector:
    common = {"retry_attempts": 12, "job_poll_seconds": 0.01, "rate_window_seconds": 1.0}
    if vendor == "zendesk":
        return zendesk_connector(ZendeskSettings.model_validate(
            {"base_url": desk.zendesk_url, "email": desk.email, "api_token": desk.api_token,
             **common}), requests.Session(), sleep=slept.append)
    return freshdesk_connector(FreshdeskSettings.model_validate(
        {"base_url": desk.freshdesk_url, "api_key": desk.api_key, **common}),
        requests.Session(), sleep=slept.append)


@pytest.mark.parametrize("vendor", ["zendesk", "freshdesk"])
def test_poll_and_bulk_writes_survive_faults(desk: SandboxHandle, vendor: str) -> None:
    slept: list[float] = []
    connector = build(vendor, desk, slept)
    connector.roster()
    desk.set_faults(error_rate=0.25, reset_rate=0.1)
    try:
        tickets, _ = drain(connector, None)
        open_ones = [t for t in tickets if t.assignee is None][:20]
        results = connector.assign_many([request_for(t, *assignable(connector, t))
                                         for t in open_ones])
    finally:
        desk.set_faults(error_rate=0, reset_rate=0)
    assert len({t.id for t in tickets}) >= 60
    assert [r.outcome for r in results] == ["ok"] * len(open_ones)
    assert connector.transport.stats.retries > 0  # type: ignore[attr-defined]
    for ticket in open_ones:
        assert desk.ticket(ticket.id).assignee_id is not None
