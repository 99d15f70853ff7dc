"""Zendesk ticket audits: every change, in order, with its real author and previous values.

Follows developer.zendesk.com/api-reference/ticketing/tickets/ticket_audits/ (list audits,
cursor or offset pagination) and the audit events reference; a create or update answer
carries the audit it made. The connector reads these to find a person's change that raced
its own write, so authors, order and ``previous_value`` must be right for API users, bulk
jobs, simulated people and customers alike.
"""

from __future__ import annotations

import time
from typing import Any

import requests

from sandbox import SandboxHandle
from sandbox.directory import API_USER_ID


def api(desk: SandboxHandle, path: str) -> str:
    return f"{desk.zendesk_url}/api/v2{path}"


def audits(zd: requests.Session, desk: SandboxHandle, ticket_id: int) -> list[dict[str, Any]]:
    return list(zd.get(api(desk, f"/tickets/{ticket_id}/audits.json")).json()["audits"])


def changes(audit: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    """``{field: (previous_value, value)}`` of an audit's Change events."""
    return {
        e["field_name"]: (e["previous_value"], e["value"])
        for e in audit["events"]
        if e["type"] == "Change"
    }


def two_agents_in_one_group(desk: SandboxHandle) -> tuple[int, int, int]:
    """A group and two of its agents."""
    store = desk.sandbox.desk
    for group_id in sorted(store.groups):
        members = sorted(a.id for a in store.agents.values() if group_id in a.group_ids)
        if len(members) >= 2:
            return group_id, members[0], members[1]
    raise AssertionError("the sandbox has no group with two agents")


def test_creating_answers_the_audit_of_the_creation(
    zd: requests.Session, desk: SandboxHandle
) -> None:
    created = zd.post(
        api(desk, "/tickets.json"),
        json={
            "ticket": {
                "subject": "Printer on fire",
                "comment": {"body": "Smoke"},
                "priority": "urgent",
            }
        },
    )
    assert created.status_code == 201
    audit, ticket = created.json()["audit"], created.json()["ticket"]
    me = zd.get(api(desk, "/users/me.json")).json()["user"]["id"]
    assert audit["author_id"] == me == API_USER_ID and audit["ticket_id"] == ticket["id"]
    assert audit["via"]["channel"] == "api"
    creates = {e["field_name"]: e["value"] for e in audit["events"] if e["type"] == "Create"}
    assert creates["subject"] == "Printer on fire" and creates["priority"] == "urgent"
    assert creates["requester_id"] == str(me) and creates["assignee_id"] is None
    (comment,) = [e for e in audit["events"] if e["type"] == "Comment"]
    assert comment["body"] == "Smoke" and comment["public"] is True
    assert audits(zd, desk, ticket["id"]) == [audit]


def test_an_update_audits_each_change_with_its_previous_value(
    zd: requests.Session, desk: SandboxHandle
) -> None:
    group_id, agent_id, _ = two_agents_in_one_group(desk)
    (ticket_id,) = desk.create_tickets(1)
    before = desk.ticket(ticket_id).priority
    after = "low" if before != "low" else "high"
    answer = zd.put(
        api(desk, f"/tickets/{ticket_id}.json"),
        json={
            "ticket": {
                "group_id": group_id,
                "assignee_id": agent_id,
                "priority": after,
                "comment": {"body": "Routed", "public": False},
            }
        },
    ).json()["audit"]
    assert answer["author_id"] == API_USER_ID
    found = changes(answer)
    assert found["assignee_id"] == (None, str(agent_id))  # ids as strings, as recorded
    assert found["group_id"] == (None, str(group_id))
    assert found["status"] == ("new", "open")  # the desk's own consequence, same audit
    assert found["priority"] == (before, after)
    assert [e["body"] for e in answer["events"] if e["type"] == "Comment"] == ["Routed"]
    assert audits(zd, desk, ticket_id)[-1] == answer


def test_an_update_that_changes_nothing_still_answers_an_empty_audit(
    zd: requests.Session, desk: SandboxHandle
) -> None:
    (ticket_id,) = desk.create_tickets(1)
    priority = desk.ticket(ticket_id).priority
    answer = zd.put(
        api(desk, f"/tickets/{ticket_id}.json"), json={"ticket": {"priority": priority}}
    ).json()["audit"]
    assert answer["events"] == [] and audits(zd, desk, ticket_id)[-1]["id"] == answer["id"]


def test_a_person_reassigning_is_audited_under_their_own_id(
    zd: requests.Session, desk: SandboxHandle
) -> None:
    group_id, first, second = two_agents_in_one_group(desk)
    (ticket_id,) = desk.create_tickets(1)
    zd.put(
        api(desk, f"/tickets/{ticket_id}.json"),
        json={"ticket": {"group_id": group_id, "assignee_id": first}},
    )
    assert desk.reassign(ticket_id, second) == ticket_id
    last = audits(zd, desk, ticket_id)[-1]
    assert last["author_id"] == second and last["via"]["channel"] == "web"
    assert changes(last) == {"assignee_id": (str(first), str(second))}


def test_a_customer_comment_is_authored_by_the_requester(
    zd: requests.Session, desk: SandboxHandle
) -> None:
    (ticket_id,) = desk.create_tickets(1)
    desk.sandbox.desk.add_note(ticket_id, "Any news?", "customer", private=False)
    requester = desk.ticket(ticket_id).requester_id
    history = audits(zd, desk, ticket_id)
    assert [a["author_id"] for a in history] == [requester, requester]
    assert history[-1]["events"][0]["body"] == "Any news?"


def test_a_bulk_jobs_changes_are_audits_of_the_api_user(
    zd: requests.Session, desk: SandboxHandle
) -> None:
    group_id, agent_id, _ = two_agents_in_one_group(desk)
    ids = desk.create_tickets(2)
    job = zd.put(
        api(desk, "/tickets/update_many.json"),
        json={"tickets": [{"id": i, "group_id": group_id, "assignee_id": agent_id} for i in ids]},
    ).json()
    wait_for(zd, job["job_status"]["url"])
    for ticket_id in ids:
        last = audits(zd, desk, ticket_id)[-1]
        assert last["author_id"] == API_USER_ID and last["via"]["channel"] == "api"
        assert changes(last)["assignee_id"] == (None, str(agent_id))


def test_a_person_who_raced_a_bulk_write_shows_between_the_read_and_the_write(
    zd: requests.Session, desk: SandboxHandle
) -> None:
    """What the connector checks: an audit by someone else after our read, and the
    ``previous_value`` our write replaced."""
    group_id, first, second = two_agents_in_one_group(desk)
    (ticket_id,) = desk.create_tickets(1)
    read = zd.get(api(desk, f"/tickets/{ticket_id}.json")).json()["ticket"]["updated_at"]
    assert desk.sandbox.humans.take(ticket_id) == ticket_id  # a person takes it meanwhile
    taker = desk.ticket(ticket_id).assignee_id
    target = second if taker == first else first
    job = zd.put(
        api(desk, "/tickets/update_many.json"),
        json={"tickets": [{"id": ticket_id, "group_id": group_id, "assignee_id": target}]},
    ).json()
    wait_for(zd, job["job_status"]["url"])
    history = audits(zd, desk, ticket_id)
    after_read = [a for a in history if a["created_at"] > read]  # every change moves the stamp
    assert [a["author_id"] for a in after_read] == [taker, API_USER_ID]
    assert changes(after_read[-1])["assignee_id"] == (str(taker), str(target))


def test_audits_are_listed_oldest_first_by_cursor_and_by_offset(
    zd: requests.Session, desk: SandboxHandle
) -> None:
    (ticket_id,) = desk.create_tickets(1)
    for priority in ("low", "high", "urgent"):
        zd.put(api(desk, f"/tickets/{ticket_id}.json"), json={"ticket": {"priority": priority}})
    url = api(desk, f"/tickets/{ticket_id}/audits.json")
    page = zd.get(url, params={"page[size]": 2}).json()
    seen = list(page["audits"])
    while page["meta"]["has_more"]:
        page = zd.get(page["links"]["next"]).json()
        seen += page["audits"]
    offset = zd.get(url).json()
    assert offset["count"] == 4 and offset["next_page"] is None
    assert [a["id"] for a in seen] == [a["id"] for a in offset["audits"]]
    assert [a["id"] for a in seen] == sorted(a["id"] for a in seen)
    assert [changes(a)["priority"][1] for a in seen[1:]] == ["low", "high", "urgent"]


def test_comments_list_the_description_first_in_the_requesters_name(
    zd: requests.Session, desk: SandboxHandle
) -> None:
    (ticket_id,) = desk.create_tickets(1)
    zd.put(
        api(desk, f"/tickets/{ticket_id}.json"),
        json={"ticket": {"comment": {"body": "Looking", "public": True}}},
    )
    comments = zd.get(api(desk, f"/tickets/{ticket_id}/comments.json")).json()["comments"]
    ticket = desk.ticket(ticket_id)
    assert [(c["body"], c["author_id"], c["public"]) for c in comments] == [
        (ticket.description, ticket.requester_id, True),
        ("Looking", API_USER_ID, True),
    ]
    history = {a["id"] for a in audits(zd, desk, ticket_id)}
    assert {c["audit_id"] for c in comments} <= history


def test_the_global_audit_log_still_records_every_change(desk: SandboxHandle) -> None:
    """The chaos ledger replays ``desk.audit``; per-ticket audits come on top of it."""
    before = len(desk.audit())
    (ticket_id,) = desk.create_tickets(1)
    priority = "low" if desk.ticket(ticket_id).priority != "low" else "high"
    desk.sandbox.desk.update_ticket(ticket_id, {"priority": priority}, "human:tester")
    entries = [e for e in desk.audit()[before:] if e.get("ticket_id") == ticket_id]
    assert [e["event"] for e in entries] == ["ticket.created", "ticket.updated"]
    assert entries[1]["changes"] == {"priority": priority}
    # a person the desk does not know is Zendesk's system user, never the API user
    assert desk.sandbox.desk.history.of(ticket_id)[-1].origin.author_id == -1


def wait_for(zd: requests.Session, url: str) -> dict[str, Any]:
    for _ in range(200):
        status: dict[str, Any] = zd.get(url).json()["job_status"]
        if status["status"] == "completed":
            return status
        time.sleep(0.01)
    raise AssertionError("the job never completed")
