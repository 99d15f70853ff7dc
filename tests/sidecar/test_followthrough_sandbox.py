"""Follow-through over the real connectors and the sandbox: no first reply, and reopening.

The sandbox keeps real time; the sidecar's clock is a ``FakeClock`` started at the real
now, so the first-reply limit can pass without waiting. Status and first reply reach the
sidecar only through each connector's mapping (``metric_sets`` / ``include=stats``).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from connectors.factory import build_connector
from router.model import Priority
from sandbox import SandboxHandle, start_sandbox
from sidecar import lifecycle
from sidecar.service import utc_now
from sidecar.store import Store, on_clock
from tests.sidecar.builders import Rig
from tests.sidecar.fakes import FakeClock
from tests.sidecar.test_sandbox_e2e import settings_for

VENDORS = [pytest.param("zendesk", id="zendesk"), pytest.param("freshdesk", id="freshdesk")]
URGENT_LIMIT_MINUTES = 30


@pytest.fixture
def desk() -> Iterator[SandboxHandle]:
    with start_sandbox(
        agents=3, tickets=0, seed=5, job_delay=0.01, rate_limits=False, search_lag=0, export_lag=0
    ) as handle:
        yield handle


@pytest.fixture(params=VENDORS)
def rig(request: pytest.FixtureRequest, desk: SandboxHandle, tmp_path: Path) -> Iterator[Rig]:
    """The sidecar's pipeline and writer over one vendor's connector to the sandbox."""
    vendor = request.param
    # A one-second rate window: Zendesk's 10-a-minute export budget would pace the polls.
    settings = settings_for(vendor, desk, tmp_path, zendesk={"rate_window_seconds": 1.0})
    clock = FakeClock(utc_now())
    store = Store.open(str(settings.database_url), "replica-a", clock(), due_clock=on_clock(clock))
    yield Rig(
        store,
        clock,
        connector=build_connector(settings),
        follow_through={"first_reply_minutes_urgent": URGENT_LIMIT_MINUTES},
    )
    store.close()


def route_once(rig: Rig) -> None:
    """One leader round, then a poll that takes in our own write's echo."""
    rig.cycle()
    rig.pipeline.poll()


def customer_writes_in(desk: SandboxHandle, priority: str = "urgent") -> int:
    ticket = desk.sandbox.desk.create_ticket(
        "customer", subject="Refund missing", description="Where is my refund?", priority=priority
    )
    return ticket.id


def routed_urgent_ticket(rig: Rig, desk: SandboxHandle) -> tuple[int, int]:
    """A customer's urgent ticket, routed by the sidecar: its id and the assignee's id.

    The sidecar's copy comes through the connector's mapping: urgent, and known to have no
    first reply yet.
    """
    ticket_id = customer_writes_in(desk)
    route_once(rig)
    assignee = desk.ticket(ticket_id).assignee_id
    stored = rig.store.tickets.get(str(ticket_id))
    assert assignee is not None and stored is not None
    assert stored.ticket.priority is Priority.URGENT
    assert lifecycle.reply_known(stored.ticket) and lifecycle.first_reply_at(stored.ticket) is None
    return ticket_id, assignee


def causes(rig: Rig, ticket_id: int) -> list[str]:
    return [entry["cause"] for entry in rig.store.decisions.history(str(ticket_id))]


def test_an_urgent_ticket_without_a_first_reply_moves_to_someone_else(
    rig: Rig, desk: SandboxHandle
) -> None:
    ticket_id, first = routed_urgent_ticket(rig, desk)
    rig.clock.advance((URGENT_LIMIT_MINUTES - 1) * 60)
    assert rig.pipeline.sweep() == 0
    rig.clock.advance(2 * 60)
    assert rig.pipeline.sweep() == 1
    rig.writer.flush()
    assert desk.ticket(ticket_id).assignee_id not in (first, None)
    assert causes(rig, ticket_id) == ["new", "no_reply"]


def test_a_ticket_whose_agent_replied_stays_put(rig: Rig, desk: SandboxHandle) -> None:
    ticket_id, first = routed_urgent_ticket(rig, desk)
    assert desk.sandbox.humans.reply(ticket_id) == ticket_id  # the assignee answers publicly
    rig.pipeline.poll()
    stored = rig.store.tickets.get(str(ticket_id))
    assert stored is not None and lifecycle.first_reply_at(stored.ticket) is not None
    rig.clock.advance(2 * URGENT_LIMIT_MINUTES * 60)
    assert rig.pipeline.sweep() == 0
    assert desk.ticket(ticket_id).assignee_id == first
    assert rig.state(str(ticket_id)) == lifecycle.ASSIGNED


def test_a_ticket_reopened_while_its_assignee_is_offline_moves(
    rig: Rig, desk: SandboxHandle
) -> None:
    ticket_id = customer_writes_in(desk, priority="normal")
    people = desk.sandbox.desk
    owner, *others = sorted(people.agents)
    people.update_ticket(ticket_id, {"assignee_id": owner}, "human:lead")
    route_once(rig)
    assert rig.state(str(ticket_id)) == lifecycle.HUMAN
    people.update_ticket(ticket_id, {"status": "solved"}, "human:owner")
    rig.pipeline.poll()
    assert rig.state(str(ticket_id)) == lifecycle.CLOSED
    desk.set_availability(owner, False)
    people.update_ticket(ticket_id, {"status": "open"}, "customer")
    rig.pipeline.poll()
    assert rig.state(str(ticket_id)) == lifecycle.REOPENED
    rig.pipeline.refresh_roster()
    assert rig.pipeline.sweep() == 0  # the owner may be back within the grace period
    assert rig.state(str(ticket_id)) == lifecycle.REOPENED
    rig.clock.advance(60 * rig.pipeline.settings.follow_through.reopened_grace_minutes)
    assert rig.pipeline.sweep() == 1
    rig.writer.flush()
    assert desk.ticket(ticket_id).assignee_id in others
    assert causes(rig, ticket_id) == ["reopened"]
