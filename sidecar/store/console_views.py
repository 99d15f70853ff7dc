"""Read-only queries behind the web console's pages: the waiting queue with each ticket's
latest refusal, per-agent activity, and one ticket's routing history with its write-backs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from sidecar import lifecycle
from sidecar.store import schema
from sidecar.store.database import reading
from sidecar.store.tickets import TicketRow, to_row

D, OUTBOX, T = schema.decisions, schema.outbox, schema.tickets

WRITE_BACK_COLUMNS = ("status", "attempts", "last_error", "created_at", "finished_at")

QUEUE_STATES = (lifecycle.PENDING, lifecycle.WAITING, lifecycle.REOPENED)
"""States of a ticket that waits for an agent: not decided yet, refused, or reopened with
an assignee the follow-through checks."""


@dataclass(frozen=True, slots=True)
class QueuedTicket:
    """A ticket in the queue and the refusal counts of its latest decision (by filter)."""

    row: TicketRow
    rejections: Mapping[str, int]
    decided_at: datetime | None


@dataclass(frozen=True, slots=True)
class AgentActivity:
    """What we routed to one agent: assignments since a moment, and the latest one."""

    routed_since: int
    last_assigned: datetime | None
    last_ticket: str | None


@dataclass(frozen=True, slots=True)
class WriteBack:
    """The outbox row of one decision: where its write to the help desk stands."""

    status: str
    attempts: int
    last_error: str | None
    created_at: datetime
    finished_at: datetime | None


@dataclass(frozen=True, slots=True)
class HistoryStep:
    """One stored decision (the record ``GET /decisions/{id}`` serves) and its write-back."""

    record: dict[str, Any]
    write_back: WriteBack | None


def queued(engine: sa.Engine) -> list[QueuedTicket]:
    """Tickets in the queue states, oldest first, each with its latest decision's refusals."""
    in_queue = sa.select(T.c.ticket_id).where(T.c.state.in_(QUEUE_STATES))
    latest = (
        sa.select(sa.func.max(D.c.id).label("id"))
        .where(D.c.ticket_id.in_(in_queue))
        .group_by(D.c.ticket_id)
        .subquery("latest")
    )
    last = sa.select(D.c.ticket_id, D.c.trace, D.c.decided_at).join(latest, latest.c.id == D.c.id)
    last_sub = last.subquery("last")
    query = (
        sa.select(T, last_sub.c.trace.label("last_trace"), last_sub.c.decided_at.label("last_at"))
        .outerjoin(last_sub, last_sub.c.ticket_id == T.c.ticket_id)
        .where(T.c.state.in_(QUEUE_STATES))
        .order_by(T.c.first_seen_at)
    )
    with reading(engine) as conn:
        return [
            QueuedTicket(to_row(row), _rejections(row.last_trace), row.last_at)
            for row in conn.execute(query)
        ]


def _rejections(record: Mapping[str, Any] | None) -> dict[str, int]:
    """Agents removed per filter in a stored decision (pruned ones included)."""
    if not record:
        return {}
    trace = record.get("trace", {})
    counts: dict[str, int] = {k: int(v) for k, v in trace.get("pruned", {}).items() if v}
    for candidate in trace.get("candidates", []):
        if "rejected_by" in candidate:
            counts[candidate["rejected_by"]] = counts.get(candidate["rejected_by"], 0) + 1
    return counts


def agent_activity(engine: sa.Engine, since: datetime) -> dict[str, AgentActivity]:
    """Per agent we ever assigned: how many assignments since ``since``, and the latest."""
    today = sa.func.sum(sa.case((D.c.decided_at >= since, 1), else_=0))
    per_agent = (
        sa.select(D.c.agent_id, sa.func.max(D.c.id).label("id"), today.label("today"))
        .where(D.c.outcome == "assigned", D.c.agent_id.is_not(None))
        .group_by(D.c.agent_id)
        .subquery("per_agent")
    )
    query = sa.select(per_agent.c.agent_id, per_agent.c.today, D.c.ticket_id, D.c.decided_at).join(
        D, D.c.id == per_agent.c.id
    )
    with reading(engine) as conn:
        return {
            row.agent_id: AgentActivity(int(row.today or 0), row.decided_at, row.ticket_id)
            for row in conn.execute(query)
        }


def ticket_history(engine: sa.Engine, ticket_id: str) -> list[HistoryStep]:
    """Every decision about ``ticket_id``, oldest first, each with its write-back if any."""
    query = (
        sa.select(D, *(OUTBOX.c[name] for name in WRITE_BACK_COLUMNS))
        .outerjoin(OUTBOX, OUTBOX.c.decision_id == D.c.id)
        .where(D.c.ticket_id == ticket_id)
        .order_by(D.c.id)
    )
    with reading(engine) as conn:
        return [_step(row) for row in conn.execute(query)]


def _step(row: Any) -> HistoryStep:
    record = {
        **row.trace,
        "id": row.id,
        "decided_at": row.decided_at.isoformat(),
        "cause": row.cause,
        "replica": row.replica,
    }
    if row.status is None:
        return HistoryStep(record, None)
    write = WriteBack(row.status, row.attempts, row.last_error, row.created_at, row.finished_at)
    return HistoryStep(record, write)
