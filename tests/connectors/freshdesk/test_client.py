"""The Freshdesk connector over ``responses``: every endpoint it calls and every error path."""

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
from connectors.freshdesk import FreshdeskConnector, FreshdeskOptions
from connectors.freshdesk.cursor import OVERLAP, FreshdeskCursor
from connectors.freshdesk.mapping import include_cost
from router.decision import Assignment, DecisionTrace
from tests.connectors.fakes import FRESHDESK, FakeTime, transport
from tests.connectors.freshdesk.payloads import agent, ticket

API = f"{FRESHDESK}/api/v2"
START = datetime(2024, 3, 1, 8, 0, tzinfo=UTC)
READ_AT = datetime(2024, 3, 1, 8, 5, 59, tzinfo=UTC)
WALL_BODY = {
    "description": "Validation failed",
    "errors": [
        {
            "field": "page",
            "message": "You cannot access tickets beyond the 300th page. Please "
            "provide a smaller page number.",
            "code": "invalid_value",
        }
    ],
}


@pytest.fixture
def time() -> FakeTime:
    return FakeTime()


@pytest.fixture
def fd(time: FakeTime) -> FreshdeskConnector:
    options = FreshdeskOptions(start_time=START, job_poll_interval=1.0, job_timeout=5.0)
    return FreshdeskConnector(transport(FRESHDESK, time=time), options, time.sleep)


def groups_listed() -> None:
    responses.get(
        f"{API}/groups", json=[{"id": 60000111, "name": "Shipping", "auto_ticket_assign": 0}]
    )


def link(page: int) -> dict[str, str]:
    return {"link": f'<{API}/tickets?page={page}&per_page=100>; rel="next"'}


def write(
    ticket_id: str,
    note: str | None = None,
    read_at: datetime | None = READ_AT,
    agent_id: str = "60000777",
) -> WriteRequest:
    trace = DecisionTrace(policy="t", ticket_id=ticket_id, at=READ_AT)
    return WriteRequest.of(
        assignment=Assignment(
            ticket_id=ticket_id, agent_id=agent_id, weight=1.0, trace=trace, group="Shipping"
        ),
        expected_updated_at=read_at,
        note=note,
    )


# -- polling --------------------------------------------------------------------------------
@responses.activate
def test_poll_lists_by_updated_since_oldest_first_100_per_page(fd: FreshdeskConnector) -> None:
    groups_listed()
    replied = {"first_responded_at": "2024-03-01T08:30:00Z", "resolved_at": None}
    responses.get(
        f"{API}/tickets",
        json=[
            ticket(id=1, stats={"first_responded_at": None}),
            ticket(id=2, status=4, stats=replied),
        ],
        headers=link(2),
    )
    page = fd.poll(None)
    assert [t.id for t in page.tickets] == ["1", "2"] and not page.done  # resolved ones too
    fresh, resolved = (t.custom_fields for t in page.tickets)
    assert (fresh["status"], fresh["first_reply_at"]) == ("open", None)
    assert (resolved["status"], resolved["first_reply_at"]) == ("solved", "2024-03-01T08:30:00Z")
    listing = next(c for c in responses.calls if "/tickets" in c.request.url)
    q = parse_qs(urlparse(listing.request.url).query)
    assert q["updated_since"] == ["2024-03-01T08:00:00Z"] and q["per_page"] == ["100"]
    assert q["order_by"] == ["updated_at"] and q["order_type"] == ["asc"]
    assert q["include"] == ["description,stats,requester"] and q["page"] == ["1"]
    after = FreshdeskCursor.decode(str(page.cursor))  # on from just before the newest update
    assert (after.page, after.since) == (1, READ_AT - OVERLAP)
    assert after.seen == {"1@2024-03-01T08:05:59Z", "2@2024-03-01T08:05:59Z"}


@responses.activate
def test_paging_goes_on_from_the_newest_update_so_a_change_cannot_hide_a_ticket(
    fd: FreshdeskConnector,
) -> None:
    """Found by the chaos run: with page=N of one listing, a ticket on page 1 that changed
    before page 2 was read moved to the end, every row moved up one place, and the first
    row of page 2 was never handed over."""
    groups_listed()
    first = [ticket(id=i, updated_at=f"2024-03-01T08:0{i}:00Z") for i in (1, 2, 3)]
    responses.get(f"{API}/tickets", json=first, headers=link(2))
    responses.get(
        f"{API}/tickets",
        json=[
            ticket(id=3, updated_at="2024-03-01T08:03:00Z"),
            ticket(id=4, updated_at="2024-03-01T08:04:00Z"),
        ],
    )
    page = fd.poll(None)
    second = fd.poll(page.cursor)
    assert [t.id for t in second.tickets] == ["4"]  # 3 was handed over on the first page
    q = parse_qs(urlparse(responses.calls[-1].request.url).query)
    assert (q["updated_since"], q["page"]) == (["2024-03-01T08:02:57Z"], ["1"])


@responses.activate
def test_a_page_within_one_second_is_followed_by_the_next_page(fd: FreshdeskConnector) -> None:
    groups_listed()
    responses.get(
        f"{API}/tickets",
        json=[ticket(id=i, updated_at="2024-03-01T08:00:00Z") for i in (1, 2)],
        headers=link(2),
    )
    after = FreshdeskCursor.decode(str(fd.poll(None).cursor))
    assert (after.since, after.page) == (START, 2)  # restarting there would read it again


@responses.activate
def test_last_page_has_no_link_header_and_ends_the_poll(fd: FreshdeskConnector) -> None:
    groups_listed()
    responses.get(f"{API}/tickets", json=[ticket(id=1, updated_at="2024-03-01T08:10:00Z")])
    page = fd.poll(None)
    assert page.done
    after = FreshdeskCursor.decode(str(page.cursor))
    assert after.since == datetime(2024, 3, 1, 8, 10, tzinfo=UTC) - OVERLAP
    assert after.seen == {"1@2024-03-01T08:10:00Z"}


@responses.activate
def test_page_300_restarts_with_a_later_updated_since(fd: FreshdeskConnector) -> None:
    groups_listed()
    responses.get(
        f"{API}/tickets", json=[ticket(id=9, updated_at="2024-03-02T00:00:00Z")], headers=link(301)
    )
    at_wall = FreshdeskCursor(since=START, page=300).encode()
    page = fd.poll(at_wall)
    after = FreshdeskCursor.decode(str(page.cursor))
    assert (after.page, after.since) == (1, datetime(2024, 3, 2, tzinfo=UTC) - OVERLAP)
    assert not page.done


@responses.activate
def test_a_400_at_the_wall_restarts_instead_of_failing(fd: FreshdeskConnector) -> None:
    groups_listed()
    responses.get(f"{API}/tickets", status=400, json=WALL_BODY)
    cursor = FreshdeskCursor(
        since=START, page=91, tail=READ_AT, seen=frozenset({"4@2024-03-01T08:05:59Z"})
    ).encode()
    page = fd.poll(cursor)
    after = FreshdeskCursor.decode(str(page.cursor))
    assert page.tickets == () and (after.page, after.since) == (1, READ_AT - OVERLAP)


@responses.activate
def test_duplicates_at_the_restart_seam_are_dropped(fd: FreshdeskConnector) -> None:
    groups_listed()
    responses.get(
        f"{API}/tickets",
        json=[
            ticket(id=4, updated_at="2024-03-01T08:05:59Z"),
            ticket(id=5, updated_at="2024-03-01T08:05:59Z"),
        ],
    )
    cursor = FreshdeskCursor(since=READ_AT, seen=frozenset({"4"})).encode()
    assert [t.id for t in fd.poll(cursor).tickets] == ["5"]


@pytest.mark.parametrize(
    "cursor",
    [
        pytest.param("eyJwIjogMzB9", id="a-zendesk-cursor"),
        pytest.param("{}", id="no-since"),
        pytest.param('{"since": "yesterday"}', id="bad-time"),
    ],
)
def test_a_foreign_cursor_is_fatal_not_retried(fd: FreshdeskConnector, cursor: str) -> None:
    with pytest.raises(FatalError):
        fd.poll(cursor)


@responses.activate
def test_one_broken_ticket_does_not_stop_the_page(fd: FreshdeskConnector) -> None:
    groups_listed()
    responses.get(
        f"{API}/tickets", json=[ticket(id=1), ticket(id=2, created_at=None), ticket(id=None)]
    )
    assert [t.id for t in fd.poll(None).tickets] == ["1"]


# -- roster ---------------------------------------------------------------------------------
@responses.activate
def test_roster_reads_agents_members_skills_and_loads(fd: FreshdeskConnector) -> None:
    groups_listed()
    responses.get(f"{API}/admin/groups/60000111/agents", json=[agent()])
    responses.get(
        f"{API}/admin/skills", json=[{"id": 3, "name": "Returns", "agents": [{"id": 60000777}]}]
    )
    responses.get(
        f"{API}/agents",
        json=[agent()],
        headers={"link": f'<{API}/agents?page=2&per_page=100>; rel="next"'},
        match=[matchers.query_param_matcher({"per_page": "100"})],
    )
    responses.get(
        f"{API}/agents",
        json=[agent(id=60000778, available=False), {"available": True, "contact": {}}],  # no id
        match=[matchers.query_param_matcher({"page": "2", "per_page": "100"})],
    )
    responses.get(
        f"{API}/search/tickets",
        json={
            "total": 2,
            "results": [ticket(id=1, responder_id=60000777), ticket(id=2, responder_id=None)],
        },
    )
    roster = fd.roster()
    assert [a.id for a in roster.agents] == ["60000777", "60000778"]
    first = roster.agents[0]
    assert first.groups == {"Shipping"} and dict(first.skills) == {"returns": 5}
    assert roster.agents[1].status == "offline"
    assert dict(roster.loads) == {"60000777": 1.0}
    search = next(c for c in responses.calls if "search" in c.request.url)
    assert parse_qs(urlparse(search.request.url).query)["query"] == ['"status:2 OR status:3"']


# -- single writes --------------------------------------------------------------------------
@responses.activate
def test_assign_rereads_updated_at_then_updates_and_adds_a_note(fd: FreshdeskConnector) -> None:
    groups_listed()
    responses.get(f"{API}/tickets/21", json=ticket())
    responses.put(
        f"{API}/tickets/21", json=ticket(responder_id=60000777, updated_at="2024-03-01T08:07:00Z")
    )
    responses.post(f"{API}/tickets/21/notes", status=201, json={"id": 1, "private": True})
    result = fd.assign(write("21", note="routed by skills"))
    assert result.ok and result.updated_at == datetime(2024, 3, 1, 8, 7, tzinfo=UTC)
    put = next(c for c in responses.calls if c.request.method == "PUT")
    assert json.loads(put.request.body) == {"responder_id": 60000777, "group_id": 60000111}
    note = json.loads(responses.calls[-1].request.body)
    assert note == {"body": "routed by skills", "private": True}


@responses.activate
def test_assign_sees_a_human_change_and_writes_nothing(fd: FreshdeskConnector) -> None:
    groups_listed()
    responses.get(
        f"{API}/tickets/21", json=ticket(updated_at="2024-03-01T08:09:00Z", responder_id=60000001)
    )
    result = fd.assign(write("21"))
    assert result.outcome == "conflict"
    assert not [c for c in responses.calls if c.request.method == "PUT"]


def validation(field: str, message: str) -> dict[str, Any]:
    """Freshdesk's 400 body (developer.freshdesk.com/api/#error): one invalid field."""
    return {
        "description": "Validation failed",
        "errors": [{"field": field, "message": message, "code": "invalid_value"}],
    }


@pytest.mark.parametrize(
    ("status", "body", "outcome"),
    [
        pytest.param(404, {"code": "not_found", "message": "Record not found"}, "parked",
                     id="404-flat"),
        pytest.param(405, {"code": "method_not_allowed", "message": "spam"}, "parked",
                     id="405-spam"),
        pytest.param(400, validation("responder_id", "There is no agent with this id"),
                     "agent_gone", id="400-agent-gone-decides-again"),
        pytest.param(400, validation("group_id", "There is no group with this id"), "parked",
                     id="400-other-field-parks"),
    ],
)  # fmt: skip
@responses.activate
def test_assign_reports_what_the_desk_refuses(
    fd: FreshdeskConnector, status: int, body: dict[str, Any], outcome: str
) -> None:
    groups_listed()
    responses.get(f"{API}/tickets/21", json=ticket())
    responses.put(f"{API}/tickets/21", status=status, json=body)
    result = fd.assign(write("21"))
    assert result.outcome == outcome and str(status) in result.detail


@responses.activate
def test_bad_api_key_is_fatal(fd: FreshdeskConnector) -> None:
    groups_listed()
    responses.get(
        f"{API}/tickets/21",
        status=401,
        json={"code": "invalid_credentials", "message": "You have to be logged in"},
    )
    with pytest.raises(FatalError):
        fd.assign(write("21"))


@responses.activate
def test_fetch_of_a_missing_ticket_is_skippable(fd: FreshdeskConnector) -> None:
    groups_listed()
    responses.get(f"{API}/tickets/21", status=404, json={"code": "not_found"})
    with pytest.raises(SkippableError):
        fd.fetch("21")


@responses.activate
def test_fetch_includes_stats_for_the_first_reply_and_the_requester(
    fd: FreshdeskConnector,
) -> None:
    groups_listed()
    responses.get(
        f"{API}/tickets/21",
        match=[matchers.query_param_matcher({"include": "stats,requester"})],
        json=ticket(status=3, stats={"first_responded_at": "2024-03-01T08:30:00Z"},
                    requester={"id": 60012345678, "email": "jane@example.test"}),
    )  # fmt: skip
    fetched = fd.fetch("21")
    fields = fetched.custom_fields
    assert fields["status"] == "pending" and fields["first_reply_at"] == "2024-03-01T08:30:00Z"
    assert fetched.requester_email == "jane@example.test"


@responses.activate
def test_budget_left_follows_the_x_ratelimit_headers(fd: FreshdeskConnector) -> None:
    responses.get(
        f"{API}/groups",
        json=[],
        headers={"X-RateLimit-Total": "400", "X-RateLimit-Remaining": "207"},
    )
    fd.groups()
    assert fd.budget_left() == pytest.approx(7.0)  # 207 left, 200 kept for others (share 0.5)


# -- bulk writes ----------------------------------------------------------------------------
@responses.activate
def test_bulk_update_per_agent_with_job_polling(fd: FreshdeskConnector, time: FakeTime) -> None:
    groups_listed()
    responses.get(
        f"{API}/tickets",
        json=[ticket(id=n) for n in (1, 2, 4, 5)]
        + [ticket(id=3, updated_at="2024-03-01T09:00:00Z")],
    )
    responses.post(
        f"{API}/tickets/bulk_update", status=202, json={"job_id": "a1", "href": f"{API}/jobs/a1"}
    )
    responses.get(f"{API}/jobs/a1", json={"id": "a1", "status": "IN PROGRESS", "progress": 0})
    responses.get(f"{API}/jobs/a1", json={"id": "a1", "status": "SUCCESS", "progress": 100})
    single = responses.put(f"{API}/tickets/2", json=ticket(id=2, responder_id=60000778))
    requests_ = [write("1"), write("2", agent_id="60000778"), write("3"), write("4"), write("5")]
    results = fd.assign_many(requests_)
    assert [r.outcome for r in results] == ["written", "written", "conflict", "written", "written"]
    bodies = [
        json.loads(c.request.body) for c in responses.calls if c.request.url.endswith("bulk_update")
    ]
    assert bodies == [
        {
            "bulk_action": {
                "ids": [1, 4, 5],
                "properties": {"responder_id": 60000777, "group_id": 60000111},
            }
        }
    ]
    assert single.call_count == 1  # one ticket for that agent: a job would cost more
    assert 1.0 in time.sleeps


@responses.activate
def test_the_freshness_check_reads_the_span_of_the_reads_to_its_end(fd: FreshdeskConnector) -> None:
    """Found by the chaos run: the check stopped after ``len/100 + 2`` pages, and a person's
    change past that page was overwritten unchecked. Every page within the reads' span is
    read; past the newest read the listing stops."""
    groups_listed()
    reads = {str(n): datetime(2024, 3, 1, 8, 10 + n, tzinfo=UTC) for n in range(1, 6)}
    for n in range(1, 6):  # each read on a page of its own, among others' changes
        responses.get(
            f"{API}/tickets",
            json=[
                ticket(id=900 + n, updated_at=f"2024-03-01T08:{10 + n:02d}:00Z"),
                ticket(id=n, updated_at=f"2024-03-01T08:{10 + n:02d}:{30 if n == 3 else 0:02d}Z"),
            ],
            headers=link(2),
        )
    responses.get(
        f"{API}/tickets", json=[ticket(id=999, updated_at="2024-03-01T08:16:00Z")], headers=link(2)
    )  # past the newest read: the last page needed
    responses.post(f"{API}/tickets/bulk_update", status=202, json={"job_id": "a1"})
    responses.get(f"{API}/jobs/a1", json={"id": "a1", "status": "SUCCESS"})
    results = fd.assign_many([write(tid, read_at=at) for tid, at in reads.items()])
    assert [r.outcome for r in results] == [
        "written",
        "written",
        "conflict",
        "written",
        "written",
    ]  # 3 changed
    listings = [c for c in responses.calls if urlparse(c.request.url).path.endswith("/tickets")]
    assert len(listings) == 6  # the span, and not a page more
    assert "include" not in parse_qs(urlparse(listings[0].request.url).query)  # credits


@responses.activate
def test_a_ticket_missing_from_the_span_of_the_reads_has_changed(fd: FreshdeskConnector) -> None:
    groups_listed()
    responses.get(
        f"{API}/tickets", json=[ticket(id=2, updated_at="2024-03-01T08:30:00Z")], headers=link(2)
    )
    responses.get(f"{API}/tickets/1", json=ticket(id=1, updated_at="2024-03-01T08:40:00Z"))
    responses.get(f"{API}/tickets/3", status=404, json={"code": "not_found", "message": "x"})
    changed, gone = fd.assign_many([write("1"), write("3")])  # neither is in the span
    assert (changed.outcome, gone.outcome) == ("conflict", "parked")
    assert changed.updated_at == datetime(2024, 3, 1, 8, 40, tzinfo=UTC)
    assert len([c for c in responses.calls if c.request.method == "POST"]) == 0


@responses.activate
def test_reads_much_older_than_the_rest_are_checked_one_by_one(fd: FreshdeskConnector) -> None:
    groups_listed()
    responses.get(f"{API}/tickets", json=[ticket(id=2)])
    responses.get(f"{API}/tickets/1", json=ticket(id=1, updated_at="2024-03-01T07:00:00Z"))
    responses.put(f"{API}/tickets/2", json=ticket(id=2, responder_id=60000777))
    long_ago = READ_AT - timedelta(hours=2)
    results = fd.assign_many([write("1", read_at=long_ago), write("2")])
    assert [r.outcome for r in results] == ["conflict", "written"]  # 1 changed after our read
    listing = next(c for c in responses.calls if urlparse(c.request.url).path.endswith("/tickets"))
    assert parse_qs(urlparse(listing.request.url).query)["updated_since"] == [
        "2024-03-01T08:05:59Z"
    ]  # the listing starts at the recent read, not two hours back


@responses.activate
def test_a_check_gone_stale_while_batches_went_out_is_made_again(time: FakeTime) -> None:
    """Found by the chaos run: a round of 30 small jobs took seconds after its one check,
    and a person took a ticket of a late batch in between."""
    ticks = iter(range(100))
    fd = FreshdeskConnector(
        transport(FRESHDESK, time=time),
        FreshdeskOptions(start_time=START, job_poll_interval=1.0, job_timeout=5.0),
        time.sleep,
        clock=lambda: 0.6 * next(ticks),
    )  # every look at the clock: 0.6 s later
    groups_listed()
    responses.get(f"{API}/tickets", json=[ticket(id=n) for n in range(1, 7)])
    responses.get(
        f"{API}/tickets",
        json=[ticket(id=n) for n in (4, 6)] + [ticket(id=5, updated_at="2024-03-01T08:30:00Z")],
    )  # the second look: 5 was taken
    responses.post(f"{API}/tickets/bulk_update", status=202, json={"job_id": "a1"})
    responses.get(f"{API}/jobs/a1", json={"id": "a1", "status": "SUCCESS"})
    for n in (4, 6):  # two left for that agent: single updates
        responses.put(f"{API}/tickets/{n}", json=ticket(id=n, responder_id=60000778))
    results = fd.assign_many(
        [write(n) for n in ("1", "2", "3")]
        + [write(n, agent_id="60000778") for n in ("4", "5", "6")]
    )
    assert [r.outcome for r in results] == [
        "written",
        "written",
        "written",
        "written",
        "conflict",
        "written",
    ]
    listings = [c for c in responses.calls if urlparse(c.request.url).path.endswith("/tickets")]
    assert len(listings) == 2


@responses.activate
def test_a_check_made_again_lists_only_what_changed_since_the_last_one(time: FakeTime) -> None:
    """The connector burst: with every re-check listing the whole span of the reads again,
    10,000 tickets for 50 agents cost 2,728 requests. The desk's clock at the last check
    (its ``Date``) is where the next one starts; nothing earlier can have changed unseen."""
    ticks = iter(range(100))
    fd = FreshdeskConnector(
        transport(FRESHDESK, time=time),
        FreshdeskOptions(start_time=START, job_poll_interval=1.0, job_timeout=5.0),
        time.sleep,
        clock=lambda: 0.6 * next(ticks),
    )  # every look at the clock: 0.6 s later
    groups_listed()
    first = responses.get(
        f"{API}/tickets",
        json=[ticket(id=n) for n in range(1, 7)],
        headers={"Date": "Fri, 01 Mar 2024 08:20:00 GMT"},
    )
    again = responses.get(
        f"{API}/tickets",
        json=[ticket(id=5, updated_at="2024-03-01T08:20:01Z")],  # taken right after the check
        headers={"Date": "Fri, 01 Mar 2024 08:20:03 GMT"},
    )
    responses.post(f"{API}/tickets/bulk_update", status=202, json={"job_id": "a1"})
    responses.get(f"{API}/jobs/a1", json={"id": "a1", "status": "SUCCESS"})
    for n in (4, 6):
        responses.put(f"{API}/tickets/{n}", json=ticket(id=n, responder_id=60000778))
    results = fd.assign_many(
        [write(n) for n in ("1", "2", "3")]
        + [write(n, agent_id="60000778") for n in ("4", "5", "6")]
    )
    assert [r.outcome for r in results] == [
        "written",
        "written",
        "written",
        "written",
        "conflict",
        "written",
    ]
    assert (first.call_count, again.call_count) == (1, 1)
    listings = [c for c in responses.calls if urlparse(c.request.url).path.endswith("/tickets")]
    assert parse_qs(urlparse(listings[1].request.url).query)["updated_since"] == [
        "2024-03-01T08:19:58Z"
    ]  # the last check's Date, two seconds back: not the reads' span


@responses.activate
def test_a_check_made_again_covers_every_ticket_not_sent_yet(time: FakeTime) -> None:
    """Found by the CI-sized chaos run: a re-check before agent B's job matched only B's
    tickets, and the next one started after it, so C's ticket taken in between was
    written over. Each re-check now matches every ticket still waiting."""
    ticks = iter(range(100))
    fd = FreshdeskConnector(
        transport(FRESHDESK, time=time),
        FreshdeskOptions(start_time=START, job_poll_interval=1.0, job_timeout=5.0),
        time.sleep,
        clock=lambda: 0.6 * next(ticks),
    )
    groups_listed()
    responses.get(f"{API}/tickets", json=[ticket(id=n) for n in range(1, 10)],
                  headers={"Date": "Fri, 01 Mar 2024 08:20:00 GMT"})  # fmt: skip
    responses.get(f"{API}/tickets", json=[ticket(id=8, updated_at="2024-03-01T08:20:01Z")],
                  headers={"Date": "Fri, 01 Mar 2024 08:20:03 GMT"})  # fmt: skip
    responses.get(f"{API}/tickets", json=[], headers={"Date": "Fri, 01 Mar 2024 08:20:05 GMT"})
    responses.post(f"{API}/tickets/bulk_update", status=202, json={"job_id": "a1"})
    responses.get(f"{API}/jobs/a1", json={"id": "a1", "status": "SUCCESS"})
    for n in (7, 9):  # two left for C once 8 is out: single updates
        responses.put(f"{API}/tickets/{n}", json=ticket(id=n, responder_id=60000779))
    agents = {"60000777": ("1", "2", "3"), "60000778": ("4", "5", "6"), "60000779": ("7", "8", "9")}
    results = fd.assign_many(
        [write(tid, agent_id=agent) for agent, tids in agents.items() for tid in tids]
    )
    outcomes = {r.ticket_id: r.outcome for r in results}
    assert outcomes["8"] == "conflict"
    assert {tid: o for tid, o in outcomes.items() if o != "written"} == {"8": "conflict"}
    written = [json.loads(c.request.body)["bulk_action"]["ids"] for c in responses.calls
               if c.request.url.endswith("bulk_update")]  # fmt: skip
    assert 8 not in [tid for ids in written for tid in ids]


@responses.activate
def test_bulk_job_failures_are_per_ticket(fd: FreshdeskConnector) -> None:
    groups_listed()
    responses.post(f"{API}/tickets/bulk_update", status=202, json={"job_id": "a1"})
    responses.get(
        f"{API}/jobs/a1",
        json={
            "id": "a1",
            "status": "PARTIAL",
            "data": [
                {"id": 1, "success": True},
                {"id": 2, "success": False, "message": "responder is not in the group"},
                {"id": 3, "success": True},
                {"id": 4, "success": False, "message": "ticket is marked as spam"},
            ],
        },
    )
    results = fd.assign_many([write(n, read_at=None) for n in ("1", "2", "3", "4")])
    # a refused responder is decided again without them; anything else is left to people
    assert [r.outcome for r in results] == ["written", "agent_gone", "written", "parked"]
    assert "not in the group" in results[1].detail


@responses.activate
def test_bulk_batches_hold_at_most_100_ids(fd: FreshdeskConnector) -> None:
    groups_listed()
    responses.post(f"{API}/tickets/bulk_update", status=202, json={"job_id": "a1"})
    responses.get(f"{API}/jobs/a1", json={"id": "a1", "status": "SUCCESS"})
    fd.assign_many([write(str(i), read_at=None) for i in range(1, 231)])
    sizes = [
        len(json.loads(c.request.body)["bulk_action"]["ids"])
        for c in responses.calls
        if c.request.method == "POST"
    ]
    assert sizes == [100, 100, 30]


@responses.activate
def test_a_failing_bulk_call_fails_only_its_batch(fd: FreshdeskConnector) -> None:
    groups_listed()
    responses.post(f"{API}/tickets/bulk_update", status=503, json={"description": "busy"})
    results = fd.assign_many([write(n, read_at=None) for n in ("1", "2", "3")])
    assert [r.outcome for r in results] == ["retry_later", "retry_later", "retry_later"]
    # sent once: after a backoff the freshness check would be stale; the outbox re-checks
    assert len([c for c in responses.calls if c.request.method == "POST"]) == 1


# -- history --------------------------------------------------------------------------------
@responses.activate
def test_history_lists_resolved_and_closed_with_stats(fd: FreshdeskConnector) -> None:
    groups_listed()
    stats = {"first_responded_at": "2024-03-01T09:00:00Z", "resolved_at": "2024-03-02T09:00:00Z"}
    responses.get(
        f"{API}/tickets",
        json=[ticket(id=1, status=4, stats=stats), ticket(id=2, status=2, stats=stats)],
    )
    records = list(fd.history(START))
    assert [r.id for r in records] == ["1"]
    listing = next(c for c in responses.calls if "/tickets" in c.request.url)
    q = parse_qs(urlparse(listing.request.url).query)
    assert q["include"] == ["stats,description"]


@responses.activate
def test_a_note_on_its_own_is_private_escaped_and_sent_once(fd: FreshdeskConnector) -> None:
    responses.post(f"{API}/tickets/1/notes", status=503)
    with pytest.raises(RetriableError):
        fd.add_note("1", "why <b>\nbilling")
    body = json.loads(responses.calls[0].request.body)
    assert body == {"body": "why &lt;b&gt;<br>billing", "private": True}
    assert len(responses.calls) == 1


@responses.activate
def test_a_recheck_reads_tickets_without_stats_one_credit_each(fd: FreshdeskConnector) -> None:
    groups_listed()
    responses.get(f"{API}/tickets/1", json=ticket(id=1, responder_id=60000777))
    responses.get(f"{API}/tickets/2", status=404, json={"code": "not_found", "message": "x"})
    found = fd.fetch_many(["1", "2"])
    assert list(found) == ["1"] and found["1"].assignee == "60000777"
    reads = [c for c in responses.calls if "/tickets/" in c.request.url]
    assert all("include" not in c.request.url for c in reads)


# -- plans and credits ----------------------------------------------------------------------
@responses.activate
def test_a_plan_without_skills_is_routed_without_and_says_so_once(
    fd: FreshdeskConnector, caplog: pytest.LogCaptureFixture
) -> None:
    groups_listed()
    responses.get(
        f"{API}/admin/skills",
        status=403,
        json={
            "code": "require_feature",
            "message": "The Skill Based Round Robin feature(s) is/are "
            "not supported in your plan. Please upgrade your account to use it.",
        },
    )
    responses.get(f"{API}/admin/groups/60000111/agents", json=[agent()])
    responses.get(f"{API}/agents", json=[agent()])
    responses.get(f"{API}/search/tickets", json={"total": 0, "results": []})
    with caplog.at_level("INFO", logger="deskroute.connectors.freshdesk"):
        (first,) = fd.roster().agents
        fd.roster()
    assert dict(first.skills) == {}
    assert caplog.text.count("skills not read") == 1
    assert len([c for c in responses.calls if "admin/skills" in c.request.url]) == 1
    found = fd.discover()
    assert found.features[0].present is False and "403" in found.features[0].detail


@pytest.mark.parametrize(
    ("include", "credits"),
    [
        pytest.param(None, 1, id="plain"),
        pytest.param("stats", 3, id="stats"),
        pytest.param("description,stats", 5, id="two-includes"),
    ],
)
def test_each_include_costs_two_more_credits(include: str | None, credits: int) -> None:
    assert include_cost(include) == credits


@responses.activate
def test_polling_spends_the_credits_of_its_includes(fd: FreshdeskConnector) -> None:
    groups_listed()
    fd.groups()
    before = fd.budget_left()
    responses.get(f"{API}/tickets", json=[])
    fd.poll(None)
    assert before is not None and fd.budget_left() == pytest.approx(before - 7)


@responses.activate
def test_the_server_says_what_a_request_cost(fd: FreshdeskConnector) -> None:
    responses.get(f"{API}/groups", json=[], headers={"X-RateLimit-Used-CurrentRequest": "4"})
    before = fd.budget_left()
    fd.groups()
    assert before is not None and fd.budget_left() == pytest.approx(before - 4)


# -- the open unassigned listing (reconciliation sweep) -------------------------------------
@responses.activate
def test_unassigned_filters_open_and_pending_tickets_without_an_agent(
    fd: FreshdeskConnector,
) -> None:
    responses.get(
        f"{API}/search/tickets",
        json={"total": 31, "results": [ticket(responder_id=None)] * 30},
    )
    page = fd.unassigned(None)
    params = parse_qs(urlparse(responses.calls[0].request.url).query)
    assert params["query"] == ['"agent_id:null AND (status:2 OR status:3)"']
    assert params["page"] == ["1"] and "per_page" not in params  # 30 a page, fixed
    assert {t.ticket_id for t in page.tickets} == {str(ticket()["id"])}
    assert page.tickets[0].updated_at is not None
    assert (page.cursor, page.capped) == ("2", False)


@responses.activate
def test_unassigned_ends_on_the_last_page_of_the_total(fd: FreshdeskConnector) -> None:
    responses.get(f"{API}/search/tickets", json={"total": 31, "results": [ticket()]})
    page = fd.unassigned("2")
    assert (page.cursor, page.capped) == (None, False)


@responses.activate
def test_unassigned_stops_at_page_10_of_the_filter_api(fd: FreshdeskConnector) -> None:
    responses.get(f"{API}/search/tickets", json={"total": 900, "results": [ticket()] * 30})
    page = fd.unassigned("10")
    assert (page.cursor, page.capped) == (None, True)  # page 11 would be a 400
