"""Pure RT mapping: JSON -> values, TicketSQL, message arrays -> verdicts."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from connectors.errors import SkippableError
from connectors.rt import mapping
from connectors.values import GroupDirectory
from router.model import Priority
from tests.connectors.rt.payloads import ref, search_item, ticket

QUEUES = GroupDirectory({3: "Billing", 4: "Support"})


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("0", Priority.LOW, id="rt-low"),
        pytest.param("24", Priority.LOW, id="just-below-normal"),
        pytest.param("25", Priority.NORMAL, id="normal-floor"),
        pytest.param("50", Priority.NORMAL, id="rt-medium"),
        pytest.param("60", Priority.HIGH, id="high-floor"),
        pytest.param(89, Priority.HIGH, id="int-high"),
        pytest.param("90", Priority.URGENT, id="urgent-floor"),
        pytest.param("100", Priority.URGENT, id="rt-high"),
        pytest.param("Medium", Priority.NORMAL, id="label-falls-back"),
    ],
)
def test_priority_bands(value: object, expected: Priority) -> None:
    assert mapping.priority_from_rt(value) == expected


def test_search_item_maps_every_field() -> None:
    raw = search_item(
        7,
        Subject="Invoice charged twice",
        Priority="95",
        Due="2026-11-26T09:00:00Z",
        LastUpdated="2026-11-25T00:40:00Z",
        CustomFields=[{**ref("customfield", "2"), "name": "Category", "values": ["refund"]}],
    )
    result = mapping.ticket_from_json(raw, QUEUES, body="Please refund")
    assert result.model_dump(
        include={
            "id",
            "source",
            "subject",
            "body",
            "requester",
            "group",
            "assignee",
            "priority",
            "custom_fields",
        }
    ) == {
        "id": "7",
        "source": "rt",
        "subject": "Invoice charged twice",
        "body": "Please refund",
        "requester": "customer1@example.com",
        "group": "Billing",
        "assignee": None,
        "priority": Priority.URGENT,
        "custom_fields": {"Category": "refund", "status": "new"},
    }
    assert result.created_at == datetime(2026, 11, 25, 0, 37, 46, tzinfo=UTC)
    assert result.updated_at == datetime(2026, 11, 25, 0, 40, tzinfo=UTC)
    assert result.sla_due_at == datetime(2026, 11, 26, 9, tzinfo=UTC)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param(
            {"Status": "open", "Started": "2026-11-25T01:00:00Z"},
            {"status": "open"},
            id="no-first-reply-timer",
        ),
        pytest.param({}, {}, id="status-not-asked-for"),
    ],
)
def test_lifecycle_fields(raw: dict[str, str], expected: dict[str, str]) -> None:
    assert mapping.lifecycle_fields(raw) == expected


def test_single_ticket_takes_queue_name_from_directory_and_owner_name() -> None:
    result = mapping.ticket_from_json(
        ticket(7, Owner=ref("user", "alice"), Queue=ref("queue", "4")), QUEUES
    )
    assert (result.id, result.group, result.assignee) == ("7", "Support", "alice")


def test_unknown_queue_id_is_kept_as_id() -> None:
    assert mapping.ticket_from_json(ticket(7, Queue=ref("queue", "9"))).group == "9"


@pytest.mark.parametrize(
    "broken",
    [
        pytest.param({"Created": None}, id="no-created"),
        pytest.param({"Created": "yesterday"}, id="bad-created"),
        pytest.param({"id": ""}, id="no-id"),
    ],
)
def test_invalid_ticket_is_skippable(broken: dict[str, object]) -> None:
    with pytest.raises(SkippableError):
        mapping.ticket_from_json(search_item(7, **broken))


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        pytest.param("", {}, id="empty-string-when-queue-has-none"),
        pytest.param([], {}, id="empty-list"),
        pytest.param([{"name": "Category", "values": []}], {}, id="no-values-left-out"),
        pytest.param([{"name": "Tags", "values": ["a", "b"]}], {"Tags": ("a", "b")}, id="multi"),
        pytest.param([{"name": "Size", "values": [3]}], {"Size": "3"}, id="scalar-as-text"),
    ],
)
def test_custom_fields(fields: object, expected: dict[str, object]) -> None:
    assert mapping.custom_fields({"CustomFields": fields}) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("1970-01-01T00:00:00Z", None, id="epoch-is-unset"),
        pytest.param(None, None, id="missing"),
        pytest.param(
            "2026-11-25T00:37:46Z", datetime(2026, 11, 25, 0, 37, 46, tzinfo=UTC), id="utc"
        ),
    ],
)
def test_rt_time(value: object, expected: datetime | None) -> None:
    assert mapping.rt_time(value) == expected


def test_first_message_is_first_plain_text_attachment() -> None:
    attachments = [
        {"ContentType": "multipart/mixed", "Content": ""},
        {"ContentType": "text/plain; charset=utf-8", "Content": " Help me \n"},
        {"ContentType": "text/plain", "Content": "later reply"},
    ]
    assert mapping.first_message(attachments) == "Help me"
    assert mapping.first_message([]) == ""


def test_unowned_query_quotes_names_and_keeps_the_cursor() -> None:
    query = mapping.unowned_query(("Billing", "O'Brien desk"), ("new", "open"), 41)
    assert query == (
        "(Queue = 'Billing' OR Queue = 'O\\'Brien desk') AND (Status = 'new' OR Status = 'open')"
        " AND Owner = 'Nobody' AND id > 41"
    )


def test_owned_query_counts_active_owned_tickets() -> None:
    assert mapping.owned_query(("Billing",)) == (
        "(Queue = 'Billing') AND Owner != 'Nobody' AND Status = '__Active__'"
    )


@given(st.text())
def test_quote_leaves_no_unescaped_quote(value: str) -> None:
    inner = mapping.quote(value)[1:-1]
    unescaped = inner.replace("\\\\", "").replace("\\'", "")
    assert "'" not in unescaped


@given(st.integers(min_value=0, max_value=10**12))
def test_cursor_round_trip(last_id: int) -> None:
    assert mapping.parse_cursor(str(last_id)) == last_id


@pytest.mark.parametrize("cursor", [None, ""])
def test_no_cursor_starts_at_zero(cursor: str | None) -> None:
    assert mapping.parse_cursor(cursor) == 0


@pytest.mark.parametrize(
    ("ids", "expected"),
    [
        pytest.param(["42", "43"], 43, id="highest"),
        pytest.param([], 41, id="empty-page-keeps-cursor"),
        pytest.param(["x", None, "44"], 44, id="odd-ids-ignored"),
    ],
)
def test_last_id(ids: list[object], expected: int) -> None:
    assert mapping.last_id([{"id": ident} for ident in ids], 41) == expected


def test_foreign_cursor_is_rejected() -> None:
    with pytest.raises(ValueError, match="not an RT poll cursor"):
        mapping.parse_cursor("eyJjdXJzb3IiOjF9")


@pytest.mark.parametrize(
    ("messages", "outcome", "detail"),
    [
        pytest.param(
            ["Ticket 1: Owner changed from Nobody to alice"],
            "changed",
            "Ticket 1: Owner changed from Nobody to alice",
            id="changed",
        ),
        pytest.param(
            ["Owner changed from Nobody to alice"],
            "changed",
            "Owner changed from Nobody to alice",
            id="take-style",
        ),
        pytest.param([], "unchanged", "", id="already-alice"),
        pytest.param(
            ["Ticket 2: That user may not own tickets in that queue"],
            "refused",
            "That user may not own tickets in that queue",
            id="no-own-right",
        ),
        pytest.param(
            ["Ticket 2: That user does not exist"],
            "refused",
            "That user does not exist",
            id="unknown-user",
        ),
        pytest.param(
            ["Ticket 2: Owner changed from Nobody to bob"],
            "refused",
            "Owner changed from Nobody to bob",
            id="someone-else",
        ),
        pytest.param({"message": "odd"}, "refused", "{'message': 'odd'}", id="not-a-list"),
    ],
)
def test_owner_verdict(messages: object, outcome: str, detail: str) -> None:
    assert mapping.owner_verdict(messages, "alice") == mapping.UpdateVerdict(outcome, detail)


@pytest.mark.parametrize(
    ("messages", "outcome"),
    [
        pytest.param(["Ticket 3: Queue changed from Support to Billing"], "changed", id="moved"),
        pytest.param(["Ticket 3: Permission Denied"], "refused", id="denied"),
        pytest.param([], "unchanged", id="same-queue"),
    ],
)
def test_update_verdict(messages: list[str], outcome: str) -> None:
    assert mapping.update_verdict(messages, "Queue").outcome == outcome


@pytest.mark.parametrize(
    ("items", "expected"),
    [
        pytest.param((), {}, id="none"),
        pytest.param(("Staff",), {"*": "Staff"}, id="one-for-all"),
        pytest.param(
            ("Billing=Billing Agents", "Support = Tier 1"),
            {"Billing": "Billing Agents", "Support": "Tier 1"},
            id="per-queue",
        ),
    ],
)
def test_owner_groups(items: tuple[str, ...], expected: dict[str, str]) -> None:
    assert mapping.owner_groups(items, ("Billing", "Support")) == expected


@pytest.mark.parametrize(
    "items",
    [
        pytest.param(("Sales=Sellers",), id="queue-not-routed"),
        pytest.param(("Billing=",), id="empty-group"),
        pytest.param(("Billing=A", "Billing=B"), id="queue-twice"),
    ],
)
def test_bad_owner_groups(items: tuple[str, ...]) -> None:
    with pytest.raises(ValueError):
        mapping.owner_groups(items, ("Billing", "Support"))


def test_owner_group_of_prefers_the_queue_then_the_default() -> None:
    groups = {"Billing": "Billing Agents", "*": "Staff"}
    assert mapping.owner_group_of("Billing", groups) == "Billing Agents"
    assert mapping.owner_group_of("Support", groups) == "Staff"
    assert mapping.owner_group_of("Support", {}) is None


def test_members_split_users_and_groups() -> None:
    members = mapping.members_of([ref("user", "alice"), ref("group", 45), ref("user", "bob")])
    assert members == mapping.Members(("alice", "bob"), ("45",))


def test_agent_from_user_with_skills_field() -> None:
    user = {
        "Name": "alice",
        "RealName": "Alice Liddell",
        "EmailAddress": "a@example.com",
        "CustomFields": [{"name": "deskroute_skills", "values": ["billing:7 refunds"]}],
    }
    agent = mapping.agent_from_json(user, {"Billing"}, max_load=4)
    assert (agent.id, agent.name, agent.groups) == (
        "alice",
        "Alice Liddell",
        frozenset({"Billing"}),
    )
    assert agent.skills == {"billing": 7, "refunds": 5}
    assert agent.capacity.max_load == 4


def test_agent_without_real_name_uses_login() -> None:
    assert mapping.agent_from_json({"Name": "dave"}, (), 10).name == "dave"


def test_loads_count_owned_items_only() -> None:
    items = [
        search_item(1, Owner=ref("user", "alice")),
        search_item(2, Owner=ref("user", "alice")),
        search_item(3, Owner=ref("user", "Nobody")),
        search_item(4, Owner=ref("user", "bob")),
    ]
    assert mapping.loads_from_items(items) == {"alice": 2.0, "bob": 1.0}


@pytest.mark.parametrize(
    ("last_updated", "expected", "changed"),
    [
        pytest.param(
            "2026-11-25T00:37:46Z",
            datetime(2026, 11, 25, 0, 37, 46, 500, tzinfo=UTC),
            False,
            id="same-second",
        ),
        pytest.param(
            "2026-11-25T00:37:47Z", datetime(2026, 11, 25, 0, 37, 46, tzinfo=UTC), True, id="later"
        ),
        pytest.param("2026-11-25T00:37:47Z", None, False, id="nothing-expected"),
    ],
)
def test_changed_since(last_updated: str, expected: datetime | None, changed: bool) -> None:
    assert mapping.changed_since({"LastUpdated": last_updated}, expected) is changed


def test_write_bodies() -> None:
    assert mapping.owner_body("alice") == {"Owner": "alice"}
    assert mapping.queue_body("Billing") == {"Queue": "Billing"}
    assert mapping.comment_body("why") == {"Content": "why", "ContentType": "text/plain"}


@pytest.mark.parametrize(
    ("requestors", "expected"),
    [
        pytest.param(
            [{"type": "user", "id": "jane", "_url": "u", "EmailAddress": "Jane@Example.test"}],
            "jane@example.test",
            id="expanded-email-address",
        ),
        pytest.param([ref("user", "jane@example.test")], "jane@example.test", id="named-by-mail"),
        pytest.param([ref("user", "root")], None, id="a-login-name"),
        pytest.param([], None, id="no-requestor"),
    ],
)
def test_the_requestors_email_is_read_from_the_reference(
    requestors: list[object], expected: str | None
) -> None:
    assert mapping.ticket_from_json(ticket(7, Requestor=requestors)).requester_email == expected


def test_searches_expand_the_requestors_email_address() -> None:
    assert mapping.search_params("id > 0", 20)["fields[Requestor]"] == "EmailAddress"
