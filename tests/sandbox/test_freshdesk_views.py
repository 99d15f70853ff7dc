"""Freshdesk's ticket views, embeds and conversations, as developer.freshdesk.com/api/ has them.

``filter`` (#list_all_tickets): ``new_and_my_open``, ``watching``, ``spam``, ``deleted``;
spam and deleted tickets show only under their own filter. ``include``: ``requester``
adds {id, name, email, mobile, phone}, ``stats`` the response and resolution moments.
Notes and replies answer the whole conversation and are listed by ``conversations``.
"""

from __future__ import annotations

from typing import Any

import pytest
import requests

from sandbox import SandboxHandle
from sandbox.directory import API_USER_ID

EVERYTHING = {"updated_since": "2000-01-01T00:00:00Z", "per_page": 100}


def api(desk: SandboxHandle, path: str) -> str:
    return f"{desk.freshdesk_url}/api/v2{path}"


def listed(fd: requests.Session, desk: SandboxHandle, **params: Any) -> set[int]:
    """Ids of every ticket a view lists (all pages)."""
    url: str | None = api(desk, "/tickets")
    query: dict[str, Any] | None = {**EVERYTHING, **params}
    found: set[int] = set()
    while url:
        response = fd.get(url, params=query)
        assert response.status_code == 200, response.text
        found |= {t["id"] for t in response.json()}
        url, query = response.links.get("next", {}).get("url"), None
    return found


@pytest.fixture
def flagged(desk: SandboxHandle) -> dict[str, int]:
    """One ticket of each kind the views tell apart."""
    store = desk.sandbox.desk
    spam, deleted, mine, taken = desk.create_tickets(4)
    store.ticket(spam).spam = True
    store.ticket(deleted).deleted = True
    agent = min(store.agents.values(), key=lambda a: a.id)
    store.update_ticket(
        taken, {"group_id": min(agent.group_ids), "assignee_id": agent.id}, f"human:{agent.name}"
    )
    return {"spam": spam, "deleted": deleted, "unassigned": mine, "taken": taken}


@pytest.mark.parametrize(
    ("view", "shows", "hides"),
    [
        pytest.param(None, {"unassigned", "taken"}, {"spam", "deleted"}, id="no-filter"),
        pytest.param("spam", {"spam"}, {"deleted", "unassigned", "taken"}, id="spam"),
        pytest.param("deleted", {"deleted"}, {"spam", "unassigned", "taken"}, id="deleted"),
        pytest.param(
            "new_and_my_open", {"unassigned"}, {"spam", "deleted", "taken"}, id="new-and-my-open"
        ),
        pytest.param(
            "watching", set(), {"spam", "deleted", "unassigned", "taken"}, id="watching-nothing"
        ),
    ],
)
def test_filters_show_their_tickets_only(
    fd: requests.Session,
    desk: SandboxHandle,
    flagged: dict[str, int],
    view: str | None,
    shows: set[str],
    hides: set[str],
) -> None:
    found = listed(fd, desk, **({"filter": view} if view else {}))
    assert {flagged[k] for k in shows} <= found
    assert not {flagged[k] for k in hides} & found


def test_a_spam_ticket_can_be_viewed_but_not_updated(
    fd: requests.Session, desk: SandboxHandle, flagged: dict[str, int]
) -> None:
    url = api(desk, f"/tickets/{flagged['spam']}")
    assert fd.get(url).json()["spam"] is True
    assert fd.put(url, json={"priority": 1}).status_code == 405


def test_include_requester_embeds_the_contact(fd: requests.Session, desk: SandboxHandle) -> None:
    (ticket_id,) = desk.create_tickets(1)
    row = fd.get(api(desk, f"/tickets/{ticket_id}"), params={"include": "requester"}).json()
    requester = desk.ticket(ticket_id).requester_id
    assert row["requester"]["id"] == row["requester_id"] == requester
    assert set(row["requester"]) == {"id", "name", "email", "mobile", "phone"}
    contact = fd.get(api(desk, f"/contacts/{requester}")).json()
    assert (contact["name"], contact["email"]) == (
        row["requester"]["name"],
        row["requester"]["email"],
    )
    assert "requester" not in fd.get(api(desk, f"/tickets/{ticket_id}")).json()


def test_lists_embed_several_things_at_once(fd: requests.Session, desk: SandboxHandle) -> None:
    params: dict[str, str | int] = {"include": "requester,stats,description", "per_page": 3}
    rows = fd.get(api(desk, "/tickets"), params=params).json()
    assert rows and all({"requester", "stats", "description_text"} <= set(r) for r in rows)


def test_stats_say_when_a_ticket_was_resolved(fd: requests.Session, desk: SandboxHandle) -> None:
    (ticket_id,) = desk.create_tickets(1)
    store = desk.sandbox.desk
    agent = min(store.agents.values(), key=lambda a: a.id)
    store.update_ticket(
        ticket_id,
        {"group_id": min(agent.group_ids), "assignee_id": agent.id, "status": "solved"},
        f"human:{agent.name}",
    )
    stats = fd.get(api(desk, f"/tickets/{ticket_id}"), params={"include": "stats"}).json()
    assert stats["stats"]["resolved_at"] == stats["updated_at"]
    assert stats["stats"]["closed_at"] is None


def test_notes_and_replies_answer_the_conversation_they_made(
    fd: requests.Session, desk: SandboxHandle
) -> None:
    (ticket_id,) = desk.create_tickets(1)
    note = fd.post(
        api(desk, f"/tickets/{ticket_id}/notes"),
        json={
            "body": "<p>Checked the <b>invoice</b></p>",
            "notify_emails": ["lead@sandbox.invalid"],
        },
    )
    reply = fd.post(api(desk, f"/tickets/{ticket_id}/reply"), json={"body": "On it"})
    assert note.status_code == reply.status_code == 201
    assert (note.json()["private"], note.json()["source"], note.json()["user_id"]) == (
        True,
        2,
        API_USER_ID,
    )
    assert note.json()["body_text"] == "Checked the invoice"
    assert note.json()["to_emails"] == ["lead@sandbox.invalid"]
    assert (reply.json()["private"], reply.json()["source"]) == (False, 0)
    assert reply.json()["support_email"] and reply.json()["to_emails"] == [
        fd.get(api(desk, f"/contacts/{desk.ticket(ticket_id).requester_id}")).json()["email"]
    ]
    listed_conversations = fd.get(api(desk, f"/tickets/{ticket_id}/conversations")).json()
    assert listed_conversations == [note.json(), reply.json()]


def test_a_note_without_a_body_is_refused(fd: requests.Session, desk: SandboxHandle) -> None:
    (ticket_id,) = desk.create_tickets(1)
    response = fd.post(api(desk, f"/tickets/{ticket_id}/notes"), json={"private": True})
    assert response.status_code == 400
    assert response.json()["errors"][0] == {
        "field": "body",
        "code": "missing_field",
        "message": "Mandatory attribute missing",
    }


def test_view_embeds_conversations_up_to_ten(fd: requests.Session, desk: SandboxHandle) -> None:
    (ticket_id,) = desk.create_tickets(1)
    for number in range(12):
        desk.sandbox.desk.add_note(ticket_id, f"note {number}", "human:tester", kind="note")
    view = fd.get(api(desk, f"/tickets/{ticket_id}"), params={"include": "conversations"}).json()
    assert [c["body_text"] for c in view["conversations"]] == [f"note {n}" for n in range(10)]


def test_creating_needs_a_requester(fd: requests.Session, desk: SandboxHandle) -> None:
    missing = fd.post(api(desk, "/tickets"), json={"subject": "Help", "description": "x"})
    assert missing.status_code == 400 and missing.json()["errors"][0]["field"] == "requester_id"
    made = fd.post(
        api(desk, "/tickets"),
        json={"subject": "Help", "description": "x", "email": "new.person@customers.invalid"},
    )
    assert made.status_code == 201
    contact = fd.get(api(desk, f"/contacts/{made.json()['requester_id']}")).json()
    assert contact["email"] == "new.person@customers.invalid"


def test_me_is_the_administrator_outside_every_group(
    fd: requests.Session, desk: SandboxHandle
) -> None:
    me = fd.get(api(desk, "/agents/me")).json()
    assert me["id"] == API_USER_ID and me["group_ids"] == [] and me["available"] is False
    assert fd.get(api(desk, f"/agents/{API_USER_ID}")).json() == me
    group_id = min(desk.sandbox.desk.groups)
    group = fd.get(api(desk, f"/groups/{group_id}")).json()
    assert group["agent_ids"] == sorted(
        a.id for a in desk.sandbox.desk.agents.values() if group_id in a.group_ids
    )
    assert all("agent_ids" not in g for g in fd.get(api(desk, "/groups")).json())
