"""A person racing a bulk write, on a sandbox whose ``update_many`` ignores the per-ticket guard.

Zendesk documents ``safe_update`` for the single update only; the sandbox's default profile
takes the less convenient reading and lets a batch overwrite. The connector must find the
race in the ticket's audits and put the person's assignment back.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
import requests

from config.settings import ZendeskSettings
from connectors.factory import zendesk_connector
from connectors.zendesk import ZendeskConnector
from sandbox import SandboxHandle, start_sandbox
from sandbox.ledger import tally
from tests.connectors.contract import DeskHarness, assignable, fresh_tickets, request_for

JOB_DELAY = 0.6
"""Seconds between ``update_many`` and the job running: the window a person races into."""


@pytest.fixture
def desk() -> Iterator[SandboxHandle]:
    with start_sandbox(
        agents=4, job_delay=JOB_DELAY, rate_limits=False, search_lag=0, export_lag=0
    ) as handle:
        assert not handle.zendesk_profile.bulk_safe_update
        yield handle


def harness(desk: SandboxHandle) -> DeskHarness:
    connector = zendesk_connector(
        ZendeskSettings(
            base_url=desk.zendesk_url,
            email=desk.email,
            api_token=desk.api_token,
            job_poll_seconds=0.05,
            rate_window_seconds=1.0,
        ),
        requests.Session(),
    )
    return DeskHarness(
        connector=connector,
        create_tickets=lambda n: [str(i) for i in desk.create_tickets(n)],
        touch=lambda _: None,
        owner_of=lambda tid: _owner(desk, tid),
    )


def _owner(desk: SandboxHandle, ticket_id: str) -> str | None:
    owner = desk.ticket(ticket_id).assignee_id
    return None if owner is None else str(owner)


def take_once_queued(desk: SandboxHandle, ticket_id: str, agent_id: str) -> threading.Thread:
    """A person assigns ``ticket_id`` as soon as a bulk job is queued (before it runs)."""

    def race() -> None:
        deadline = time.monotonic() + 10
        while not desk.sandbox.desk.jobs and time.monotonic() < deadline:
            time.sleep(0.005)
        desk.sandbox.desk.update_ticket(
            int(ticket_id), {"assignee_id": int(agent_id)}, "human:Racer"
        )

    thread = threading.Thread(target=race, daemon=True)
    thread.start()
    return thread


def test_a_person_who_took_a_ticket_while_the_job_was_queued_gets_it_back(
    desk: SandboxHandle,
) -> None:
    h = harness(desk)
    tickets = fresh_tickets(h, 6)
    requests_ = [request_for(t, *assignable(h, t)) for t in tickets]
    raced, ours = tickets[2], requests_[2].agent_id
    person = next(a.id for a in h.agents if a.id != ours)
    racer = take_once_queued(desk, raced.id, person)
    connector = h.connector
    assert isinstance(connector, ZendeskConnector)
    results = connector.assign_many(requests_)
    racer.join()
    by_ticket = {r.ticket_id: r for r in results}
    assert by_ticket[raced.id].outcome == "conflict", by_ticket[raced.id].detail
    assert "put back" in by_ticket[raced.id].detail
    assert _owner(desk, raced.id) == person
    assert all(r.ok for tid, r in by_ticket.items() if tid != raced.id)
    ledger = tally(
        desk.audit(),
        router_actor=f"api:{desk.email}",
        max_moves=0,
        decisions={r.ticket_id: {r.agent_id} for r in requests_},
    )
    assert ledger.overwrote_human == 0 and ledger.restored == 1


def test_the_person_gets_the_ticket_back_although_our_agent_already_worked_it(
    desk: SandboxHandle,
) -> None:
    """Our unguarded write replaced a person's choice and the agent we wrote answered the
    ticket before the check read its audits: that work does not settle the owner, so the
    check still puts the person's assignment back (guarded by the latest audit)."""
    h = harness(desk)
    (ticket,) = fresh_tickets(h, 1)
    request = request_for(ticket, *assignable(h, ticket))
    ours = next(a for a in h.agents if a.id == request.agent_id)
    person = next(a.id for a in h.agents if a.id != ours.id)
    store, tid = desk.sandbox.desk, int(ticket.id)
    time.sleep(1.1)  # audits are stamped to the second: the person's change is after our read
    store.update_ticket(tid, {"assignee_id": int(person)}, "human:Racer")
    store.update_ticket(tid, {"assignee_id": int(ours.id)}, f"api:{desk.email}")
    time.sleep(1.1)
    store.update_ticket(tid, {"status": "pending"}, f"human:{ours.name}")
    connector = h.connector
    assert isinstance(connector, ZendeskConnector)
    found = connector.find_overwrites([request])
    assert found[ticket.id].outcome == "conflict" and "put back" in found[ticket.id].detail
    assert _owner(desk, ticket.id) == person
