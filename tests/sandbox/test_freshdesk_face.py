"""The sandbox's Freshdesk face answers with Freshdesk's wire shapes and quirks."""

from __future__ import annotations

import time
from datetime import timedelta

import requests

from sandbox import SandboxHandle


def api(desk: SandboxHandle, path: str) -> str:
    return f"{desk.freshdesk_url}/api/v2{path}"


def test_bad_key_gets_the_flat_error_shape(desk: SandboxHandle) -> None:
    response = requests.get(api(desk, "/tickets"), auth=("wrong", "X"))
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_credentials"


def test_rate_limit_headers(desk: SandboxHandle, fd: requests.Session) -> None:
    headers = fd.get(api(desk, "/groups")).headers
    assert headers["x-ratelimit-total"] == "400"
    assert "x-ratelimit-remaining" in headers and "x-ratelimit-used-currentrequest" in headers


def test_link_header_until_the_last_page(desk: SandboxHandle, fd: requests.Session) -> None:
    url, params = api(desk, "/agents"), {"per_page": 4}  # six agents and the administrator
    first = fd.get(url, params=params)
    assert len(first.json()) == 4 and 'rel="next"' in first.headers["link"]
    last = fd.get(first.links["next"]["url"])
    assert len(last.json()) == 3 and "link" not in last.headers


def test_malformed_parameters_are_400_not_500(desk: SandboxHandle, fd: requests.Session) -> None:
    for path, params in [
        ("/tickets", {"updated_since": "last week"}),
        ("/tickets", {"page": "two"}),
        ("/search/tickets", {"query": '"status:2"', "page": "x"}),
    ]:
        response = fd.get(api(desk, path), params=params)
        assert response.status_code == 400 and response.json()["description"]


def test_per_page_over_100_is_a_validation_error(desk: SandboxHandle, fd: requests.Session) -> None:
    response = fd.get(api(desk, "/tickets"), params={"per_page": 101})
    assert response.status_code == 400
    body = response.json()
    assert body["description"] == "Validation failed"
    assert body["errors"][0]["field"] == "per_page"


def test_the_page_wall(desk: SandboxHandle, fd: requests.Session) -> None:
    params = {"updated_since": "2000-01-01T00:00:00Z", "per_page": 1}
    assert fd.get(api(desk, "/tickets"), params={**params, "page": 3}).status_code == 200
    beyond = fd.get(api(desk, "/tickets"), params={**params, "page": 4})  # wall lowered to 3
    assert beyond.status_code == 400
    assert "beyond the 300th page" in beyond.json()["errors"][0]["message"]


def test_without_updated_since_only_the_last_30_days(
    desk: SandboxHandle, fd: requests.Session
) -> None:
    old = desk.sandbox.desk.create_ticket(
        "customer",
        subject="old",
        description="old",
        created_at=desk.sandbox.desk.clock() - timedelta(days=40),
    )
    recent = fd.get(api(desk, "/tickets"), params={"per_page": 100}).json()
    assert old.id not in [t["id"] for t in recent]
    since = fd.get(
        api(desk, "/tickets"),
        params={
            "per_page": 100,
            "updated_since": "2000-01-01",
            "order_by": "created_at",
            "order_type": "asc",
        },
    ).json()
    assert since[0]["id"] == old.id


def test_numeric_codes_and_description_include(desk: SandboxHandle, fd: requests.Session) -> None:
    (row,) = fd.get(api(desk, "/tickets"), params={"per_page": 1, "include": "description"}).json()
    assert row["status"] in (2, 3, 4, 5) and row["priority"] in (1, 2, 3, 4)
    assert isinstance(row["source"], int) and "description_text" in row
    (plain,) = fd.get(api(desk, "/tickets"), params={"per_page": 1}).json()
    assert "description" not in plain


def test_search_shape_and_caps(desk: SandboxHandle, fd: requests.Session) -> None:
    url = api(desk, "/search/tickets")
    found = fd.get(url, params={"query": '"status:2 OR status:3"'}).json()
    assert set(found) == {"total", "results"} and len(found["results"]) <= 30
    assert fd.get(url, params={"query": "status:2"}).status_code == 400  # no quotes
    assert fd.get(url, params={"query": '"status:2"', "page": 11}).status_code == 400


def test_search_groups_terms_with_parentheses_and_and_binds_tighter(
    desk: SandboxHandle, fd: requests.Session
) -> None:
    url = api(desk, "/search/tickets")
    (taken,) = desk.create_tickets(1)
    agent = next(iter(desk.sandbox.desk.agents))
    desk.sandbox.desk.update_ticket(taken, {"assignee_id": agent}, "human:tester")

    def ids(query: str) -> set[int]:
        pages = [fd.get(url, params={"query": query, "page": n}).json() for n in range(1, 11)]
        return {row["id"] for page in pages for row in page["results"]}

    unassigned = ids('"agent_id:null AND (status:2 OR status:3)"')
    assert taken not in unassigned and unassigned
    assert taken in ids('"agent_id:null AND status:2 OR status:2"')  # (A AND B) OR B
    for broken in ('"(status:2"', '"status:2 AND"', '"status:2 OR )"'):
        refused = fd.get(url, params={"query": broken})
        assert refused.status_code == 400, broken
        assert refused.json()["errors"][0]["field"] == "query"


def test_update_has_no_concurrency_control(desk: SandboxHandle, fd: requests.Session) -> None:
    (ticket_id,) = desk.create_tickets(1)
    url = api(desk, f"/tickets/{ticket_id}")
    fd.put(url, json={"priority": 4})
    second = fd.put(url, json={"priority": 1})
    assert second.status_code == 200 and second.json()["priority"] == 1  # last write wins


def test_spam_ticket_cannot_be_updated(desk: SandboxHandle, fd: requests.Session) -> None:
    (ticket_id,) = desk.create_tickets(1)
    desk.ticket(ticket_id).spam = True
    assert fd.put(api(desk, f"/tickets/{ticket_id}"), json={"priority": 1}).status_code == 405


def test_bulk_update_returns_a_job_to_poll(desk: SandboxHandle, fd: requests.Session) -> None:
    url = api(desk, "/tickets/bulk_update")
    too_many = fd.post(url, json={"bulk_action": {"ids": list(range(101)), "properties": {}}})
    assert too_many.status_code == 400
    ids = desk.create_tickets(2)
    started = fd.post(url, json={"bulk_action": {"ids": ids, "properties": {"priority": 4}}})
    assert started.status_code == 202
    job = started.json()
    assert job["href"].endswith(job["job_id"])
    statuses = []
    for _ in range(100):
        state = fd.get(job["href"]).json()
        statuses.append(state["status"])
        if state["status"] != "IN PROGRESS":
            break
        time.sleep(0.01)
    assert statuses[-1] == "SUCCESS"
    assert all(desk.ticket(i).priority == "urgent" for i in ids)


def test_private_note(desk: SandboxHandle, fd: requests.Session) -> None:
    (ticket_id,) = desk.create_tickets(1)
    note = fd.post(api(desk, f"/tickets/{ticket_id}/notes"), json={"body": "<b>why</b>"})
    assert note.status_code == 201 and note.json()["private"] is True
    assert desk.ticket(ticket_id).notes[-1].private is True


def test_a_reply_sets_first_responded_at_in_stats(
    desk: SandboxHandle, fd: requests.Session
) -> None:
    (ticket_id,) = desk.create_tickets(1)
    before = fd.get(api(desk, f"/tickets/{ticket_id}"), params={"include": "stats"}).json()
    assert before["stats"]["first_responded_at"] is None
    reply = fd.post(api(desk, f"/tickets/{ticket_id}/reply"), json={"body": "On it"})
    assert reply.status_code == 201 and reply.json()["private"] is False
    after = fd.get(api(desk, f"/tickets/{ticket_id}"), params={"include": "stats"}).json()
    assert after["stats"]["first_responded_at"] is not None
    assert "stats" not in fd.get(api(desk, f"/tickets/{ticket_id}")).json()
