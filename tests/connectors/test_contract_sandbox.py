"""Both connectors pass the connector contract against every sandbox account profile.

Each profile is a real account variant (docs/sandbox.md, "Account profiles"): Zendesk with
and without omnichannel routing, skills, schedules or deskroute's user fields, Freshdesk
plans with and without skills. The lags are off here (each case would otherwise wait out a
minute of export lag); tests/sandbox covers them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
import requests

from config.settings import FreshdeskSettings, ZendeskSettings
from connectors.factory import freshdesk_connector, zendesk_connector
from sandbox import SandboxHandle, start_sandbox
from sandbox.profiles import PROFILES, FreshdeskProfile
from tests.connectors.contract import CASES, DeskHarness


@dataclass(frozen=True)
class Account:
    """A running sandbox and the face whose profile it imitates."""

    desk: SandboxHandle
    vendor: str


@pytest.fixture(scope="module", params=sorted(PROFILES))
def account(request: pytest.FixtureRequest) -> Iterator[Account]:
    name = request.param
    vendor = "freshdesk" if isinstance(PROFILES[name], FreshdeskProfile) else "zendesk"
    with start_sandbox(
        agents=6,
        job_delay=0.01,
        rate_limits=False,
        search_lag=0,
        export_lag=0,
        **{f"{vendor}_profile": name},
    ) as handle:
        yield Account(desk=handle, vendor=vendor)


def _harness(desk: SandboxHandle, vendor: str) -> DeskHarness:
    session = requests.Session()
    if vendor == "zendesk":
        connector = zendesk_connector(
            ZendeskSettings(
                base_url=desk.zendesk_url,
                email=desk.email,
                api_token=desk.api_token,
                job_poll_seconds=0.01,
                rate_window_seconds=1.0,
            ),
            session,
        )
    else:
        connector = freshdesk_connector(
            FreshdeskSettings(
                base_url=desk.freshdesk_url, api_key=desk.api_key, job_poll_seconds=0.01
            ),
            session,
        )

    def create(count: int) -> list[str]:
        return [str(i) for i in desk.create_tickets(count)]

    def touch(ticket_id: str) -> None:
        desk.sandbox.desk.update_ticket(int(ticket_id), {"priority": "urgent"}, "human:tester")

    def owner_of(ticket_id: str) -> str | None:
        owner = desk.ticket(ticket_id).assignee_id
        return None if owner is None else str(owner)

    def take(ticket_id: str, agent_id: str) -> None:
        desk.sandbox.desk.update_ticket(
            int(ticket_id), {"assignee_id": int(agent_id)}, "human:tester"
        )

    return DeskHarness(
        connector=connector, create_tickets=create, touch=touch, owner_of=owner_of, take=take
    )


@pytest.mark.parametrize("case", CASES)
def test_connector_contract(case: Callable[[DeskHarness], None], account: Account) -> None:
    case(_harness(account.desk, account.vendor))
