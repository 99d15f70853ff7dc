"""The RT client against ``responses``: every endpoint it uses and every error path."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlparse

import pytest
import requests
import responses
from pydantic import SecretStr
from responses import matchers

from config.settings import ConfigError, RtSettings
from connectors.base import WriteRequest
from connectors.errors import FatalError, RetriableError, SkippableError
from connectors.rt import RtConnector, from_settings, mapping
from router.decision import Assignment, DecisionTrace
from tests.connectors.rt.payloads import URL, collection, ref, search_item, ticket
from tests.secret_values import RT_TOKEN

BASE = URL.removesuffix("/REST/2.0")
CHANGED = ["Ticket 7: Owner changed from Nobody to alice"]
REFUSED = ["Ticket 7: That user may not own tickets in that queue"]
READ_AT = datetime(2026, 11, 25, 0, 37, 46, tzinfo=UTC)


@pytest.fixture
def http() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.fixture
def slept() -> list[float]:
    return []


def connector(slept: list[float], **settings: object) -> RtConnector:
    values: dict[str, object] = {
        "base_url": BASE,
        "token": SecretStr("1-33-abc"),
        "queues": ("Billing", "Support"),
        "read_body": False,
        "page_size": 2,
    }
    values.update(settings)
    return from_settings(
        RtSettings.model_validate(values), requests.Session(), sleep=slept.append, clock=lambda: 0.0
    )


def queue_lookups(http: responses.RequestsMock) -> None:
    http.get(f"{URL}/queue/Billing", json={"id": 3, "Name": "Billing", "AdminCc": []})
    http.get(
        f"{URL}/queue/Support",
        json={"id": 4, "Name": "Support", "AdminCc": [ref("user", "bob"), ref("group", 50)]},
    )


def request(
    agent: str = "alice",
    group: str | None = None,
    note: str | None = "why",
    expected: datetime | None = READ_AT,
) -> WriteRequest:
    trace = DecisionTrace(policy="test", ticket_id="7", at=READ_AT)
    assignment = Assignment(ticket_id="7", agent_id=agent, weight=1.0, trace=trace, group=group)
    return WriteRequest.of(assignment=assignment, expected_updated_at=expected, note=note)


def query_of(call: responses.Call) -> dict[str, list[str]]:
    return parse_qs(urlparse(str(call.request.url)).query)


# -- configuration -------------------------------------------------------------------------
def test_budget_left_is_the_rt_bucket(http: responses.RequestsMock, slept: list[float]) -> None:
    rt = connector(slept, requests_per_minute=120)
    assert rt.budget_left() == pytest.approx(60.0)  # half of the minute may burst
    queue_lookups(http)
    rt.queues()
    assert rt.budget_left() == pytest.approx(58.0)


def test_missing_settings_name_each_variable() -> None:
    with pytest.raises(ConfigError) as error:
        from_settings(RtSettings())
    assert [name for name, _ in error.value.problems] == [
        "DESKROUTE_RT__BASE_URL",
        "DESKROUTE_RT__TOKEN",
        "DESKROUTE_RT__QUEUES",
    ]


def test_owner_group_for_an_unrouted_queue_is_a_config_error(slept: list[float]) -> None:
    with pytest.raises(ConfigError, match="DESKROUTE_RT__OWNER_GROUPS"):
        connector(slept, owner_groups=("Sales=Sellers",))


def test_token_auth_header_and_rest2_base(http: responses.RequestsMock, slept: list[float]) -> None:
    http.get(
        f"{URL}/tickets",
        json=collection([], 2),
        match=[matchers.header_matcher({"Authorization": "token 1-33-abc"})],
    )
    assert connector(slept).poll(None).done


# -- polling -------------------------------------------------------------------------------
def test_poll_asks_for_unowned_tickets_past_the_cursor(
    http: responses.RequestsMock, slept: list[float]
) -> None:
    http.get(f"{URL}/tickets", json=collection([search_item(42), search_item(43)], 2))
    page = connector(slept).poll("41")
    params = query_of(http.calls[0])
    assert params["query"] == [
        "(Queue = 'Billing' OR Queue = 'Support') AND (Status = 'new')"
        " AND Owner = 'Nobody' AND id > 41"
    ]
    assert (params["orderby"], params["order"], params["per_page"]) == (["id"], ["ASC"], ["2"])
    assert params["fields[Queue]"] == ["Name"]
    assert [t.id for t in page.tickets] == ["42", "43"]
    assert (page.cursor, page.done) == ("43", False)


def test_unassigned_lists_unowned_tickets_past_the_cursor_with_their_last_update(
    http: responses.RequestsMock, slept: list[float]
) -> None:
    http.get(f"{URL}/tickets", json=collection([search_item(5), search_item(9)], 2))
    page = connector(slept).unassigned(None)
    params = query_of(http.calls[0])
    assert params["query"] == [
        "(Queue = 'Billing' OR Queue = 'Support') AND (Status = 'new')"
        " AND Owner = 'Nobody' AND id > 0"
    ]
    assert params["fields"] == ["LastUpdated"] and params["orderby"] == ["id"]
    assert [(t.ticket_id, t.updated_at) for t in page.tickets] == [("5", READ_AT), ("9", READ_AT)]
    assert page.cursor == "9"


def test_unassigned_ends_on_a_short_page(http: responses.RequestsMock, slept: list[float]) -> None:
    http.get(f"{URL}/tickets", json=collection([search_item(12, LastUpdated="garbage")], 2))
    page = connector(slept).unassigned("9")
    assert "id > 9" in query_of(http.calls[0])["query"][0]
    assert [(t.ticket_id, t.updated_at) for t in page.tickets] == [("12", None)]
    assert page.cursor is None


def test_short_page_means_done_and_keeps_cursor_when_empty(
    http: responses.RequestsMock, slept: list[float]
) -> None:
    http.get(f"{URL}/tickets", json=collection([], 2))
    assert connector(slept).poll("43") == type(connector(slept).poll("43"))(
        tickets=(), cursor="43", done=True
    )


def test_bad_ticket_is_left_out_but_the_cursor_moves_past_it(
    http: responses.RequestsMock, slept: list[float]
) -> None:
    http.get(f"{URL}/tickets", json=collection([search_item(5, Created=None), search_item(6)], 2))
    page = connector(slept).poll(None)
    assert [t.id for t in page.tickets] == ["6"]
    assert page.cursor == "6"


def test_poll_reads_each_first_message_when_asked(
    http: responses.RequestsMock, slept: list[float]
) -> None:
    http.get(f"{URL}/tickets", json=collection([search_item(8)], 2))
    http.get(
        f"{URL}/ticket/8/attachments",
        json=collection([{"ContentType": "text/plain", "Content": "My card was charged twice"}], 5),
    )
    page = connector(slept, read_body=True).poll(None)
    assert page.tickets[0].body == "My card was charged twice"


def test_hidden_ticket_body_skips_only_that_ticket(
    http: responses.RequestsMock, slept: list[float]
) -> None:
    http.get(f"{URL}/tickets", json=collection([search_item(8), search_item(9)], 2))
    http.get(f"{URL}/ticket/8/attachments", status=403, json={"message": "Forbidden"})
    http.get(f"{URL}/ticket/9/attachments", json=collection([], 5))
    page = connector(slept, read_body=True).poll(None)
    assert [t.id for t in page.tickets] == ["9"]


@pytest.mark.parametrize(
    ("status", "body", "error"),
    [
        pytest.param(401, {"message": "Unauthorized"}, FatalError, id="bad-token"),
        pytest.param(
            400, {"message": "Wrong query, expecting a VALUE"}, FatalError, id="bad-ticketsql"
        ),
        pytest.param(403, {"message": "Forbidden"}, FatalError, id="no-rights-on-search"),
        pytest.param(503, {"message": "down"}, RetriableError, id="server-down"),
    ],
)
def test_poll_errors_by_what_to_do(
    http: responses.RequestsMock,
    slept: list[float],
    status: int,
    body: dict[str, str],
    error: type[Exception],
) -> None:
    http.get(f"{URL}/tickets", status=status, json=body)
    with pytest.raises(error):
        connector(slept).poll(None)


def test_transient_failure_is_retried_with_backoff(
    http: responses.RequestsMock, slept: list[float]
) -> None:
    http.get(f"{URL}/tickets", status=502, body="Bad Gateway")
    http.get(f"{URL}/tickets", json=collection([search_item(1)], 2))
    assert [t.id for t in connector(slept).poll(None).tickets] == ["1"]
    assert len(slept) == 1


def test_connection_refused_is_retriable(slept: list[float]) -> None:
    rt = from_settings(
        RtSettings(base_url="http://127.0.0.1:9", token=SecretStr(RT_TOKEN), queues=("Billing",)),
        requests.Session(),
        sleep=slept.append,
        clock=lambda: 0.0,
    )
    with pytest.raises(RetriableError, match="connection failed"):
        rt.poll(None)


# -- fetch ---------------------------------------------------------------------------------
def test_fetch_maps_queue_id_through_the_queue_names(
    http: responses.RequestsMock, slept: list[float]
) -> None:
    queue_lookups(http)
    http.get(f"{URL}/ticket/7", json=ticket(7, Queue=ref("queue", "4")))
    fetched = connector(slept).fetch("7")
    assert (fetched.id, fetched.group) == ("7", "Support")


@pytest.mark.parametrize(
    ("status", "body"),
    [
        pytest.param(404, {"message": "Not Found"}, id="deleted"),
        pytest.param(403, {"message": "Forbidden"}, id="moved-out-of-sight"),
    ],
)
def test_fetch_of_a_gone_ticket_is_skippable(
    http: responses.RequestsMock, slept: list[float], status: int, body: dict[str, str]
) -> None:
    http.get(f"{URL}/ticket/7", status=status, json=body)
    with pytest.raises(SkippableError):
        connector(slept).fetch("7")


# -- roster --------------------------------------------------------------------------------
def test_roster_from_owner_group_with_nested_group(
    http: responses.RequestsMock, slept: list[float]
) -> None:
    http.post(
        f"{URL}/groups",
        json=collection([ref("group", "45")], 20),
        match=[matchers.json_params_matcher([{"field": "Name", "value": "Billing Agents"}])],
    )
    http.get(
        f"{URL}/group/45", json={"id": 45, "Members": [ref("user", "alice"), ref("group", 46)]}
    )
    http.get(f"{URL}/group/46", json={"id": 46, "Members": [ref("user", "erin"), ref("group", 45)]})
    for name in ("alice", "erin"):
        http.get(f"{URL}/user/{name}", json={"Name": name, "RealName": name.title()})
    http.get(
        f"{URL}/tickets",
        json=collection(
            [search_item(1, Owner=ref("user", "alice")), search_item(2, Owner=ref("user", "zed"))],
            100,
        ),
    )
    roster = connector(slept, queues=("Billing",), owner_groups=("Billing Agents",)).roster()
    assert [(a.id, a.name, sorted(a.groups)) for a in roster.agents] == [
        ("alice", "Alice", ["Billing", "Billing Agents"]),
        ("erin", "Erin", ["Billing", "Billing Agents"]),
    ]
    assert roster.loads == {"alice": 1.0}


def test_roster_from_queue_admincc_watchers(
    http: responses.RequestsMock, slept: list[float]
) -> None:
    queue_lookups(http)
    http.get(f"{URL}/group/50", json={"id": 50, "Members": [ref("user", "dave")]})
    for name in ("bob", "dave"):
        http.get(f"{URL}/user/{name}", json={"Name": name})
    http.get(f"{URL}/tickets", json=collection([], 100))
    roster = connector(slept, queues=("Support",)).roster()
    assert {a.id: sorted(a.groups) for a in roster.agents} == {
        "bob": ["Support"],
        "dave": ["Support"],
    }


def test_loads_follow_every_full_page(http: responses.RequestsMock, slept: list[float]) -> None:
    queue_lookups(http)
    first = [search_item(i, Owner=ref("user", "bob")) for i in range(100)]
    http.get(
        f"{URL}/tickets",
        json=collection(first, 100),
        match=[matchers.query_param_matcher({"page": "1"}, strict_match=False)],
    )
    http.get(
        f"{URL}/tickets",
        json=collection([search_item(100, Owner=ref("user", "bob"))], 100, page=2),
        match=[matchers.query_param_matcher({"page": "2"}, strict_match=False)],
    )
    http.get(f"{URL}/group/50", json={"id": 50, "Members": []})
    http.get(f"{URL}/user/bob", json={"Name": "bob"})
    assert connector(slept, queues=("Support",)).roster().loads == {"bob": 101.0}


def test_unknown_owner_group_is_fatal(http: responses.RequestsMock, slept: list[float]) -> None:
    http.post(f"{URL}/groups", json=collection([], 20))
    with pytest.raises(FatalError, match="Ghosts"):
        connector(slept, owner_groups=("Ghosts",)).roster()


# -- assign --------------------------------------------------------------------------------
def owner_put(http: responses.RequestsMock, messages: list[str], agent: str = "alice") -> None:
    http.put(
        f"{URL}/ticket/7", json=messages, match=[matchers.json_params_matcher({"Owner": agent})]
    )


def reads(http: responses.RequestsMock, *owners: str) -> None:
    """Successive ``GET /ticket/7`` answers with these owners."""
    for owner in owners:
        http.get(f"{URL}/ticket/7", json=ticket(7, Owner=ref("user", owner)))


def test_assign_sets_owner_comments_and_confirms(
    http: responses.RequestsMock, slept: list[float]
) -> None:
    reads(http, "Nobody", "alice")
    owner_put(http, CHANGED)
    comment = http.post(
        f"{URL}/ticket/7/comment",
        status=201,
        json=["Comments added"],
        match=[matchers.json_params_matcher({"Content": "why", "ContentType": "text/plain"})],
    )
    result = connector(slept).assign(request())
    assert (result.outcome, result.detail) == ("written", CHANGED[0])
    assert result.updated_at == READ_AT
    assert comment.call_count == 1


def test_a_note_on_its_own_is_a_comment(http: responses.RequestsMock, slept: list[float]) -> None:
    comment = http.post(
        f"{URL}/ticket/7/comment",
        status=201,
        json=["Comments added"],
        match=[matchers.json_params_matcher({"Content": "why", "ContentType": "text/plain"})],
    )
    connector(slept).add_note("7", "why")
    assert comment.call_count == 1


@pytest.mark.parametrize(
    ("refusal", "outcome"),
    [
        pytest.param(REFUSED, "agent_gone", id="may-not-own-decides-again"),
        pytest.param(["Ticket 7: That user does not exist"], "agent_gone", id="user-gone"),
        pytest.param(["Ticket 7: Permission Denied"], "parked", id="other-refusal-parks"),
    ],
)
def test_refused_owner_is_reported_not_done(
    http: responses.RequestsMock, slept: list[float], refusal: list[str], outcome: str
) -> None:
    reads(http, "Nobody", "Nobody")
    owner_put(http, refusal)
    comment = http.post(f"{URL}/ticket/7/comment", status=201, json=["Comments added"])
    result = connector(slept).assign(request())
    assert result.outcome == outcome
    assert refusal[0].removeprefix("Ticket 7: ") in result.detail
    assert comment.call_count == 0


def test_message_is_not_trusted_without_the_read_back(
    http: responses.RequestsMock, slept: list[float]
) -> None:
    reads(http, "Nobody", "bob")
    owner_put(http, CHANGED)
    http.post(f"{URL}/ticket/7/comment", status=201, json=["Comments added"])
    result = connector(slept).assign(request())
    assert result.outcome == "conflict"
    assert "owner is bob" in result.detail


def test_owner_taken_between_our_read_and_write_is_a_conflict(
    http: responses.RequestsMock, slept: list[float]
) -> None:
    reads(http, "Nobody", "bob")
    owner_put(http, ["Ticket 7: You can only reassign tickets that you own or that are unowned"])
    result = connector(slept).assign(request())
    assert result.outcome == "conflict"
    assert "owner is bob" in result.detail


@pytest.mark.parametrize(
    ("comments", "posted"),
    [
        pytest.param(["why"], 0, id="comment-landed-too"),
        pytest.param([], 1, id="crash-before-the-comment"),
        pytest.param(["someone else's remark"], 1, id="only-other-comments"),
    ],
)
def test_replay_of_a_done_assignment_completes_without_repeating(
    http: responses.RequestsMock, slept: list[float], comments: list[str], posted: int
) -> None:
    reads(http, "alice")
    http.post(
        f"{URL}/transactions",
        json=collection([ref("transaction", 90 + n) for n in range(len(comments))], 10),
        match=[matchers.json_params_matcher(mapping.comment_search("7"))],
    )
    for n, text in enumerate(comments):
        http.get(
            f"{URL}/transaction/{90 + n}/attachments",
            json=collection([{"ContentType": "text/plain", "Content": text + "\n"}], 20),
        )
    comment = http.post(f"{URL}/ticket/7/comment", status=201, json=["Comments added"])
    result = connector(slept).assign(request())
    assert result.outcome == "written"
    assert comment.call_count == posted
    assert "PUT" not in [c.request.method for c in http.calls]


def test_replay_when_rt_hides_the_comments_adds_none(
    http: responses.RequestsMock, slept: list[float]
) -> None:
    reads(http, "alice")
    http.post(f"{URL}/transactions", status=403, json={"message": "Forbidden"})
    comment = http.post(f"{URL}/ticket/7/comment", status=201, json=["Comments added"])
    assert connector(slept).assign(request()).ok
    assert comment.call_count == 0


@pytest.mark.parametrize(
    ("raw", "detail"),
    [
        pytest.param(ticket(7, Owner=ref("user", "bob")), "bob owns it", id="human-took-it"),
        pytest.param(
            ticket(7, LastUpdated="2026-11-25T00:50:00Z"), "changed since", id="edited-since-read"
        ),
    ],
)
def test_conflicts_write_nothing(
    http: responses.RequestsMock, slept: list[float], raw: dict[str, object], detail: str
) -> None:
    http.get(f"{URL}/ticket/7", json=raw)
    result = connector(slept).assign(request())
    assert result.outcome == "conflict"
    assert detail in result.detail
    assert result.updated_at == mapping.rt_time(raw["LastUpdated"])
    assert [c.request.method for c in http.calls] == ["GET"]


def test_comment_off_or_no_note_writes_only_the_owner(
    http: responses.RequestsMock, slept: list[float]
) -> None:
    reads(http, "Nobody", "alice")
    owner_put(http, CHANGED)
    result = connector(slept, comment=False).assign(request())
    assert result.ok
    assert [c.request.method for c in http.calls] == ["GET", "PUT", "GET"]


def test_failed_comment_keeps_the_assignment(
    http: responses.RequestsMock, slept: list[float]
) -> None:
    reads(http, "Nobody", "alice")
    owner_put(http, CHANGED)
    http.post(f"{URL}/ticket/7/comment", status=400, json={"message": "Permission Denied"})
    assert connector(slept).assign(request()).ok


def test_move_queue_then_owner(http: responses.RequestsMock, slept: list[float]) -> None:
    queue_lookups(http)
    http.get(f"{URL}/ticket/7", json=ticket(7, Queue=ref("queue", "4")))
    move = http.put(
        f"{URL}/ticket/7",
        json=["Ticket 7: Queue changed from Support to Billing"],
        match=[matchers.json_params_matcher({"Queue": "Billing"})],
    )
    owner_put(http, CHANGED)
    reads(http, "alice")
    result = connector(slept, move_queue=True, comment=False).assign(request(group="Billing"))
    assert result.ok
    assert move.call_count == 1


def test_refused_queue_move_is_reported(http: responses.RequestsMock, slept: list[float]) -> None:
    queue_lookups(http)
    http.get(f"{URL}/ticket/7", json=ticket(7, Queue=ref("queue", "4")))
    http.put(f"{URL}/ticket/7", json=["Ticket 7: Permission Denied"])
    result = connector(slept, move_queue=True).assign(request(group="Billing"))
    assert result.outcome == "parked"
    assert "Permission Denied" in result.detail


def test_group_outside_routed_queues_does_not_move(
    http: responses.RequestsMock, slept: list[float]
) -> None:
    queue_lookups(http)
    reads(http, "Nobody", "alice")
    owner_put(http, CHANGED)
    rt = connector(slept, move_queue=True, comment=False)
    assert rt.assign(request(group="Billing Agents")).ok
    assert [c.request.method for c in http.calls if "ticket/7" in str(c.request.url)] == [
        "GET",
        "PUT",
        "GET",
    ]


@pytest.mark.parametrize(
    ("status", "outcome"),
    [
        pytest.param(404, "parked", id="deleted"),
        pytest.param(403, "parked", id="cannot-see"),
    ],
)
def test_gone_ticket_is_skipped(
    http: responses.RequestsMock, slept: list[float], status: int, outcome: str
) -> None:
    http.get(f"{URL}/ticket/7", status=status, json={"message": "x"})
    assert connector(slept).assign(request()).outcome == outcome


def test_bad_token_on_write_is_fatal(http: responses.RequestsMock, slept: list[float]) -> None:
    http.get(f"{URL}/ticket/7", status=401, json={"message": "Unauthorized"})
    with pytest.raises(FatalError):
        connector(slept).assign(request())


def test_assign_many_is_one_write_each_and_isolates_failures(
    http: responses.RequestsMock, slept: list[float]
) -> None:
    http.get(f"{URL}/ticket/7", json=ticket(7, Owner=ref("user", "alice")))
    http.get(f"{URL}/ticket/8", status=500, json={"message": "boom"})
    trace = DecisionTrace(policy="test", ticket_id="8", at=READ_AT)
    other = WriteRequest.of(
        assignment=Assignment(ticket_id="8", agent_id="bob", weight=1.0, trace=trace),
        expected_updated_at=None,
    )
    results = connector(slept).assign_many([request(note=None), other])
    assert [(r.ticket_id, r.outcome) for r in results] == [("7", "written"), ("8", "retry_later")]
    assert len(slept) == 4  # the 500 was retried before it failed that one ticket


def test_no_bulk_endpoint(slept: list[float]) -> None:
    assert connector(slept).bulk_threshold > 10_000


def test_malformed_json_reply_is_fatal(http: responses.RequestsMock, slept: list[float]) -> None:
    http.get(f"{URL}/tickets", json=["not", "an", "object"])
    with pytest.raises(FatalError, match="list"):
        connector(slept).poll(None)


def test_request_bodies_are_json(http: responses.RequestsMock, slept: list[float]) -> None:
    reads(http, "Nobody", "alice")
    owner_put(http, CHANGED)
    connector(slept, comment=False).assign(request())
    put = next(c for c in http.calls if c.request.method == "PUT")
    assert put.request.headers["Content-Type"] == "application/json"
    assert json.loads(put.request.body or b"{}") == {"Owner": "alice"}
