"""Pure Freshdesk mapping, both ways, on real-shaped payloads (no HTTP)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from connectors.base import WriteRequest
from connectors.freshdesk import mapping
from connectors.values import GroupDirectory
from router.decision import Assignment, DecisionTrace
from router.model import AgentStatus, Priority
from tests.connectors.freshdesk.payloads import agent, ticket

GROUPS = GroupDirectory({60000111: "Shipping"})


def test_ticket_fields_map_to_the_router_model() -> None:
    t = mapping.ticket_from_json(ticket(), GROUPS)
    assert (t.id, t.source, t.subject, t.body) == (
        "21",
        "freshdesk",
        "Package arrived damaged",
        "The box was crushed.",
    )
    assert t.priority is Priority.HIGH and t.channel == "web" and t.type == "Problem"
    assert t.group == "Shipping" and t.assignee is None and t.requester == "60012345678"
    assert t.custom_fields == {"cf_region": "emea", "status": "open"}  # no stats: no reply key
    assert t.tags == {"damaged"}
    assert t.sla_due_at == datetime(2024, 3, 2, 12, tzinfo=UTC)
    assert t.updated_at == datetime(2024, 3, 1, 8, 5, 59, tzinfo=UTC)


@pytest.mark.parametrize(
    ("code", "priority"),
    [
        pytest.param(1, Priority.LOW, id="1-low"),
        pytest.param(2, Priority.NORMAL, id="2-medium"),
        pytest.param(3, Priority.HIGH, id="3-high"),
        pytest.param(4, Priority.URGENT, id="4-urgent"),
        pytest.param(None, Priority.NORMAL, id="missing"),
    ],
)
def test_numeric_priorities(code: int | None, priority: Priority) -> None:
    assert mapping.ticket_from_json(ticket(priority=code)).priority is priority


@pytest.mark.parametrize(
    ("code", "channel"),
    [
        pytest.param(1, "email", id="1-email"),
        pytest.param(2, "web", id="2-portal"),
        pytest.param(3, "phone", id="3-phone"),
        pytest.param(7, "chat", id="7-chat"),
        pytest.param(9, "web_widget", id="9-feedback-widget"),
        pytest.param(10, "email", id="10-outbound-email"),
        pytest.param(99, "other", id="unknown"),
    ],
)
def test_numeric_sources(code: int, channel: str) -> None:
    assert mapping.ticket_from_json(ticket(source=code)).channel == channel


@pytest.mark.parametrize(
    ("changes", "status"),
    [
        pytest.param({"status": 2}, "open", id="2-open"),
        pytest.param({"status": 3}, "pending", id="3-pending"),
        pytest.param({"status": 4}, "solved", id="4-resolved"),
        pytest.param({"status": 5}, "closed", id="5-closed"),
        pytest.param({"status": 6}, "open", id="custom-status-counts-as-open"),
        pytest.param({"spam": True}, "deleted", id="spam"),
        pytest.param({"deleted": True}, "deleted", id="deleted"),
    ],
)
def test_numeric_statuses_become_words_for_the_sidecar(changes: dict, status: str) -> None:
    assert mapping.ticket_from_json(ticket(**changes)).custom_fields["status"] == status


def stats(first_responded_at: str | None) -> dict[str, object]:
    """The ``stats`` object ``include=stats`` adds."""
    return {
        "agent_responded_at": first_responded_at,
        "requester_responded_at": None,
        "first_responded_at": first_responded_at,
        "status_updated_at": "2024-03-01T08:05:59Z",
        "reopened_at": None,
        "resolved_at": None,
        "closed_at": None,
        "pending_since": None,
    }


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        pytest.param({"stats": stats(None)}, None, id="no-reply-yet"),
        pytest.param(
            {"stats": stats("2024-03-01T08:30:00Z")}, "2024-03-01T08:30:00Z", id="replied"
        ),
    ],
)
def test_first_reply_comes_from_stats(changes: dict, expected: str | None) -> None:
    fields = mapping.ticket_from_json(ticket(**changes)).custom_fields
    assert "first_reply_at" in fields and fields["first_reply_at"] == expected


def test_agent_availability_groups_skills_and_language() -> None:
    skills = mapping.skills_by_agent(
        [
            {"id": 1, "name": "Returns", "agents": [{"id": 60000777}]},
            {"id": 2, "name": "German", "agents": [60000777]},
        ]
    )
    a = mapping.agent_from_json(agent(), frozenset({"Shipping"}), skills["60000777"])
    assert (a.id, a.name, a.groups) == ("60000777", "Noor Haddad", {"Shipping"})
    assert dict(a.skills) == {"returns": 5, "german": 5} and a.languages == {"de"}
    assert a.status is AgentStatus.ONLINE
    assert mapping.agent_from_json(agent(available=False)).status is AgentStatus.OFFLINE


def _request(group: str | None = "Shipping") -> WriteRequest:
    trace = DecisionTrace(policy="t", ticket_id="21", at=datetime(2024, 3, 1, tzinfo=UTC))
    return WriteRequest.of(
        assignment=Assignment(
            ticket_id="21", agent_id="60000777", weight=1.0, trace=trace, group=group
        ),
        expected_updated_at=None,
    )


def test_update_body_is_flat_with_responder_id() -> None:
    assert mapping.update_body(_request(), GROUPS) == {
        "responder_id": 60000777,
        "group_id": 60000111,
    }
    assert mapping.update_body(_request(group=None), GROUPS) == {"responder_id": 60000777}


def test_bulk_body_and_private_note() -> None:
    assert mapping.bulk_body([1, 2], {"responder_id": 5}) == {
        "bulk_action": {"ids": [1, 2], "properties": {"responder_id": 5}}
    }
    assert mapping.note_body("score <high>\nskills") == {
        "body": "score &lt;high&gt;<br>skills",
        "private": True,
    }


def test_history_uses_stats_timestamps() -> None:
    raw = ticket(
        status=5,
        responder_id=60000777,
        stats={
            "first_responded_at": "2024-03-01T09:00:00Z",
            "resolved_at": "2024-03-02T10:00:00Z",
            "closed_at": "2024-03-03T10:00:00Z",
        },
    )
    record = mapping.history_from_json(raw, GROUPS)
    assert record.status == "closed" and record.assignee == "60000777"
    assert record.group == "Shipping" and record.first_assigned_at is None
    assert record.first_reply_at == datetime(2024, 3, 1, 9, tzinfo=UTC)
    assert record.solved_at == datetime(2024, 3, 2, 10, tzinfo=UTC)


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        pytest.param(
            {
                "requester": {
                    "id": 60012345678,
                    "name": "Jane",
                    "email": "Jane@Example.test",
                    "mobile": None,
                    "phone": None,
                }
            },
            "jane@example.test",
            id="include-requester",
        ),
        pytest.param({"requester": {"id": 6, "email": None}}, None, id="phone-only-contact"),
        pytest.param({}, None, id="not-included"),
    ],
)
def test_the_requesters_email_comes_from_include_requester(
    changes: dict[str, object], expected: str | None
) -> None:
    assert mapping.ticket_from_json(ticket(**changes)).requester_email == expected
