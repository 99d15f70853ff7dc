"""The chaos ledger: replaying the audit log into lost, double and overwrote_human."""

from __future__ import annotations

from typing import Any

import pytest

from sandbox.ledger import tally
from sandbox.store import CUSTOMER, REPEATED_ASSIGNMENT

ROUTER = "api:router@x.invalid"


def created(ticket: int, actor: str = CUSTOMER) -> dict[str, Any]:
    return {
        "actor": actor,
        "event": "ticket.created",
        "ticket_id": ticket,
        "changes": {"subject": "s"},
    }


def assigned(ticket: int, agent: int | str | None, actor: str = ROUTER) -> dict[str, Any]:
    return {
        "actor": actor,
        "event": "ticket.agent_assignment_changed",
        "ticket_id": ticket,
        "changes": {"assignee_id": agent},
    }


def repeated(ticket: int, agent: int, actor: str = ROUTER) -> dict[str, Any]:
    return {
        "actor": actor,
        "event": REPEATED_ASSIGNMENT,
        "ticket_id": ticket,
        "changes": {},
        "requested": {"assignee_id": agent},
    }


SOLVED = {
    "actor": "human:Ada",
    "event": "ticket.status_changed",
    "ticket_id": 1,
    "changes": {"status": "solved"},
}
OFFLINE = {
    "actor": "human:Ada",
    "event": "agent.availability_changed",
    "agent_id": 5,
    "changes": {"available": False},
}


@pytest.mark.parametrize(
    ("audit", "decided", "expected"),
    [
        pytest.param(
            [created(1), assigned(1, 5), SOLVED, OFFLINE],
            {"1": {"5"}},
            dict(tickets=1, by_router=1, lost=0, double=0, overwrote_human=0),
            id="assigned-once",
        ),
        pytest.param(
            [created(1), assigned(1, 7, "human:Bo")],
            {},
            dict(tickets=1, by_human=1, lost=0, double=0, overwrote_human=0),
            id="a-person-took-it-first",
        ),
        pytest.param(
            [created(1), assigned(1, 7, "human:Bo"), assigned(1, 5)],
            {"1": {"5"}},
            dict(tickets=1, overwrote_human=1),
            id="router-over-a-person",
        ),
        pytest.param(
            [created(1), assigned(1, 5), assigned(1, 7, "human:Bo"), assigned(1, 5)],
            {"1": {"5"}},
            dict(overwrote_human=1),
            id="router-back-over-a-reassignment",
        ),
        pytest.param(
            [created(1), assigned(1, 5), repeated(1, 5)],
            {"1": {"5"}},
            dict(double=1, lost=0),
            id="a-repeated-write",
        ),
        pytest.param(
            [created(1), assigned(1, 5), repeated(1, 5, "human:Ada")],
            {"1": {"5"}},
            dict(double=0),
            id="a-person-repeating-is-not-ours",
        ),
        pytest.param(
            [created(1), assigned(1, 5), assigned(1, 6), assigned(1, 7)],
            {"1": {"5", "6", "7"}},
            dict(moves=2, double=0),
            id="follow-through-moves",
        ),
        pytest.param(
            [created(1), *[assigned(1, a) for a in (5, 6, 7, 8, 9)]],
            {"1": {"5", "6", "7", "8", "9"}},
            dict(moves=4, double=1),
            id="more-moves-than-allowed",
        ),
        pytest.param(
            [created(1), assigned(1, 5), assigned(1, None), assigned(1, 6)],
            {"1": {"5", "6"}},
            dict(double=1),
            id="assigned-from-scratch-twice",
        ),
        pytest.param([created(1), created(2)], {}, dict(tickets=2, lost=2), id="never-assigned"),
        pytest.param(
            [created(1), assigned(1, 5)],
            {"1": {"6"}},
            dict(lost=1),
            id="no-decision-behind-the-write",
        ),
        pytest.param(
            [created(1, "api:someone"), assigned(1, 5)],
            {},
            dict(tickets=0, lost=0),
            id="not-a-customer-ticket",
        ),
    ],
)
def test_tally(
    audit: list[dict[str, Any]], decided: dict[str, set[str]], expected: dict[str, int]
) -> None:
    result = tally(audit, router_actor=ROUTER, decisions=decided, max_moves=3)
    assert {key: getattr(result, key) for key in expected} == expected


BO = "human:Bo"


@pytest.mark.parametrize(
    ("audit", "decided", "expected"),
    [
        pytest.param(
            [created(1), assigned(1, 7, BO), assigned(1, 5), assigned(1, 7)],
            {"1": {"5"}},
            dict(overwrote_human=0, restored=1, by_human=1, lost=0, double=0, moves=0),
            id="the-overwrite-is-put-back-at-once",
        ),
        pytest.param(
            [created(1), assigned(1, 7, BO), assigned(1, 5)],
            {"1": {"5"}},
            dict(overwrote_human=1, restored=0),
            id="never-put-back",
        ),
        pytest.param(
            [created(1), assigned(1, 7, BO), assigned(1, 5), assigned(1, 8)],
            {"1": {"5", "8"}},
            dict(overwrote_human=1, restored=0, moves=1),
            id="the-next-write-names-another-agent",
        ),
        pytest.param(
            [
                created(1),
                assigned(1, 7, BO),
                assigned(1, 5),
                assigned(1, 9, "human:Cy"),
                assigned(1, 7),
            ],
            {"1": {"5"}},
            dict(overwrote_human=2, restored=0),
            id="a-person-moved-it-before-the-put-back-which-overwrites-again",
        ),
        pytest.param(
            [created(1), assigned(1, 5), assigned(1, 7, BO), assigned(1, 6), assigned(1, 7)],
            {"1": {"5", "6"}},
            dict(overwrote_human=0, restored=1, by_router=1, moves=0),
            id="a-move-over-a-reassignment-put-back",
        ),
        pytest.param(
            [
                created(1),
                assigned(1, 7, BO),
                assigned(1, 5),
                assigned(1, 7),
                assigned(1, 8, "human:Cy"),
                assigned(1, 5),
            ],
            {"1": {"5"}},
            dict(overwrote_human=1, restored=1),
            id="put-back-once-then-overwritten-again",
        ),
        pytest.param(
            [created(1), assigned(1, 7, BO), assigned(1, 5), assigned(1, 7), assigned(1, 6)],
            {"1": {"5", "6"}},
            dict(overwrote_human=1, restored=1, moves=0),
            id="once-put-back-the-ticket-is-the-persons-again",
        ),
        pytest.param(
            [created(1), assigned(1, 5, BO), repeated(1, 5)],
            {"1": {"5"}},
            dict(double=0, overwrote_human=0, by_human=1),
            id="our-first-write-repeating-a-persons-choice-is-not-double",
        ),
        pytest.param(
            [created(1), assigned(1, "alice"), assigned(1, "bob", "human:alice")],
            {"1": {"alice"}},
            dict(by_router=1, by_human=0, lost=0, double=0),
            id="agents-named-by-user-name-as-on-request-tracker",
        ),
        pytest.param(
            [created(1), assigned(1, "alice")],
            {"1": {"bob"}},
            dict(lost=1),
            id="a-user-name-without-a-decision",
        ),
    ],
)
def test_tally_counts_a_put_back_overwrite_as_restored(
    audit: list[dict[str, Any]], decided: dict[str, set[str]], expected: dict[str, int]
) -> None:
    result = tally(audit, router_actor=ROUTER, decisions=decided, max_moves=3)
    assert {key: getattr(result, key) for key in expected} == expected


def test_result_line_and_the_tickets_it_names() -> None:
    result = tally(
        [created(1), created(2), assigned(2, 5, "human:Bo"), assigned(2, 6)],
        router_actor=ROUTER,
        decisions={"2": {"6"}},
        max_moves=3,
    )
    assert result.result_line() == "RESULT tickets=2 lost=1 double=0 overwrote_human=1 restored=0"
    assert (result.unassigned, result.overwritten, result.clean) == ([1], [2], False)


def test_a_restored_overwrite_leaves_the_run_clean_and_is_named() -> None:
    result = tally(
        [created(3), assigned(3, 7, BO), assigned(3, 5), assigned(3, 7)],
        router_actor=ROUTER,
        decisions={"3": {"5"}},
        max_moves=3,
    )
    assert result.result_line().split()[:5] == [
        "RESULT",
        "tickets=1",
        "lost=0",
        "double=0",
        "overwrote_human=0",
    ]
    assert result.result_line().endswith(" restored=1")
    assert (result.restored_tickets, result.overwritten, result.clean) == ([3], [], True)
