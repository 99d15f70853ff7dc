"""A ticket's metric set worked out from its audits and comments (a pure function).

Zendesk keeps one metric set per ticket (developer.zendesk.com/api-reference/ticketing/
tickets/ticket_metrics/): counts (reopens, replies, stations), moments (assigned, solved,
last status change, last update by the assignee or the requester, last comment) and time
measures in calendar and business minutes. The sandbox has no business-hours schedule, so
business minutes equal calendar minutes, as on an account without schedules. Where the
documents are silent the less convenient reading is taken: the resolution and waiting
measures stay empty (``{"calendar": null, "business": null}``) until the ticket is solved,
and the first reply time until an agent's first public reply.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import pairwise
from typing import TYPE_CHECKING

from sandbox.history import Audit, AuditEvent, Comment

if TYPE_CHECKING:
    from sandbox.store import Desk, TicketRecord

SOLVED = frozenset({"solved", "closed"})
REQUESTER_WAITS = frozenset({"new", "open", "hold"})
METRIC_BASE = 80_000_000_000


@dataclass(frozen=True, kw_only=True, slots=True)
class Minutes:
    """A time measure; None while it has no value."""

    calendar: int | None = None
    business: int | None = None


EMPTY = Minutes()


@dataclass(frozen=True, kw_only=True, slots=True)
class TicketMetrics:
    """Every value of a Zendesk metric set, vendor-neutral."""

    id: int
    ticket_id: int
    created_at: datetime
    updated_at: datetime
    reopens: int
    replies: int
    assignee_stations: int
    group_stations: int
    initially_assigned_at: datetime | None
    assigned_at: datetime | None
    assignee_updated_at: datetime | None
    requester_updated_at: datetime | None
    status_updated_at: datetime | None
    solved_at: datetime | None
    latest_comment_added_at: datetime | None
    reply_time: Minutes
    first_resolution_time: Minutes
    full_resolution_time: Minutes
    agent_wait_time: Minutes
    requester_wait_time: Minutes
    on_hold_time: Minutes


@dataclass(frozen=True, kw_only=True, slots=True)
class TicketFacts:
    """What the desk knows about the ticket beyond its audits."""

    ticket_id: int
    created_at: datetime
    updated_at: datetime
    status: str
    assignee_id: int | None
    requester_id: int
    first_reply_at: datetime | None


def metric_id(ticket_id: int) -> int:
    """The id of a ticket's metric set."""
    return METRIC_BASE + ticket_id


def ticket_metrics(desk: Desk, ticket: TicketRecord) -> TicketMetrics:
    """The metric set of a ticket at ``desk`` now."""
    with desk.lock:
        facts = TicketFacts(
            ticket_id=ticket.id,
            created_at=ticket.created_at,
            updated_at=ticket.updated_at,
            status=ticket.status,
            assignee_id=ticket.assignee_id,
            requester_id=ticket.requester_id,
            first_reply_at=ticket.first_reply_at,
        )
        return metrics_of(facts, desk.history.of(ticket.id), list(ticket.notes))


def metrics_of(
    facts: TicketFacts, audits: Sequence[Audit], comments: Sequence[Comment]
) -> TicketMetrics:
    """The metric set of one ticket."""
    statuses = _timeline(audits, "status")
    solves = _solves(statuses)
    solved_now = facts.status in SOLVED and bool(solves)
    end = solves[-1] if solved_now else None
    assigned = [at for at, value in _timeline(audits, "assignee_id") if value is not None]
    return TicketMetrics(
        id=metric_id(facts.ticket_id),
        ticket_id=facts.ticket_id,
        created_at=facts.created_at,
        updated_at=facts.updated_at,
        reopens=_reopens(statuses),
        replies=sum(
            c.public and c.kind != "description" and c.author_id != facts.requester_id
            for c in comments
        ),
        assignee_stations=len(assigned),
        group_stations=sum(v is not None for _, v in _timeline(audits, "group_id")),
        initially_assigned_at=assigned[0] if assigned else None,
        assigned_at=assigned[-1] if assigned else None,
        assignee_updated_at=_last_by(audits, facts.assignee_id),
        requester_updated_at=_last_by(audits, facts.requester_id),
        status_updated_at=statuses[-1][0] if statuses else None,
        solved_at=solves[-1] if solves else None,
        latest_comment_added_at=max((c.created_at for c in comments), default=None),
        reply_time=_since(facts.created_at, facts.first_reply_at),
        first_resolution_time=_since(facts.created_at, solves[0] if solves else None),
        full_resolution_time=_since(facts.created_at, end),
        agent_wait_time=_time_in(statuses, {"pending"}, end),
        requester_wait_time=_time_in(statuses, REQUESTER_WAITS, end),
        on_hold_time=_time_in(statuses, {"hold"}, end),
    )


def _events(audits: Iterable[Audit], name: str) -> Iterable[tuple[Audit, AuditEvent]]:
    for audit in audits:
        for event in audit.events:
            if event.field_name == name and event.type in ("Create", "Change"):
                yield audit, event


def _timeline(audits: Iterable[Audit], name: str) -> list[tuple[datetime, object]]:
    """``(when, value)`` each time the field was set, oldest first."""
    return [(audit.created_at, event.value) for audit, event in _events(audits, name)]


def _solves(statuses: Sequence[tuple[datetime, object]]) -> list[datetime]:
    """Moments the ticket became solved (or closed straight away), oldest first."""
    previous: list[object] = [None] + [status for _, status in statuses]
    return [
        at
        for (at, status), before in zip(statuses, previous, strict=False)
        if status in SOLVED and before not in SOLVED
    ]


def _reopens(statuses: Sequence[tuple[datetime, object]]) -> int:
    """Times a solved ticket went back to work."""
    return sum(
        before in SOLVED and after not in SOLVED for (_, before), (_, after) in pairwise(statuses)
    )


def _last_by(audits: Sequence[Audit], user_id: int | None) -> datetime | None:
    if user_id is None:
        return None
    return max((a.created_at for a in audits if a.origin.author_id == user_id), default=None)


def _minutes(seconds: float) -> Minutes:
    whole = round(seconds / 60)
    return Minutes(calendar=whole, business=whole)


def _since(start: datetime, end: datetime | None) -> Minutes:
    return EMPTY if end is None else _minutes((end - start).total_seconds())


def _time_in(
    statuses: Sequence[tuple[datetime, object]],
    wanted: set[str] | frozenset[str],
    end: datetime | None,
) -> Minutes:
    """Minutes spent in ``wanted`` statuses up to ``end`` (empty while unsolved)."""
    if end is None:
        return EMPTY
    bounds = [at for at, _ in statuses[1:]] + [end]
    seconds = sum(
        max(0.0, (min(stop, end) - start).total_seconds())
        for (start, status), stop in zip(statuses, bounds, strict=True)
        if status in wanted and start < end
    )
    return _minutes(seconds)
