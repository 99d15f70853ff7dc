"""The write path over the real connectors and the sandbox: a conflict costs one re-read,
and an agent the help desk refuses (deleted since the decision) is decided around.

Each case would have shown the old write path: the Zendesk connector re-read the ticket
after a 409 and the writer read it again; a 422 for a deleted assignee parked the ticket.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from connectors.factory import build_connector
from sandbox import SandboxHandle
from sidecar import lifecycle
from sidecar.service import utc_now
from sidecar.store import Store
from tests.sidecar.builders import Rig
from tests.sidecar.fakes import FakeClock
from tests.sidecar.test_followthrough_sandbox import customer_writes_in, desk  # noqa: F401
from tests.sidecar.test_sandbox_e2e import settings_for

VENDORS = [pytest.param("zendesk", id="zendesk"), pytest.param("freshdesk", id="freshdesk")]


class Wire:
    """Every request a connector sends (method and path), from the session's response hook."""

    def __init__(self) -> None:
        self.session = requests.Session()
        self.calls: list[tuple[str, str]] = []
        self.session.hooks["response"].append(self._seen)

    def _seen(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        request = response.request
        self.calls.append((str(request.method), str(request.path_url).split("?")[0]))

    def reads_of(self, path: str) -> int:
        return sum(1 for method, seen in self.calls if method == "GET" and seen == path)


@pytest.fixture
def wire() -> Wire:
    return Wire()


@pytest.fixture(params=VENDORS)
def rig(
    request: pytest.FixtureRequest,
    desk: SandboxHandle,  # noqa: F811
    tmp_path: Path,
    wire: Wire,
) -> Iterator[Rig]:
    """The sidecar's pipeline and writer over one vendor's connector to the sandbox."""
    settings = settings_for(request.param, desk, tmp_path, zendesk={"rate_window_seconds": 1.0})
    clock = FakeClock(utc_now())
    store = Store.open(str(settings.database_url), "replica-a", clock())
    yield Rig(store, clock, connector=build_connector(settings, session=wire.session))
    store.close()


def decided(rig: Rig, desk: SandboxHandle) -> tuple[int, str]:  # noqa: F811
    """A customer's ticket, decided and in the outbox (not written yet): its id and agent."""
    ticket_id = customer_writes_in(desk)
    rig.pipeline.refresh_roster()
    rig.pipeline.poll()
    rig.pipeline.route()
    row = rig.store.tickets.get(str(ticket_id))
    assert row is not None and row.state == lifecycle.ROUTED and row.our_agent is not None
    return ticket_id, row.our_agent


@pytest.mark.parametrize("rig", [VENDORS[0]], indirect=True)
def test_a_zendesk_conflict_reads_the_ticket_once(
    rig: Rig,
    desk: SandboxHandle,  # noqa: F811
    wire: Wire,
) -> None:
    """A person takes the ticket between our read and our write: the guarded update is
    refused (409), the ticket is read once, and it is the person's."""
    ticket_id, ours = decided(rig, desk)
    person = next(a for a in desk.sandbox.desk.agents if str(a) != ours)
    desk.sandbox.desk.update_ticket(ticket_id, {"assignee_id": person}, "human:lead")
    wire.calls.clear()
    assert rig.writer.flush().conflicts == 1
    assert wire.reads_of(f"/zendesk/api/v2/tickets/{ticket_id}.json") == 1
    assert rig.state(str(ticket_id)) == lifecycle.HUMAN
    assert desk.ticket(ticket_id).assignee_id == person


def test_an_agent_deleted_after_the_decision_is_decided_around(
    rig: Rig,
    desk: SandboxHandle,  # noqa: F811
) -> None:
    """The chosen agent is deleted before the write: the help desk refuses them (Zendesk
    422 ``RecordInvalid`` on ``assignee``, Freshdesk 400 on ``responder_id``), the ticket
    goes back to pending and the next pass gives it to someone else; nothing is parked."""
    ticket_id, gone = decided(rig, desk)
    with desk.sandbox.desk.lock:
        del desk.sandbox.desk.agents[int(gone)]
    assert rig.writer.flush().redecided == 1
    assert rig.state(str(ticket_id)) == lifecycle.PENDING
    assert desk.ticket(ticket_id).assignee_id is None
    rig.pipeline.route()
    rig.writer.flush()
    assignee = desk.ticket(ticket_id).assignee_id
    assert assignee is not None and str(assignee) != gone
    assert rig.state(str(ticket_id)) == lifecycle.ASSIGNED
    assert rig.store.outbox.counts() == {"superseded": 1, "done": 1}


@pytest.mark.parametrize("rig", [VENDORS[0]], indirect=True)
def test_an_agent_deleted_before_a_bulk_write_is_decided_around_not_parked(
    rig: Rig,
    desk: SandboxHandle,  # noqa: F811
) -> None:
    """Issue 16: inside a bulk job the help desk's refusal of the chosen agent is a line of
    words ("Assignee is not a member of the group", "assignee 7 is not an agent"); it parked
    the ticket. Now the tickets go back to pending and are decided without that agent."""
    ids = [customer_writes_in(desk) for _ in range(9)]
    rig.pipeline.refresh_roster()
    rig.pipeline.poll()
    rig.pipeline.route()
    chosen = {str(i): rig.store.tickets.get(str(i)).our_agent for i in ids}  # type: ignore[union-attr]
    gone = max(set(chosen.values()), key=list(chosen.values()).count)
    with desk.sandbox.desk.lock:
        del desk.sandbox.desk.agents[int(str(gone))]
    flushed = rig.writer.flush()
    assert flushed.bulk and flushed.parked == 0
    assert flushed.redecided == sum(1 for agent in chosen.values() if agent == gone)
    rig.pipeline.route()
    rig.writer.flush()
    assert all(desk.ticket(i).assignee_id not in (None, int(str(gone))) for i in ids)
