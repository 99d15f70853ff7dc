"""The Zendesk connector over ``responses``: every endpoint it calls and every error path."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
import responses
from responses import matchers

from connectors.base import WriteRequest
from connectors.errors import FatalError, RetriableError, SkippableError
from connectors.zendesk import ZendeskConnector, ZendeskOptions
from router.decision import Assignment, DecisionTrace
from tests.connectors.fakes import ZENDESK, FakeTime, transport
from tests.connectors.zendesk.payloads import (
    audit,
    availability,
    cursor_page,
    schedule,
    ticket,
    user,
)

API = f"{ZENDESK}/api/v2"
START = datetime(2024, 2, 12, 9, 0, tzinfo=UTC)
READ_AT = datetime(2024, 2, 12, 9, 20, 41, tzinfo=UTC)


@pytest.fixture
def time() -> FakeTime:
    return FakeTime()


@pytest.fixture
def zd(time: FakeTime) -> ZendeskConnector:
    """A connector told to read skills from the user field: polls need no feature probe."""
    options = ZendeskOptions(
        start_time=START, job_poll_interval=1.0, job_timeout=5.0, skills="user_field"
    )
    return ZendeskConnector(transport(time=time), options, time.sleep)


def refused(url: str) -> None:
    responses.get(
        url,
        status=403,
        json={"error": "Forbidden", "description": "You do not have access to this page."},
    )


def account(
    *,
    statuses: list[dict] | None = None,
    schedules: list[dict] | None = None,
    holidays: list[dict] | None = None,
    attributes: list[dict] | None = None,
) -> None:
    """The answers of the optional-feature endpoints; None: that endpoint is refused."""
    if statuses is None:
        refused(f"{API}/agent_availabilities")
    else:
        responses.get(f"{API}/agent_availabilities", json=cursor_page("data", statuses, more=False))
    if schedules is None:
        refused(f"{API}/business_hours/schedules.json")
    else:
        responses.get(f"{API}/business_hours/schedules.json", json={"schedules": schedules})
        for item in schedules:
            responses.get(
                f"{API}/business_hours/schedules/{item['id']}/holidays.json",
                json={"holidays": holidays or []},
            )
    if attributes is None:
        refused(f"{API}/routing/attributes.json")
    else:
        responses.get(f"{API}/routing/attributes.json", json={"attributes": attributes})


def groups_listed() -> None:
    responses.get(
        f"{API}/groups.json",
        json=cursor_page("groups", [{"id": 360001, "name": "Billing"}], more=False),
    )


def query(call_index: int) -> dict[str, list[str]]:
    return parse_qs(urlparse(responses.calls[call_index].request.url).query)


def write(
    ticket_id: str, read_at: datetime | None = READ_AT, note: str | None = None
) -> WriteRequest:
    trace = DecisionTrace(policy="t", ticket_id=ticket_id, at=READ_AT)
    return WriteRequest.of(
        assignment=Assignment(
            ticket_id=ticket_id, agent_id="1903456789001", weight=1.0, trace=trace, group="Billing"
        ),
        expected_updated_at=read_at,
        note=note,
    )


# -- polling --------------------------------------------------------------------------------
@responses.activate
def test_poll_sends_start_time_once_then_follows_the_cursor(zd: ZendeskConnector) -> None:
    groups_listed()
    export = f"{API}/incremental/tickets/cursor.json"
    responses.get(
        export,
        json={
            "tickets": [ticket(), ticket(id=4017, status="solved")],
            "after_cursor": "c1",
            "end_of_stream": False,
        },
    )
    responses.get(export, json={"tickets": [], "after_cursor": "c2", "end_of_stream": True})
    first = zd.poll(None)
    assert [t.id for t in first.tickets] == ["4016", "4017"]  # the sidecar sees tickets close
    assert (first.cursor, first.done) == ("c1", False)
    second = zd.poll(first.cursor)
    assert (second.cursor, second.done) == ("c2", True)
    calls = [c for c in responses.calls if "incremental" in c.request.url]
    first_q = parse_qs(urlparse(calls[0].request.url).query)
    second_q = parse_qs(urlparse(calls[1].request.url).query)
    assert first_q["start_time"] == [str(int(START.timestamp()))] and "cursor" not in first_q
    assert second_q["cursor"] == ["c1"] and "start_time" not in second_q


@responses.activate
def test_one_broken_ticket_does_not_stop_the_page(zd: ZendeskConnector) -> None:
    groups_listed()
    responses.get(
        f"{API}/incremental/tickets/cursor.json",
        json={
            "tickets": [ticket(id=1), ticket(id=2, created_at="not a time"), ticket(id=3)],
            "after_cursor": "c1",
            "end_of_stream": True,
        },
    )
    assert [t.id for t in zd.poll(None).tickets] == ["1", "3"]


@responses.activate
def test_poll_keeps_the_cursor_when_the_page_has_none(zd: ZendeskConnector) -> None:
    groups_listed()
    responses.get(
        f"{API}/incremental/tickets/cursor.json",
        json={"tickets": [], "after_cursor": None, "end_of_stream": True},
    )
    assert zd.poll("c9").cursor == "c9"


@responses.activate
def test_export_rate_limit_429_waits_and_retries(zd: ZendeskConnector, time: FakeTime) -> None:
    groups_listed()
    export = f"{API}/incremental/tickets/cursor.json"
    responses.get(
        export,
        status=429,
        headers={"Retry-After": "12"},
        json={
            "error": "APIRateLimitExceeded",
            "description": "Number of allowed incremental export API requests per minute exceeded",
        },
    )
    responses.get(export, json={"tickets": [], "after_cursor": "c1", "end_of_stream": True})
    assert zd.poll(None).done
    assert 12.0 in time.sleeps


# -- roster ---------------------------------------------------------------------------------
@responses.activate
def test_roster_pages_until_has_more_is_false(zd: ZendeskConnector) -> None:
    groups_listed()
    responses.get(
        f"{API}/group_memberships.json",
        json=cursor_page(
            "group_memberships", [{"user_id": 1903456789001, "group_id": 360001}], more=False
        ),
    )
    account(statuses=[availability(1903456789001, "offline")])
    users = f"{API}/users.json"
    responses.get(
        users,
        json=cursor_page("users", [user()], more=True, after="u2"),
        match=[matchers.query_param_matcher({"role[]": ["agent", "admin"], "page[size]": "100"})],
    )
    responses.get(
        users,
        json=cursor_page("users", [user(id=1903456789002, name="Jun")], more=False),
        match=[matchers.query_param_matcher({"page[after]": "u2"})],
    )
    responses.get(
        f"{API}/search.json",
        json={
            "results": [
                ticket(assignee_id=1903456789002),
                ticket(id=2, assignee_id=1903456789002),
                ticket(id=3, assignee_id=None),
            ],
            "count": 3,
            "next_page": None,
        },
    )
    roster = zd.roster()
    assert [a.id for a in roster.agents] == ["1903456789001", "1903456789002"]
    assert roster.agents[0].groups == {"Billing"} and roster.agents[0].status == "offline"
    assert roster.agents[1].status == "offline"  # omnichannel on, no record: not available
    assert dict(roster.loads) == {"1903456789002": 2.0}
    assert roster.holdings is not None and roster.holdings.complete
    assert sorted(h.ticket_id for h in roster.holdings.tickets) == ["2", "4016"]
    assert len([c for c in responses.calls if "users.json" in c.request.url]) == 3  # probe+2


@responses.activate
def test_search_stops_at_the_1000_result_cap(zd: ZendeskConnector) -> None:
    row = ticket(assignee_id=1903456789001)
    responses.get(
        f"{API}/search.json",
        json={"results": [row] * 100, "count": 5000, "next_page": f"{API}/search.json?page=next"},
    )
    holdings = zd._holdings({"1903456789001"})
    assert holdings.loads() == {"1903456789001": 1000.0} and not holdings.complete
    assert len(responses.calls) == 10  # page 11 would be a 422


# -- the open unassigned listing (reconciliation sweep) -------------------------------------
@responses.activate
def test_unassigned_lists_open_tickets_without_an_assignee_oldest_first(
    zd: ZendeskConnector,
) -> None:
    responses.get(
        f"{API}/search.json",
        json={
            "results": [{**ticket(), "result_type": "ticket"}, ticket(id=4017, updated_at=None)],
            "count": 250,
            "next_page": f"{API}/search.json?page=2",
        },
    )
    page = zd.unassigned(None)
    params = parse_qs(urlparse(responses.calls[0].request.url).query)
    assert params["query"] == ["type:ticket status<solved assignee:none"]
    assert (params["sort_by"], params["sort_order"]) == (["created_at"], ["asc"])
    assert (params["page"], params["per_page"]) == (["1"], ["100"])
    assert [(t.ticket_id, t.updated_at) for t in page.tickets] == [
        ("4016", READ_AT),
        ("4017", None),
    ]
    assert (page.cursor, page.capped) == ("2", False)


@responses.activate
def test_unassigned_pages_on_and_ends_where_search_has_no_next_page(zd: ZendeskConnector) -> None:
    responses.get(
        f"{API}/search.json",
        json={"results": [ticket(id=9)], "count": 201, "next_page": None},
        match=[matchers.query_param_matcher({"page": "3"}, strict_match=False)],
    )
    page = zd.unassigned("3")
    assert [t.ticket_id for t in page.tickets] == ["9"]
    assert (page.cursor, page.capped) == (None, False)


@responses.activate
def test_unassigned_stops_at_the_1000_result_cap(zd: ZendeskConnector) -> None:
    responses.get(
        f"{API}/search.json",
        json={"results": [ticket()] * 100, "count": 5000, "next_page": f"{API}/search.json?p=11"},
    )
    page = zd.unassigned("10")
    assert (page.cursor, page.capped) == (None, True)  # page 11 would be a 422


@responses.activate
def test_unassigned_with_an_unreadable_cursor_starts_over(zd: ZendeskConnector) -> None:
    responses.get(f"{API}/search.json", json={"results": [], "count": 0, "next_page": None})
    assert zd.unassigned("not-a-page").tickets == ()
    assert parse_qs(urlparse(responses.calls[0].request.url).query)["page"] == ["1"]


# -- single writes --------------------------------------------------------------------------
@responses.activate
def test_assign_sends_safe_update_and_a_private_note(zd: ZendeskConnector) -> None:
    groups_listed()
    responses.put(
        f"{API}/tickets/4016.json",
        json={
            "ticket": ticket(assignee_id=1903456789001, updated_at="2024-02-12T09:25:00Z"),
            "audit": {"events": []},
        },
    )
    result = zd.assign(write("4016", note="why: billing skill 7"))
    assert result.ok and result.updated_at == datetime(2024, 2, 12, 9, 25, tzinfo=UTC)
    sent = json.loads(responses.calls[-1].request.body)["ticket"]
    assert sent["safe_update"] is True and sent["updated_stamp"] == "2024-02-12T09:20:41Z"
    assert sent["comment"] == {"body": "why: billing skill 7", "public": False}


@responses.activate
def test_assign_409_rereads_and_reports_a_conflict(zd: ZendeskConnector) -> None:
    groups_listed()
    responses.put(
        f"{API}/tickets/4016.json",
        status=409,
        json={"error": "DatabaseConflict", "description": "updated since updated_stamp"},
    )
    responses.get(
        f"{API}/tickets/4016.json",
        json={"ticket": ticket(updated_at="2024-02-12T09:22:00Z", assignee_id=77)},
    )
    result = zd.assign(write("4016"))
    assert result.outcome == "conflict"
    assert result.updated_at == datetime(2024, 2, 12, 9, 22, tzinfo=UTC)


def record_invalid(field: str, description: str) -> dict[str, Any]:
    """Zendesk's 422 ``RecordInvalid`` body, with ``details`` per field."""
    return {
        "error": "RecordInvalid",
        "description": "Record validation errors",
        "details": {field: [{"description": description, "error": "InvalidValue"}]},
    }


@pytest.mark.parametrize(
    ("status", "body", "outcome"),
    [
        pytest.param(404, {"error": "RecordNotFound", "description": "Not found"}, "parked",
                     id="404"),
        pytest.param(422, record_invalid("assignee", "Assignee: is not a member of the group"),
                     "agent_gone", id="422-agent-gone-decides-again"),
        pytest.param(422, record_invalid("status", "Status: closed prevents ticket update"),
                     "parked", id="422-other-field-parks"),
    ],
)  # fmt: skip
@responses.activate
def test_assign_reports_a_ticket_the_desk_refuses(
    zd: ZendeskConnector, status: int, body: dict[str, Any], outcome: str
) -> None:
    groups_listed()
    responses.put(f"{API}/tickets/4016.json", status=status, json=body)
    result = zd.assign(write("4016"))
    assert result.outcome == outcome and str(status) in result.detail


@responses.activate
def test_assign_raises_fatal_on_bad_credentials(zd: ZendeskConnector) -> None:
    groups_listed()
    responses.put(
        f"{API}/tickets/4016.json", status=401, json={"error": "Couldn't authenticate you"}
    )
    with pytest.raises(FatalError):
        zd.assign(write("4016"))


@responses.activate
def test_a_note_on_its_own_is_a_private_comment_sent_once(zd: ZendeskConnector) -> None:
    responses.put(f"{API}/tickets/4016.json", status=503)
    with pytest.raises(RetriableError):
        zd.add_note("4016", "why: billing skill 7")
    sent = json.loads(responses.calls[0].request.body)["ticket"]
    assert sent == {"comment": {"body": "why: billing skill 7", "public": False}}
    assert len(responses.calls) == 1  # the notes queue retries it, not the transport


@responses.activate
def test_fetch_of_a_deleted_ticket_is_skippable(zd: ZendeskConnector) -> None:
    groups_listed()
    responses.get(
        f"{API}/tickets/4016.json",
        status=404,
        json={"error": "RecordNotFound", "description": "Not found"},
    )
    with pytest.raises(SkippableError):
        zd.fetch("4016")


@responses.activate
def test_fetch_of_an_unreadable_ticket_is_skippable(zd: ZendeskConnector) -> None:
    groups_listed()
    responses.get(f"{API}/tickets/4016.json", json={"ticket": ticket(created_at="garbage")})
    with pytest.raises(SkippableError):
        zd.fetch("4016")


REPLY_METRICS = {"ticket_id": 4016, "reply_time_in_minutes": {"calendar": 6, "business": 6}}


@responses.activate
def test_poll_sideloads_metric_sets_for_status_and_first_reply(zd: ZendeskConnector) -> None:
    groups_listed()
    responses.get(
        f"{API}/incremental/tickets/cursor.json",
        match=[matchers.query_param_matcher({"include": "metric_sets,users"}, strict_match=False)],
        json={
            "tickets": [ticket(status="open"), ticket(id=4017, status="solved")],
            "metric_sets": [REPLY_METRICS],
            "after_cursor": "c1",
            "end_of_stream": True,
        },
    )
    replied, solved = zd.poll(None).tickets
    assert replied.custom_fields["status"] == "open"
    assert replied.custom_fields["first_reply_at"] == "2024-02-12T09:20:03Z"
    assert solved.custom_fields["status"] == "solved"
    assert "first_reply_at" not in solved.custom_fields  # no metric set: cannot tell


@pytest.mark.parametrize(
    ("metric_sets", "expected"),
    [
        pytest.param([REPLY_METRICS], "2024-02-12T09:20:03Z", id="replied"),
        pytest.param(
            [{**REPLY_METRICS, "reply_time_in_minutes": {"calendar": None}}],
            None,
            id="no-reply-yet",
        ),
    ],
)
@responses.activate
def test_fetch_sideloads_the_metric_set(
    zd: ZendeskConnector, metric_sets: list, expected: str | None
) -> None:
    groups_listed()
    responses.get(
        f"{API}/tickets/4016.json",
        match=[matchers.query_param_matcher({"include": "metric_sets,users"})],
        json={"ticket": ticket(status="pending"), "metric_sets": metric_sets},
    )
    fields = zd.fetch("4016").custom_fields
    assert fields["status"] == "pending" and fields["first_reply_at"] == expected


REQUESTER = {"id": 1902345678123, "email": "Jane@Example.test", "role": "end-user"}
AGENT = {"id": 1903456789001, "email": "agent@acme.test", "role": "agent"}


@responses.activate
def test_poll_fetch_and_intake_read_the_requesters_email_from_the_users_sideload(
    zd: ZendeskConnector,
) -> None:
    groups_listed()
    users = {"users": [REQUESTER, AGENT]}
    responses.get(
        f"{API}/incremental/tickets/cursor.json",
        match=[
            matchers.query_param_matcher({"include": "metric_sets,users"}, strict_match=False)
        ],
        json={"tickets": [ticket(), ticket(id=4017, requester_id=5)], "after_cursor": "c1",
              "end_of_stream": True} | users,
    )  # fmt: skip
    responses.get(
        f"{API}/tickets/4016.json",
        match=[matchers.query_param_matcher({"include": "metric_sets,users"})],
        json={"ticket": ticket()} | users,
    )
    responses.get(
        f"{API}/tickets/show_many.json",
        match=[matchers.query_param_matcher({"ids": "4016", "include": "metric_sets,users"})],
        json={"tickets": [ticket()]} | users,
    )
    known, unlisted = zd.poll(None).tickets
    assert known.requester_email == "jane@example.test"
    assert unlisted.requester_email is None  # a requester the sideload left out: no address
    assert zd.fetch("4016").requester_email == "jane@example.test"
    assert zd.read_many(["4016"])["4016"].requester_email == "jane@example.test"


@responses.activate
def test_budget_left_is_the_account_bucket_corrected_by_headers(zd: ZendeskConnector) -> None:
    full = zd.budget_left()
    assert full is not None and full > 10
    responses.get(
        f"{API}/groups.json",
        json=cursor_page("groups", [], more=False),
        headers={"x-rate-limit": "1000", "x-rate-limit-remaining": "503"},
    )
    zd.groups()
    assert zd.budget_left() == pytest.approx(3.0)  # 503 left, 500 kept for others (share 0.5)


# -- bulk writes ----------------------------------------------------------------------------
def job(status: str, results: list | None = None) -> dict:
    return {
        "job_status": {"id": "j1", "status": status, "total": 2, "progress": 0, "results": results}
    }


@responses.activate
def test_assign_many_checks_freshness_updates_and_polls_the_job(
    zd: ZendeskConnector, time: FakeTime
) -> None:
    groups_listed()
    responses.get(
        f"{API}/tickets/show_many.json",
        json={
            "tickets": [
                ticket(id=1, updated_at="2024-02-12T09:20:41Z"),
                ticket(id=2, updated_at="2024-02-12T09:30:00Z"),  # a human got there first
                ticket(id=3, updated_at="2024-02-12T09:20:41Z"),
                ticket(id=4, updated_at="2024-02-12T09:20:41Z"),
            ]
        },
    )
    responses.put(f"{API}/tickets/update_many.json", json=job("queued"))
    written(stations=1)  # only our assignment since: no audits to read
    status_url = f"{API}/job_statuses/j1.json"
    responses.get(status_url, json=job("queued"))
    responses.get(status_url, json=job("working"))
    responses.get(
        status_url,
        json=job(
            "completed",
            [
                {"id": 1, "action": "update", "success": True, "status": "Updated"},
                {
                    "id": 3,
                    "action": "update",
                    "success": False,
                    "error": "TicketUpdateFailed",
                    "details": "Assignee is not a member of the group",
                },
                {
                    "id": 4,
                    "action": "update",
                    "success": False,
                    "error": "DatabaseConflict",
                    "details": "changed after the freshness check",
                },
            ],
        ),
    )
    results = zd.assign_many([write(str(i)) for i in (1, 2, 3, 4, 5)])
    # 3: the agent refused (decided again without them); 5: gone since the check (parked)
    assert [r.outcome for r in results] == [
        "written",
        "conflict",
        "agent_gone",
        "conflict",
        "parked",
    ]
    sent = json.loads(
        next(c for c in responses.calls if "update_many" in c.request.url).request.body
    )
    assert [item["id"] for item in sent["tickets"]] == [1, 3, 4]
    assert time.sleeps == [1.0, 1.0]
    assert not [c for c in responses.calls if "audits" in c.request.url]


@responses.activate
def test_fetch_many_reads_100_per_request_and_leaves_unknown_ids_out(zd: ZendeskConnector) -> None:
    groups_listed()

    def show_many(request):  # type: ignore[no-untyped-def]
        ids = parse_qs(urlparse(request.url).query)["ids"][0].split(",")
        assert len(ids) <= 100
        known = [ticket(id=int(i)) for i in ids if int(i) != 7]
        return 200, {}, json.dumps({"tickets": known})

    responses.add_callback(responses.GET, f"{API}/tickets/show_many.json", callback=show_many)
    found = zd.fetch_many([str(i) for i in range(1, 151)])
    assert sorted(found, key=int) == [str(i) for i in range(1, 151) if i != 7]
    assert found["42"].id == "42"
    assert len([c for c in responses.calls if "show_many" in c.request.url]) == 2


@responses.activate
def test_assign_many_batches_at_most_100_ids(zd: ZendeskConnector) -> None:
    groups_listed()

    def show_many(request):  # type: ignore[no-untyped-def]
        ids = parse_qs(urlparse(request.url).query)["ids"][0].split(",")
        assert len(ids) <= 100
        return 200, {}, json.dumps({"tickets": [ticket(id=int(i)) for i in ids]})

    responses.add_callback(responses.GET, f"{API}/tickets/show_many.json", callback=show_many)
    responses.put(f"{API}/tickets/update_many.json", json=job("queued"))
    responses.get(f"{API}/job_statuses/j1.json", json=job("completed", []))
    results = zd.assign_many([write(str(i)) for i in range(1, 251)])
    updates = [c for c in responses.calls if "update_many" in c.request.url]
    assert [len(json.loads(c.request.body)["tickets"]) for c in updates] == [100, 100, 50]
    assert len(results) == 250
    kinds = [
        "update" if "update_many" in c.request.url else "poll"
        for c in responses.calls
        if "update_many" in c.request.url or "job_statuses" in c.request.url
    ]
    assert kinds == ["update"] * 3 + ["poll"] * 3  # jobs are submitted, then awaited together


@responses.activate
def test_a_job_that_never_finishes_fails_its_tickets_only(zd: ZendeskConnector) -> None:
    groups_listed()
    responses.get(f"{API}/tickets/show_many.json", json={"tickets": [ticket(id=1)]})
    responses.put(f"{API}/tickets/update_many.json", json=job("queued"))
    responses.get(f"{API}/job_statuses/j1.json", json=job("working"))
    (result,) = zd.assign_many([write("1", read_at=None)])
    assert result.outcome == "retry_later" and "still running" in result.detail


@responses.activate
def test_persistent_5xx_on_a_chunk_is_reported_not_raised(zd: ZendeskConnector) -> None:
    groups_listed()
    responses.get(f"{API}/tickets/show_many.json", status=503)
    results = zd.assign_many([write("1"), write("2")])
    assert [r.outcome for r in results] == ["retry_later", "retry_later"]


# -- history --------------------------------------------------------------------------------
@responses.activate
def test_history_reads_finished_tickets_with_metric_sets(zd: ZendeskConnector) -> None:
    groups_listed()
    responses.get(
        f"{API}/incremental/tickets/cursor.json",
        json={
            "tickets": [
                ticket(id=1, status="solved", assignee_id=5),
                ticket(id=2, status="open"),
                ticket(id=3, status="closed", created_at=None),
            ],
            "metric_sets": [
                {
                    "ticket_id": 1,
                    "solved_at": "2024-02-13T10:00:00Z",
                    "initially_assigned_at": "2024-02-12T09:30:00Z",
                }
            ],
            "after_cursor": "c1",
            "end_of_stream": True,
        },
    )
    since = READ_AT - timedelta(days=30)
    records = list(zd.history(since))
    assert [r.id for r in records] == ["1"]  # open is not history; broken one is left out
    assert records[0].solved_at == datetime(2024, 2, 13, 10, tzinfo=UTC)
    q = query(-1)
    assert q["include"] == ["metric_sets"] and q["start_time"] == [str(int(since.timestamp()))]


# -- accounts with and without the optional features ---------------------------------------
@pytest.fixture
def auto_zd(time: FakeTime) -> ZendeskConnector:
    """A connector with every source on ``auto``: it probes the account first."""
    options = ZendeskOptions(start_time=START, job_poll_interval=1.0, job_timeout=5.0)
    return ZendeskConnector(transport(time=time), options, time.sleep)


def team(*users: dict) -> None:
    """Groups, one membership each, the users and an empty search."""
    groups_listed()
    responses.get(
        f"{API}/group_memberships.json",
        json=cursor_page(
            "group_memberships",
            [{"user_id": u["id"], "group_id": 360001} for u in users],
            more=False,
        ),
    )
    responses.get(f"{API}/users.json", json=cursor_page("users", list(users), more=False))
    responses.get(f"{API}/search.json", json={"results": [], "count": 0, "next_page": None})


AWAY = user(
    id=1903456789002, name="Jun", user_fields={"deskroute_skills": "orders", "deskroute_away": True}
)


@responses.activate
def test_without_omnichannel_agents_work_the_business_hours_and_can_step_away(
    auto_zd: ZendeskConnector, caplog: pytest.LogCaptureFixture
) -> None:
    account(statuses=[availability(1903456789001, None)], schedules=[schedule()])
    team(user(user_fields={"deskroute_skills": "billing:7", "deskroute_away": False}), AWAY)
    with caplog.at_level("INFO", logger="deskroute.connectors.zendesk"):
        first, second = auto_zd.roster().agents
    assert first.status == "online" and second.status == "away"
    assert first.schedule is not None and first.schedule.timezone == "Europe/Berlin"
    assert first.schedule.on_shift(datetime(2024, 2, 12, 9, 0, tzinfo=UTC))
    assert dict(first.skills) == {"billing": 7}
    assert "business-hours schedule 'Support hours'" in caplog.text


@responses.activate
def test_a_refused_availability_api_falls_back_and_says_so_once(
    auto_zd: ZendeskConnector, caplog: pytest.LogCaptureFixture
) -> None:
    account()  # every optional endpoint answers 403
    team(user())
    with caplog.at_level("INFO", logger="deskroute.connectors.zendesk"):
        (agent,) = auto_zd.roster().agents
        auto_zd.roster()
    assert agent.status == "online" and agent.schedule is None
    assert caplog.text.count("availability from every active agent") == 1
    found = auto_zd.discover()
    assert found.features[0].present is False and "403" in found.features[0].detail


@responses.activate
def test_zendesk_skills_give_agents_and_waiting_tickets_their_skills(
    auto_zd: ZendeskConnector,
) -> None:
    account(
        statuses=[availability(1903456789001, "online")],
        attributes=[{"id": "uuid-skills", "name": "Skills"}],
    )
    team(user(user_fields={"deskroute_skills": "billing:8"}))
    responses.get(
        f"{API}/routing/agents/instance_values",
        json=cursor_page(
            "instance_values",
            [
                {"id": "iv1", "agent_id": 1903456789001, "name": "billing"},
                {"id": "iv2", "agent_id": 1903456789001, "name": "French"},
            ],
            more=False,
        ),
        match=[
            matchers.query_param_matcher({"filter[agent_ids]": "1903456789001"}, strict_match=False)
        ],
    )
    (agent,) = auto_zd.roster().agents
    assert dict(agent.skills) == {"billing": 8, "french": 5}
    responses.get(
        f"{API}/incremental/tickets/cursor.json",
        json={
            "tickets": [ticket(id=1), ticket(id=2, assignee_id=1903456789001, status="open")],
            "after_cursor": "c1",
            "end_of_stream": True,
        },
    )
    responses.get(
        f"{API}/routing/tickets/1/instance_values.json",
        json={"attribute_values": [{"id": "v1", "name": "billing"}]},
    )
    waiting, assigned = auto_zd.poll(None).tickets
    assert dict(waiting.required_skills) == {"billing": 1}
    assert dict(assigned.required_skills) == {}  # assigned: nothing to route, nothing read


def ticket_1_written(stations: int = 2) -> None:
    """A fresh ticket 1, written by a bulk job that completes at once, by user 99; after it
    the metric set counts ``stations`` assignments (2: someone besides us assigned it)."""
    groups_listed()
    responses.get(
        f"{API}/tickets/show_many.json",
        json={"tickets": [ticket(id=1)], "metric_sets": [metric_set(1, assignees=0)]},
    )
    responses.put(f"{API}/tickets/update_many.json", json=job("queued"))
    responses.get(
        f"{API}/job_statuses/j1.json",
        json=job(
            "completed", [{"id": 1, "action": "update", "success": True, "status": "Updated"}]
        ),
    )
    written(stations=stations)


def written(*, stations: int) -> None:
    """The check's read after the job: ticket 1 ours, with ``stations`` assignments; the
    API user is 99."""
    responses.get(
        f"{API}/tickets/show_many.json",
        json={
            "tickets": [ticket(id=1, assignee_id=1903456789001)],
            "metric_sets": [metric_set(1, assignees=stations)],
        },
    )
    responses.get(f"{API}/users/me.json", json={"user": {"id": 99, "role": "admin"}})


def metric_set(ticket_id: int, *, assignees: int) -> dict:
    return {
        "id": 90000 + ticket_id,
        "ticket_id": ticket_id,
        "assignee_stations": assignees,
        "group_stations": 1,
    }


@responses.activate
def test_a_bulk_write_that_raced_a_person_is_put_back(zd: ZendeskConnector) -> None:
    ticket_1_written()
    responses.get(
        f"{API}/tickets/1/audits.json",
        json=cursor_page(
            "audits",
            [
                audit(7, "2024-02-12T09:20:50Z", assignee=(None, 1903456789002), audit_id=2),
                audit(
                    99, "2024-02-12T09:21:00Z", assignee=(1903456789002, 1903456789001), audit_id=3
                ),
            ],
            more=False,
        ),
    )
    restore = responses.put(
        f"{API}/tickets/1.json",
        json={"ticket": ticket(id=1, assignee_id=1903456789002, updated_at="2024-02-12T09:21:05Z")},
    )
    (result,) = zd.assign_many([write("1")])
    assert result.outcome == "conflict" and "put back" in result.detail
    assert result.updated_at == datetime(2024, 2, 12, 9, 21, 5, tzinfo=UTC)
    sent = json.loads(restore.calls[0].request.body)["ticket"]
    assert sent["assignee_id"] == 1903456789002
    assert (sent["safe_update"], sent["updated_stamp"]) == (True, "2024-02-12T09:21:00Z")


@responses.activate
def test_a_bulk_write_nobody_raced_costs_one_read_per_100_tickets(zd: ZendeskConnector) -> None:
    ticket_1_written(stations=1)
    (result,) = zd.assign_many([write("1")])
    assert result.ok
    reads = [c.request.url for c in responses.calls if c.request.method == "GET"]
    assert sum("show_many" in url for url in reads) == 2  # the check before and after
    assert not [url for url in reads if "audits" in url]


@responses.activate
def test_a_ticket_someone_changed_after_our_bulk_write_is_theirs(zd: ZendeskConnector) -> None:
    groups_listed()
    responses.get(f"{API}/tickets/show_many.json", json={"tickets": [ticket(id=1)]})
    responses.put(f"{API}/tickets/update_many.json", json=job("queued"))
    responses.get(
        f"{API}/job_statuses/j1.json",
        json=job(
            "completed", [{"id": 1, "action": "update", "success": True, "status": "Updated"}]
        ),
    )
    responses.get(
        f"{API}/tickets/show_many.json",
        json={
            "tickets": [ticket(id=1, assignee_id=1903456789777)],
            "metric_sets": [metric_set(1, assignees=2)],
        },
    )
    (result,) = zd.assign_many([write("1")])  # their change came after ours: not an overwrite
    assert result.outcome == "conflict" and "since our write" in result.detail


@responses.activate
def test_a_landed_write_that_cannot_be_checked_is_failed_for_a_later_check(
    zd: ZendeskConnector,
) -> None:
    ticket_1_written()
    responses.get(f"{API}/tickets/1/audits.json", status=503)
    (result,) = zd.assign_many([write("1")])
    assert result.outcome == "retry_later" and "raced" in result.detail


@responses.activate
def test_an_optional_api_that_stops_answering_is_probed_again_not_fatal(
    auto_zd: ZendeskConnector, caplog: pytest.LogCaptureFixture
) -> None:
    availabilities = f"{API}/agent_availabilities"
    responses.get(
        availabilities,
        json=cursor_page("data", [availability(1903456789001, "online")], more=False),
    )  # the probe
    refused(availabilities)  # then omnichannel routing is switched off
    refused(f"{API}/business_hours/schedules.json")
    refused(f"{API}/routing/attributes.json")
    team(user())
    with caplog.at_level("INFO", logger="deskroute.connectors.zendesk"):
        (agent,) = auto_zd.roster().agents
    assert agent.status == "online"
    assert "stopped answering" in caplog.text
    assert auto_zd.modes().availability == "all_agents"
