"""The sandbox's Zendesk face answers with Zendesk's wire shapes and quirks."""

from __future__ import annotations

import time
from datetime import timedelta

import requests

from sandbox import SandboxHandle, start_sandbox
from sandbox.directory import email_of


def api(desk: SandboxHandle, path: str) -> str:
    return f"{desk.zendesk_url}/api/v2{path}"


def test_missing_or_wrong_credentials_get_zendesk_401(
    desk: SandboxHandle, zd: requests.Session
) -> None:
    anonymous = requests.get(api(desk, "/tickets.json"))
    assert anonymous.status_code == 401
    assert anonymous.json() == {"error": "Couldn't authenticate you"}
    wrong = requests.get(api(desk, "/tickets.json"), auth=(f"{desk.email}/token", "nope"))
    assert wrong.status_code == 401


def test_oauth_bearer_token_is_accepted(desk: SandboxHandle) -> None:
    response = requests.get(
        api(desk, "/groups.json"), headers={"Authorization": f"Bearer {desk.oauth_token}"}
    )
    assert response.status_code == 200


def test_rate_limit_headers_in_both_families(desk: SandboxHandle, zd: requests.Session) -> None:
    headers = zd.get(api(desk, "/groups.json")).headers
    for name in (
        "x-rate-limit",
        "x-rate-limit-remaining",
        "ratelimit-limit",
        "ratelimit-remaining",
        "ratelimit-reset",
    ):
        assert name in headers
    assert headers["x-rate-limit"] == "400"  # the Professional plan


def test_cursor_lists_keep_links_next_on_the_last_page(
    desk: SandboxHandle, zd: requests.Session
) -> None:
    first = zd.get(api(desk, "/users.json"), params={"role[]": "agent", "page[size]": 4}).json()
    assert len(first["users"]) == 4 and first["meta"]["has_more"] is True
    last = zd.get(first["links"]["next"]).json()
    assert len(last["users"]) == 2 and last["meta"]["has_more"] is False
    assert last["links"]["next"]  # never null: clients must stop on has_more


def test_incremental_export_start_time_then_cursor(
    desk: SandboxHandle, zd: requests.Session
) -> None:
    url = api(desk, "/incremental/tickets/cursor.json")
    first = zd.get(url, params={"start_time": 0, "per_page": 10}).json()
    assert len(first["tickets"]) == 10 and first["end_of_stream"] is False
    assert "generated_timestamp" in first["tickets"][0]
    rest = zd.get(url, params={"cursor": first["after_cursor"], "per_page": 1000}).json()
    assert rest["end_of_stream"] is True
    ids = [t["id"] for t in first["tickets"] + rest["tickets"]]
    assert len(ids) == len(set(ids))
    assert zd.get(url).status_code == 400  # neither start_time nor cursor


def test_export_holds_back_the_last_minute_and_resumes_there() -> None:
    with start_sandbox(agents=2, export_lag=60.0) as desk:
        store = desk.sandbox.desk
        old = store.create_ticket(
            "customer",
            subject="old",
            description="d",
            created_at=store.clock() - timedelta(minutes=5),
        )
        fresh = store.create_ticket("customer", subject="new", description="d")
        session = requests.Session()
        session.auth = (f"{desk.email}/token", desk.api_token)
        url = api(desk, "/incremental/tickets/cursor.json")
        first = session.get(url, params={"start_time": 0}).json()
        assert [t["id"] for t in first["tickets"]] == [old.id] and first["end_of_stream"]
        fresh.updated_at -= timedelta(minutes=2)  # a minute later, as far as the desk knows
        later = session.get(url, params={"cursor": first["after_cursor"]}).json()
        assert [t["id"] for t in later["tickets"]] == [fresh.id]


def test_show_many_caps_at_100_ids(desk: SandboxHandle, zd: requests.Session) -> None:
    ids = ",".join(str(i) for i in range(1, 102))
    response = zd.get(api(desk, "/tickets/show_many.json"), params={"ids": ids})
    assert response.status_code == 400 and response.json()["error"] == "TooManyValues"
    ok = zd.get(api(desk, "/tickets/show_many.json"), params={"ids": "1,2,999999"})
    assert [t["id"] for t in ok.json()["tickets"]] == [1, 2]


def test_update_many_caps_at_100_and_runs_as_a_job(
    desk: SandboxHandle, zd: requests.Session
) -> None:
    url = api(desk, "/tickets/update_many.json")
    too_many = zd.put(url, json={"tickets": [{"id": i, "priority": "low"} for i in range(101)]})
    assert too_many.status_code == 400 and too_many.json()["error"] == "TooManyValues"
    job = zd.put(
        url, json={"tickets": [{"id": 3, "priority": "low"}, {"id": 999999, "priority": "low"}]}
    ).json()["job_status"]
    assert job["status"] in ("queued", "working")
    for _ in range(100):
        job = zd.get(job["url"]).json()["job_status"]
        if job["status"] == "completed":
            break
        time.sleep(0.01)
    assert [(r["id"], r["success"]) for r in job["results"]] == [(3, True), (999999, False)]


def test_job_statuses_show_many_lists_the_known_jobs(
    desk: SandboxHandle, zd: requests.Session
) -> None:
    url = api(desk, "/tickets/update_many.json")
    job = zd.put(url, json={"tickets": [{"id": 3, "priority": "low"}]}).json()["job_status"]
    many = zd.get(api(desk, "/job_statuses/show_many.json"), params={"ids": f"{job['id']},gone"})
    assert [j["id"] for j in many.json()["job_statuses"]] == [job["id"]]
    missing = zd.get(api(desk, "/job_statuses/show_many.json"))
    assert missing.status_code == 400


def test_a_batch_item_with_a_stale_safe_update_stamp_is_a_conflict(
    desk: SandboxHandle, zd: requests.Session
) -> None:
    ticket_id = desk.create_tickets(1)[0]
    stamp = zd.get(api(desk, f"/tickets/{ticket_id}.json")).json()["ticket"]["updated_at"]
    zd.put(api(desk, f"/tickets/{ticket_id}.json"), json={"ticket": {"priority": "urgent"}})
    item = {"id": ticket_id, "priority": "low", "safe_update": True, "updated_stamp": stamp}
    job = zd.put(api(desk, "/tickets/update_many.json"), json={"tickets": [item]}).json()
    url = job["job_status"]["url"]
    for _ in range(100):
        status = zd.get(url).json()["job_status"]
        if status["status"] == "completed":
            break
        time.sleep(0.01)
    assert status["results"][0]["error"] == "DatabaseConflict"
    assert desk.ticket(ticket_id).priority == "urgent"  # the later change stands


def test_search_is_offset_paged_and_capped_at_1000(
    desk: SandboxHandle, zd: requests.Session
) -> None:
    url = api(desk, "/search.json")
    found = zd.get(url, params={"query": "type:ticket status<solved", "per_page": 5}).json()
    assert found["count"] >= 5 and len(found["results"]) == 5 and found["next_page"]
    assert found["results"][0]["result_type"] == "ticket"
    beyond = zd.get(url, params={"query": "type:ticket", "page": 11, "per_page": 100})
    assert beyond.status_code == 422


def test_search_orders_by_sort_by_and_refuses_cursor_parameters(
    desk: SandboxHandle, zd: requests.Session
) -> None:
    url = api(desk, "/search.json")
    query = {"query": "type:ticket assignee:none status<solved", "per_page": 100}
    oldest_first = zd.get(url, params={**query, "sort_by": "created_at", "sort_order": "asc"})
    newest_first = zd.get(url, params={**query, "sort_by": "created_at"})  # desc by default
    stamps = [row["created_at"] for row in oldest_first.json()["results"]]
    assert stamps == sorted(stamps) and len(stamps) > 1
    newest = [row["created_at"] for row in newest_first.json()["results"]]
    assert newest == sorted(stamps, reverse=True)
    assert all(row["assignee_id"] is None for row in oldest_first.json()["results"])
    assert zd.get(url, params={**query, "page[size]": 10}).status_code == 400


def test_safe_update_with_a_stale_stamp_is_409(desk: SandboxHandle, zd: requests.Session) -> None:
    (ticket_id,) = desk.create_tickets(1)
    url = api(desk, f"/tickets/{ticket_id}.json")
    stamp = zd.get(url).json()["ticket"]["updated_at"]
    desk.sandbox.desk.update_ticket(ticket_id, {"priority": "urgent"}, "human:tester")
    stale = zd.put(
        url, json={"ticket": {"priority": "low", "safe_update": True, "updated_stamp": stamp}}
    )
    assert stale.status_code == 409 and stale.json()["error"] == "DatabaseConflict"
    fresh_stamp = zd.get(url).json()["ticket"]["updated_at"]
    ok = zd.put(
        url, json={"ticket": {"priority": "low", "safe_update": True, "updated_stamp": fresh_stamp}}
    )
    assert ok.status_code == 200
    assert ok.json()["audit"]["events"][0]["field_name"] == "priority"


def test_assignee_outside_the_group_is_record_invalid(
    desk: SandboxHandle, zd: requests.Session
) -> None:
    agent = next(iter(desk.sandbox.desk.agents.values()))
    other = next(g for g in desk.sandbox.desk.groups if g not in agent.group_ids)
    (ticket_id,) = desk.create_tickets(1)
    response = zd.put(
        api(desk, f"/tickets/{ticket_id}.json"),
        json={"ticket": {"assignee_id": agent.id, "group_id": other}},
    )
    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "RecordInvalid" and "is not a member" in str(body["details"])


def test_malformed_parameters_are_400_not_500(desk: SandboxHandle, zd: requests.Session) -> None:
    for path, params in [
        ("/incremental/tickets/cursor.json", {"start_time": 0, "per_page": "x"}),
        ("/users.json", {"page[after]": "not-a-cursor"}),
        ("/search.json", {"query": "type:ticket", "page": "two"}),
    ]:
        response = zd.get(api(desk, path), params=params)
        assert response.status_code == 400 and response.json()["error"] == "InvalidValue"


def test_missing_ticket_is_record_not_found(desk: SandboxHandle, zd: requests.Session) -> None:
    response = zd.get(api(desk, "/tickets/424242.json"))
    assert response.status_code == 404
    assert response.json() == {"error": "RecordNotFound", "description": "Not found"}


def test_create_ticket_and_audit_names_the_actor(desk: SandboxHandle, zd: requests.Session) -> None:
    created = zd.post(
        api(desk, "/tickets.json"),
        json={
            "ticket": {
                "subject": "Printer on fire",
                "comment": {"body": "Smoke everywhere"},
                "priority": "urgent",
            }
        },
    )
    assert created.status_code == 201 and created.headers["Location"].endswith(".json")
    ticket_id = created.json()["ticket"]["id"]
    entry = next(e for e in desk.audit() if e.get("ticket_id") == ticket_id)
    assert entry["actor"] == f"api:{desk.email}" and entry["event"] == "ticket.created"


def test_a_public_comment_shows_as_reply_time_in_the_metric_set(
    desk: SandboxHandle, zd: requests.Session
) -> None:
    (ticket_id,) = desk.create_tickets(1)
    url = api(desk, f"/tickets/{ticket_id}.json")

    def reply_minutes() -> object:
        (metrics,) = zd.get(url, params={"include": "metric_sets"}).json()["metric_sets"]
        assert metrics["ticket_id"] == ticket_id
        return metrics["reply_time_in_minutes"]["calendar"]

    assert reply_minutes() is None and "metric_sets" not in zd.get(url).json()
    zd.put(url, json={"ticket": {"comment": {"body": "Looking into it", "public": True}}})
    assert reply_minutes() == 0


def test_ticket_endpoints_sideload_the_users_they_name_with_their_email(
    desk: SandboxHandle, zd: requests.Session
) -> None:
    first, second = desk.create_tickets(2)
    requesters = {desk.ticket(str(i)).requester_id for i in (first, second)}
    answers = [
        zd.get(api(desk, f"/tickets/{first}.json"), params={"include": "users"}).json(),
        zd.get(api(desk, "/tickets/show_many.json"),
               params={"ids": f"{first},{second}", "include": "metric_sets,users"}).json(),
        zd.get(api(desk, "/incremental/tickets/cursor.json"),
               params={"start_time": 0, "include": "users"}).json(),
    ]  # fmt: skip
    for answer in answers:
        users = {user["id"]: user for user in answer["users"]}
        named = {t["requester_id"] for t in answer.get("tickets") or [answer["ticket"]]}
        assert named <= users.keys()
        assert all(users[i]["email"] == email_of(i) for i in named & requesters)
    assert "users" not in zd.get(api(desk, f"/tickets/{first}.json")).json()
