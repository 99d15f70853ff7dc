"""A widely used client library reads the sandbox as it reads the real service.

python-freshdesk (BSD-2-Clause, sjkingo/python-freshdesk) parses every object's
``created_at``/``updated_at`` and fails on a null one, and reads tickets, conversations,
agents, groups and contacts with the shapes of the Freshdesk v2 docs. It only speaks
HTTPS to ``*.freshdesk.com``, so the test points its one URL prefix (``_api_prefix``, the
attribute every request is built from in the pinned version) at the loopback sandbox.
"""

from __future__ import annotations

from importlib.metadata import version

import pytest

from sandbox import SandboxHandle
from sandbox.directory import API_USER_ID

freshdesk_api = pytest.importorskip("freshdesk.v2.api")
PINNED = "1.3.9"


@pytest.fixture
def client(desk: SandboxHandle) -> object:
    assert version("python-freshdesk") == PINNED, "the URL seam below is pinned to 1.3.9"
    api = freshdesk_api.API("sandbox.freshdesk.com", desk.api_key)
    assert api._api_prefix == "https://sandbox.freshdesk.com/api/v2/"
    api._api_prefix = f"{desk.freshdesk_url}/api/v2/"
    return api


def test_python_freshdesk_reads_tickets_people_and_conversations(
    client: object, desk: SandboxHandle
) -> None:
    api = client
    (ticket_id,) = desk.create_tickets(1)
    note = api.comments.create_note(ticket_id, "<p>checking</p>")  # type: ignore[attr-defined]
    assert note.private is True and note.source == "note"
    ticket = api.tickets.get_ticket(ticket_id, "requester", "stats")  # type: ignore[attr-defined]
    assert ticket.id == ticket_id and ticket.requester["id"] == ticket.requester_id
    assert ticket.created_at.tzinfo is not None
    (listed,) = api.comments.list_comments(ticket_id)  # type: ignore[attr-defined]
    assert listed.body_text == "checking"
    assert api.agents.currently_authenticated_agent().id == API_USER_ID  # type: ignore[attr-defined]
    agent_id = min(desk.sandbox.desk.agents)
    assert api.agents.get_agent(agent_id).contact["email"]  # type: ignore[attr-defined]
    groups = api.groups.list_groups()  # type: ignore[attr-defined]
    assert {g.id for g in groups} == set(desk.sandbox.desk.groups)
    assert api.groups.get_group(groups[0].id).agent_ids  # type: ignore[attr-defined]
    contact = api.contacts.get_contact(desk.ticket(ticket_id).requester_id)  # type: ignore[attr-defined]
    assert contact.email.endswith(".invalid")


def test_python_freshdesk_lists_new_and_my_open_tickets_by_default(
    client: object, desk: SandboxHandle
) -> None:
    """The library's ``list_tickets`` sends ``filter=new_and_my_open`` unless told not to."""
    api = client
    (ticket_id,) = desk.create_tickets(1)
    mine = {t.id for t in api.tickets.list_tickets()}  # type: ignore[attr-defined]
    assert ticket_id in mine
    assert all(t.status == "open" for t in api.tickets.list_tickets())  # type: ignore[attr-defined]
