"""Polling past Freshdesk's page wall over real HTTP: every ticket once, none lost."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta

import pytest
import requests

from config.settings import FreshdeskSettings
from connectors.factory import freshdesk_connector
from connectors.freshdesk import FreshdeskConnector
from sandbox import SandboxHandle, start_sandbox
from tests.connectors.contract import drain

TICKETS = 450


@pytest.fixture(scope="module")
def desk() -> Iterator[SandboxHandle]:
    with start_sandbox(
        agents=2, rate_limits=False, page_wall=2, search_lag=0, export_lag=0
    ) as handle:
        store = handle.sandbox.desk
        start = store.clock() - timedelta(minutes=30)
        for number in range(TICKETS):  # five tickets per second, oldest first
            store.create_ticket(
                "customer",
                subject=f"t{number}",
                description="d",
                created_at=start + timedelta(seconds=number // 5),
            )
        yield handle


def connector(desk: SandboxHandle, client_wall: int) -> FreshdeskConnector:
    built = freshdesk_connector(
        FreshdeskSettings(
            base_url=desk.freshdesk_url,
            api_key=desk.api_key,
            start_lookback_minutes=60,
            rate_window_seconds=1.0,
        ),
        requests.Session(),
    )
    built.options = replace(built.options, page_wall=client_wall)
    return built


@pytest.mark.parametrize(
    "client_wall",
    [
        pytest.param(2, id="client-knows-the-wall"),
        pytest.param(300, id="server-wall-lower-than-expected-400-restart"),
    ],
)
def test_every_ticket_arrives_exactly_once(desk: SandboxHandle, client_wall: int) -> None:
    tickets, _ = drain(connector(desk, client_wall), None)
    ids = [t.id for t in tickets]
    assert len(ids) == len(set(ids)) == TICKETS
