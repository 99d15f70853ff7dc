"""A ticket's metric set follows from its audits (developer.zendesk.com/api-reference/
ticketing/tickets/ticket_metrics/): counts, moments and time measures, empty until known."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from sandbox.history import Audit, AuditEvent, Comment, Origin
from sandbox.ticket_metrics import EMPTY, Minutes, TicketFacts, metric_id, metrics_of

T0 = datetime(2024, 5, 1, 9, 0, tzinfo=UTC)
AGENT, OTHER, REQUESTER = 11, 12, 900
PERSON = Origin(actor="human:Ada", author_id=AGENT, channel="web")
CUSTOMER = Origin(actor="customer", author_id=REQUESTER, channel="email")


def audit(minute: int, origin: Origin = PERSON, **changes: Any) -> Audit:
    """An audit ``minute`` minutes after T0 setting ``changes`` (the first one creates)."""
    kind = "Create" if minute == 0 else "Change"
    return Audit(
        id=minute,
        ticket_id=1,
        created_at=T0 + timedelta(minutes=minute),
        origin=origin,
        events=[
            AuditEvent(id=n, type=kind, field_name=name, value=v)
            for n, (name, v) in enumerate(changes.items())
        ],
    )


def comment(minute: int, author: int, public: bool = True, kind: str = "comment") -> Comment:
    return Comment(
        id=minute,
        ticket_id=1,
        audit_id=minute,
        author_id=author,
        actor="x",
        body="b",
        public=public,
        kind=kind,
        channel="web",
        created_at=T0 + timedelta(minutes=minute),
    )


def facts(status: str, assignee: int | None = AGENT, reply: int | None = None) -> TicketFacts:
    return TicketFacts(
        ticket_id=1,
        created_at=T0,
        updated_at=T0 + timedelta(hours=1),
        status=status,
        assignee_id=assignee,
        requester_id=REQUESTER,
        first_reply_at=None if reply is None else T0 + timedelta(minutes=reply),
    )


CREATED = audit(0, CUSTOMER, status="new", assignee_id=None, group_id=None)
WORKED = [
    CREATED,
    audit(5, status="open", assignee_id=str(AGENT), group_id="7"),
    audit(20, status="pending"),
    audit(50, CUSTOMER, status="open"),
    audit(60, status="solved"),
]


@pytest.mark.parametrize(
    ("field", "audits", "status", "expected"),
    [
        pytest.param("reopens", WORKED, "solved", 0, id="never-reopened"),
        pytest.param(
            "reopens", [*WORKED, audit(70, CUSTOMER, status="open")], "open", 1, id="reopened-once"
        ),
        pytest.param(
            "assignee_stations",
            [*WORKED, audit(65, assignee_id=str(OTHER))],
            "solved",
            2,
            id="two-assignees",
        ),
        pytest.param("group_stations", WORKED, "solved", 1, id="one-group"),
        pytest.param("solved_at", WORKED, "solved", T0 + timedelta(minutes=60), id="solved-at"),
        pytest.param("solved_at", WORKED[:3], "pending", None, id="not-solved-yet"),
        pytest.param("assigned_at", WORKED, "solved", T0 + timedelta(minutes=5), id="assigned"),
        pytest.param(
            "status_updated_at", WORKED, "solved", T0 + timedelta(minutes=60), id="status-updated"
        ),
        pytest.param(
            "requester_updated_at",
            WORKED,
            "solved",
            T0 + timedelta(minutes=50),
            id="requester-updated",
        ),
        pytest.param(
            "assignee_updated_at",
            WORKED,
            "solved",
            T0 + timedelta(minutes=60),
            id="assignee-updated",
        ),
        pytest.param(
            "full_resolution_time",
            WORKED,
            "solved",
            Minutes(calendar=60, business=60),
            id="full-resolution",
        ),
        pytest.param(
            "full_resolution_time",
            [*WORKED, audit(70, CUSTOMER, status="open")],
            "open",
            EMPTY,
            id="no-full-resolution-once-reopened",
        ),
        pytest.param(
            "first_resolution_time",
            [*WORKED, audit(70, CUSTOMER, status="open")],
            "open",
            Minutes(calendar=60, business=60),
            id="first-resolution-stays",
        ),
        pytest.param(
            "agent_wait_time",
            WORKED,
            "solved",
            Minutes(calendar=30, business=30),
            id="agent-wait-is-pending-time",
        ),
        pytest.param(
            "requester_wait_time",
            WORKED,
            "solved",
            Minutes(calendar=30, business=30),
            id="requester-wait-is-new-and-open-time",
        ),
        pytest.param(
            "requester_wait_time", WORKED[:3], "pending", EMPTY, id="waits-empty-until-solved"
        ),
        pytest.param(
            "on_hold_time", WORKED, "solved", Minutes(calendar=0, business=0), id="never-on-hold"
        ),
    ],
)
def test_metric_values_from_the_audits(
    field: str, audits: list[Audit], status: str, expected: Any
) -> None:
    assert getattr(metrics_of(facts(status), audits, []), field) == expected


def test_replies_count_public_agent_comments_only() -> None:
    comments = [
        comment(0, REQUESTER, kind="description"),
        comment(3, AGENT),
        comment(4, AGENT, public=False, kind="note"),
        comment(9, REQUESTER),
        comment(12, OTHER, kind="reply"),
    ]
    found = metrics_of(facts("open", reply=3), [CREATED], comments)
    assert found.replies == 2 and found.reply_time == Minutes(calendar=3, business=3)
    assert found.latest_comment_added_at == T0 + timedelta(minutes=12)


def test_a_new_ticket_has_the_documented_empty_shape() -> None:
    found = metrics_of(facts("new", assignee=None), [CREATED], [])
    assert (found.reopens, found.replies, found.assignee_stations) == (0, 0, 0)
    assert found.initially_assigned_at is None and found.reply_time == EMPTY
    assert found.id == metric_id(1) != 1
