"""Both connectors pass the connector contract against the sandbox over loopback HTTP."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
import requests

from config.settings import FreshdeskSettings, ZendeskSettings
from connectors.factory import freshdesk_connector, zendesk_connector
from sandbox import SandboxHandle, start_sandbox
from tests.connectors.contract import CASES, DeskHarness


@pytest.fixture(scope="module")
def desk() -> Iterator[SandboxHandle]:
    with start_sandbox(agents=6, job_delay=0.01, rate_limits=False) as handle:
        yield handle


def _harness(desk: SandboxHandle, vendor: str) -> DeskHarness:
    session = requests.Session()
    if vendor == "zendesk":
        connector = zendesk_connector(ZendeskSettings(
            base_url=desk.zendesk_url, email=desk.email, api_token=desk.api_token,
            job_poll_seconds=0.01, rate_window_seconds=1.0), session)
    else:
        connector = freshdesk_connector(FreshdeskSettings(
            base_url=desk.freshdesk_url, api_key=desk.api_key, job_poll_seconds=0.01), session)

    def create(count: int) -> list[str]:
        return [str(i) for i in desk.create_tickets(count)]

    def touch(ticket_id: str) -> None:
        desk.sandbox.desk.update_ticket(int(ticket_id), {"priority": "urgent"}, "human:tester")

    def owner_of(ticket_id: str) -> str | None:
        owner = desk.ticket(ticket_id).assignee_id
        return None if owner is None else str(owner)

    return DeskHarness(connector=connector, create_tickets=create, touch=touch,
                       owner_of=owner_of)


@pytest.mark.parametrize("vendor", ["zendesk", "freshdesk"])
@pytest.mark.parametrize("case", CASES)
def test_connector_contract(case: Callable[[DeskHarness], None], vendor: str,
                            desk: SandboxHandle) -> None:
    case(_harness(desk, vendor))
