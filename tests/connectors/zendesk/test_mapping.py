"""Pure Zendesk mapping, both ways, on real-shaped payloads (no HTTP)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from connectors.base import WriteRequest
from connectors.errors import SkippableError
from connectors.values import GroupDirectory
from connectors.zendesk import mapping, presence
from router.decision import Assignment, DecisionTrace
from router.model import AgentStatus, Priority
from tests.connectors.zendesk.payloads import availability, ticket, user

GROUPS = GroupDirectory({360001: "Billing", 360002: "Shipping"})
READ_AT = datetime(2024, 2, 12, 9, 20, 41, tzinfo=UTC)


def test_ticket_fields_map_to_the_router_model() -> None:
    t = mapping.ticket_from_json(ticket(), GROUPS)
    assert (t.id, t.source, t.subject) == ("4016", "zendesk", "Refund not received")
    assert t.body.startswith("I returned the parcel")
    assert t.requester == "1902345678123" and t.organization == "1900000111222"
    assert t.tags == frozenset({"refund", "vip"})
    assert t.priority is Priority.HIGH and t.type == "incident" and t.channel == "email"
    assert t.group == "Billing" and t.assignee is None and t.brand == "360005"
    assert t.custom_fields == {"360012": "eu", "status": "new"}  # no metric set: no reply key
    assert t.created_at == datetime(2024, 2, 12, 9, 14, 3, tzinfo=UTC)
    assert t.updated_at == READ_AT


@pytest.mark.parametrize(
    ("raw", "priority"),
    [
        pytest.param("urgent", Priority.URGENT, id="urgent"),
        pytest.param("low", Priority.LOW, id="low"),
        pytest.param(None, Priority.NORMAL, id="null-is-normal"),
    ],
)
def test_priority_names(raw: str | None, priority: Priority) -> None:
    assert mapping.ticket_from_json(ticket(priority=raw)).priority is priority


def test_unknown_group_id_is_kept_as_text_and_assignee_as_string() -> None:
    t = mapping.ticket_from_json(ticket(group_id=999, assignee_id=1903456789001), GROUPS)
    assert t.group == "999" and t.assignee == "1903456789001"


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        pytest.param(["a", "B"], {"a", "b"}, id="list"),
        pytest.param("a, b c", {"a", "b", "c"}, id="one-string"),
        pytest.param(None, set(), id="null"),
    ],
)
def test_tags_in_any_shape(tags: object, expected: set[str]) -> None:
    assert mapping.ticket_from_json(ticket(tags=tags)).tags == expected


def test_ticket_without_created_at_is_skippable() -> None:
    with pytest.raises(SkippableError):
        mapping.ticket_from_json(ticket(created_at=None))


@pytest.mark.parametrize(
    "status",
    [
        pytest.param(name, id=name)
        for name in ("new", "open", "pending", "hold", "solved", "closed", "deleted")
    ],
)
def test_the_status_word_is_reported_for_the_sidecar(status: str) -> None:
    assert mapping.ticket_from_json(ticket(status=status)).custom_fields["status"] == status


def metric_set(calendar: int | None) -> dict[str, object]:
    """A ``metric_sets`` element as the export sideloads it (created 09:14:03)."""
    return {
        "id": 33,
        "ticket_id": 4016,
        "created_at": "2024-02-12T09:14:03Z",
        "updated_at": "2024-02-12T09:20:41Z",
        "group_stations": 1,
        "assignee_stations": 1,
        "reopens": 0,
        "replies": 0 if calendar is None else 1,
        "initially_assigned_at": "2024-02-12T09:15:00Z",
        "assigned_at": None,
        "solved_at": None,
        "latest_comment_added_at": "2024-02-12T09:20:41Z",
        "reply_time_in_minutes": {"calendar": calendar, "business": calendar},
        "first_resolution_time_in_minutes": {"calendar": None, "business": None},
    }


@pytest.mark.parametrize(
    ("metrics", "expected"),
    [
        pytest.param(metric_set(None), None, id="no-reply-yet"),
        pytest.param(metric_set(6), "2024-02-12T09:20:03Z", id="replied-after-6-minutes"),
        pytest.param({"ticket_id": 4016}, None, id="metric-set-without-reply-time"),
    ],
)
def test_first_reply_comes_from_the_metric_set(metrics: dict, expected: str | None) -> None:
    t = mapping.ticket_from_json(ticket(), GROUPS, metrics)
    assert "first_reply_at" in t.custom_fields and t.custom_fields["first_reply_at"] == expected


@pytest.mark.parametrize(
    "reply_time",
    [
        pytest.param({"calendar": "soon"}, id="not-a-number"),
        pytest.param("6", id="not-an-object"),
    ],
)
def test_an_unreadable_reply_time_leaves_the_first_reply_unknown(reply_time: object) -> None:
    t = mapping.ticket_from_json(ticket(), GROUPS, {"reply_time_in_minutes": reply_time})
    assert "first_reply_at" not in t.custom_fields and t.id == "4016"


def test_metric_sets_are_found_by_ticket_id() -> None:
    found = mapping.metric_sets_by_ticket({"metric_sets": [metric_set(6), "junk"]})
    assert list(found) == ["4016"]


def test_agent_has_groups_skills_language_and_presence() -> None:
    members = mapping.memberships_by_user(
        [
            {"user_id": 1903456789001, "group_id": 360001},
            {"user_id": 1903456789001, "group_id": 360002},
            {"user_id": 7, "group_id": 360001},
        ],
        GROUPS,
    )
    statuses = presence.statuses([availability(1903456789001, "away")])
    agent = mapping.agent_from_json(
        user(), members["1903456789001"], statuses["1903456789001"], max_load=6
    )
    assert agent.id == "1903456789001" and agent.name == "Ines Duarte"
    assert agent.groups == {"Billing", "Shipping"}
    assert dict(agent.skills) == {"billing": 7, "refunds": 5, "spanish": 3}
    assert agent.languages == {"pt"} and agent.status is AgentStatus.AWAY
    assert agent.capacity.max_load == 6


def test_suspended_agent_is_offline() -> None:
    agent = mapping.agent_from_json(user(suspended=True), status=AgentStatus.ONLINE)
    assert agent.status is AgentStatus.OFFLINE


def _request(
    note: str | None = None, group: str | None = "Billing", read_at: datetime | None = READ_AT
) -> WriteRequest:
    trace = DecisionTrace(policy="skills", ticket_id="4016", at=READ_AT)
    return WriteRequest.of(
        assignment=Assignment(
            ticket_id="4016", agent_id="1903456789001", weight=1.0, trace=trace, group=group
        ),
        expected_updated_at=read_at,
        note=note,
    )


def test_update_body_is_nested_and_guarded_by_safe_update() -> None:
    assert mapping.update_body(_request(note="skills: billing 7"), GROUPS) == {
        "ticket": {
            "assignee_id": 1903456789001,
            "group_id": 360001,
            "safe_update": True,
            "updated_stamp": "2024-02-12T09:20:41Z",
            "comment": {"body": "skills: billing 7", "public": False},
        }
    }


def test_update_without_read_time_or_group_sends_only_the_assignee() -> None:
    assert mapping.update_body(_request(group=None, read_at=None), GROUPS) == {
        "ticket": {"assignee_id": 1903456789001}
    }


def test_bulk_item_carries_its_id_and_the_safe_update_guard() -> None:
    item = mapping.bulk_item(_request(), GROUPS)
    assert item["id"] == 4016 and item["assignee_id"] == 1903456789001
    assert item["safe_update"] is True and item["updated_stamp"]


def test_non_numeric_agent_is_skippable() -> None:
    trace = DecisionTrace(policy="x", ticket_id="4016", at=READ_AT)
    request = WriteRequest.of(
        assignment=Assignment(ticket_id="4016", agent_id="bob", weight=1.0, trace=trace),
        expected_updated_at=None,
    )
    with pytest.raises(SkippableError):
        mapping.update_body(request, GROUPS)


def test_history_record_uses_metric_set_timestamps() -> None:
    metrics = {
        "ticket_id": 4016,
        "initially_assigned_at": "2024-02-12T09:30:00Z",
        "solved_at": "2024-02-13T11:00:00Z",
        "reply_time_in_minutes": {"calendar": 46, "business": 46},
    }
    record = mapping.history_from_json(
        ticket(status="solved", assignee_id=1903456789001), metrics, GROUPS
    )
    assert record.status == "solved" and record.group == "Billing"
    assert record.assignee == "1903456789001" and record.priority == "high"
    assert record.first_assigned_at == datetime(2024, 2, 12, 9, 30, tzinfo=UTC)
    assert record.first_reply_at == datetime(2024, 2, 12, 10, 0, 3, tzinfo=UTC)
    assert record.solved_at == datetime(2024, 2, 13, 11, 0, tzinfo=UTC)
    assert record.ticket().id == "4016"


@pytest.mark.parametrize(
    ("users", "expected"),
    [
        pytest.param([{"id": 1902345678123, "email": "a@b.test"}], "a@b.test", id="sideloaded"),
        pytest.param([{"id": 1902345678123, "email": None}], None, id="user-without-address"),
        pytest.param([{"id": 5, "email": "other@b.test"}], None, id="someone-else"),
        pytest.param([], None, id="no-sideload"),
    ],
)
def test_the_requesters_email_comes_from_the_users_sideload(
    users: list[dict[str, object]], expected: str | None
) -> None:
    emails = mapping.user_emails({"users": users})
    assert mapping.ticket_from_json(ticket(), GROUPS, None, emails).requester_email == expected
