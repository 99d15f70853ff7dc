"""Request Tracker's history as audit entries: what the chaos ledger replays for RT."""

from __future__ import annotations

from typing import Any

import pytest

from sandbox.chaos.rt_history import RtUsers, audit_entries, user_ids
from sandbox.ledger import tally
from sandbox.store import CUSTOMER

USERS = RtUsers(customer="root", router="router", names={"6": "Nobody", "27": "alice", "29": "bob"})


def txn(
    number: int, kind: str, creator: str, field: str = "", old: str = "", new: str = ""
) -> dict[str, Any]:
    """One transaction as REST 2 lists it (``fields=Type,Field,OldValue,NewValue,Creator``)."""
    return {
        "id": str(number),
        "type": "transaction",
        "Type": kind,
        "Field": field,
        "OldValue": old,
        "NewValue": new,
        "Created": "2026-12-06T21:22:33Z",
        "Creator": {"id": creator, "type": "user", "_url": f"http://rt/user/{creator}"},
    }


def brief(entries: list[dict[str, Any]]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(e["event"], e["actor"], e["changes"]) for e in entries]


@pytest.mark.parametrize(
    ("history", "expected"),
    [
        pytest.param(
            [txn(1, "Create", "root")],
            [("ticket.created", CUSTOMER, {})],
            id="a-customer-writes-in",
        ),
        pytest.param(
            [txn(2, "Set", "router", "Owner", "6", "27")],
            [("ticket.agent_assignment_changed", "api:router", {"assignee_id": "alice"})],
            id="deskroute-sets-the-owner",
        ),
        pytest.param(
            [
                txn(3, "Set", "alice", "Owner", "27", "29"),
                txn(4, "SetWatcher", "alice", "Owner", "27", "29"),
            ],
            [("ticket.agent_assignment_changed", "human:alice", {"assignee_id": "bob"})],
            id="the-setwatcher-twin-is-not-a-second-change",
        ),
        pytest.param(
            [txn(5, "Give", "bob", "Owner", "29", "6")],
            [("ticket.agent_assignment_changed", "human:bob", {"assignee_id": None})],
            id="back-to-nobody-is-unassigned",
        ),
        pytest.param(
            [txn(6, "Status", "alice", "Status", "new", "resolved")],
            [("ticket.status_changed", "human:alice", {"status": "resolved"})],
            id="a-status-change",
        ),
        pytest.param(
            [
                txn(7, "EmailRecord", "RT_System"),
                txn(8, "Comment", "router"),
                txn(9, "Set", "alice", "Priority", "50", "80"),
            ],
            [],
            id="mail-comments-and-other-fields-are-left-out",
        ),
    ],
)
def test_audit_entries(
    history: list[dict[str, Any]], expected: list[tuple[str, str, dict[str, Any]]]
) -> None:
    assert brief(audit_entries(7, history, USERS)) == expected


def test_entries_follow_rts_commit_order_and_keep_the_previous_owner() -> None:
    entries = audit_entries(
        7,
        [
            txn(12, "Set", "alice", "Owner", "27", "29"),
            txn(10, "Create", "root"),
            txn(11, "Set", "router", "Owner", "6", "27"),
        ],
        USERS,
    )
    assert [e["rt_transaction"] for e in entries] == ["10", "11", "12"]
    assert entries[2]["before"] == {"assignee_id": "alice"}
    assert {e["ticket_id"] for e in entries} == {7}


def test_user_ids_are_the_owner_changes_values_only() -> None:
    history = [
        txn(1, "Create", "root"),
        txn(2, "Set", "router", "Owner", "6", "27"),
        txn(3, "Set", "alice", "Priority", "50", "80"),
    ]
    assert user_ids(history) == {"6", "27"}


@pytest.mark.parametrize(
    ("history", "expected"),
    [
        pytest.param(
            [txn(1, "Create", "root"), txn(2, "Set", "router", "Owner", "6", "27")],
            dict(tickets=1, by_router=1, lost=0, double=0, overwrote_human=0),
            id="routed-once",
        ),
        pytest.param(
            [txn(1, "Create", "root"), txn(2, "Set", "bob", "Owner", "6", "29")],
            dict(tickets=1, by_human=1, lost=0),
            id="a-person-took-it",
        ),
        pytest.param(
            [
                txn(1, "Create", "root"),
                txn(2, "Set", "bob", "Owner", "6", "29"),
                txn(3, "Set", "router", "Owner", "29", "27"),
            ],
            dict(overwrote_human=1),
            id="deskroute-over-a-person",
        ),
        pytest.param(
            [
                txn(1, "Create", "root"),
                txn(2, "Set", "router", "Owner", "6", "27"),
                txn(3, "Set", "router", "Owner", "27", "6"),
                txn(4, "Set", "router", "Owner", "6", "29"),
            ],
            dict(double=1),
            id="assigned-from-scratch-twice",
        ),
        pytest.param([txn(1, "Create", "alice")], dict(tickets=0), id="not-a-customers-ticket"),
    ],
)
def test_the_ledger_reads_rt_history(
    history: list[dict[str, Any]], expected: dict[str, int]
) -> None:
    result = tally(
        audit_entries(1, history, USERS),
        router_actor="api:router",
        decisions={"1": {"alice", "bob"}},
        max_moves=3,
    )
    assert {key: getattr(result, key) for key in expected} == expected
