"""The shared connector contract (tests/connectors/contract.py) against a real RT 5."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from connectors.rt import from_settings
from tests.connectors.contract import CASES, DeskHarness
from tests.integration.rt.conftest import RtDesk, RtServer


def rt_harness(server: RtServer, desk: RtDesk) -> DeskHarness:
    """Billing only, owned by its group, so every roster agent may own every ticket."""
    connector = from_settings(
        server.settings(queues=("Billing",), owner_groups=("Billing Agents",))
    )

    def create(count: int) -> list[str]:
        return [desk.create("Billing", f"contract ticket {n}") for n in range(count)]

    def touch(ticket_id: str) -> None:
        time.sleep(1.1)  # RT keeps whole seconds: the change must land in a later one
        desk.update(ticket_id, Priority=80)

    def owner_of(ticket_id: str) -> str | None:
        owner = desk.owner(ticket_id)
        return None if owner == "Nobody" else owner

    return DeskHarness(connector=connector, create_tickets=create, touch=touch, owner_of=owner_of)


@pytest.mark.parametrize("case", CASES)
def test_connector_contract(
    case: Callable[[DeskHarness], None], rt_server: RtServer, desk: RtDesk
) -> None:
    case(rt_harness(rt_server, desk))
