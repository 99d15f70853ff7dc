"""Read-only summaries over the store: the shadow report's cases and routing totals."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from router.model import Ticket
from sidecar import lifecycle
from sidecar.shadow_measures import ShadowCase
from sidecar.store import schema
from sidecar.store.database import reading


def shadow_cases(engine: sa.Engine, since: datetime, until: datetime) -> list[ShadowCase]:
    """Every ticket whose first dry-run decision falls in ``[since, until)``, closed ones
    included: our first shadow assignment (or the waiting decision, if we never assigned),
    and the person's first assignment the store kept."""
    d, t = schema.decisions, schema.tickets
    first = (
        sa.select(d.c.ticket_id, sa.func.min(d.c.decided_at).label("first_at"))
        .where(d.c.dry_run.is_(True))
        .group_by(d.c.ticket_id)
        .having(sa.func.min(d.c.decided_at) >= since, sa.func.min(d.c.decided_at) < until)
        .subquery()
    )
    decisions = (
        sa.select(d.c.ticket_id, d.c.decided_at, d.c.outcome, d.c.agent_id, d.c.trace)
        .join(first, first.c.ticket_id == d.c.ticket_id)
        .where(d.c.dry_run.is_(True))
        .order_by(d.c.id)
    )
    tickets = sa.select(
        t.c.ticket_id, t.c.payload, t.c.state, t.c.first_assignee, t.c.first_assigned_at,
        first.c.first_at,
    ).join(first, first.c.ticket_id == t.c.ticket_id)  # fmt: skip
    with reading(engine) as conn:
        ours: dict[str, list[Any]] = {}
        for row in conn.execute(decisions):
            ours.setdefault(row.ticket_id, []).append(row)
        return [_case(row, ours.get(row.ticket_id, [])) for row in conn.execute(tickets)]


def _case(ticket_row: Any, decided: list[Any]) -> ShadowCase:
    """One shadow case from the ticket's row and its dry-run decisions (oldest first)."""
    ticket = Ticket.model_validate(ticket_row.payload)
    assigned = next((row for row in decided if row.outcome == "assigned"), None)
    judged_by = assigned if assigned is not None else decided[-1] if decided else None
    recorded = judged_by.trace if judged_by is not None else {}
    return ShadowCase(
        ticket_id=ticket_row.ticket_id,
        created_at=ticket.created_at,
        decided_at=ticket_row.first_at,
        ours=None if assigned is None else assigned.agent_id,
        ours_at=None if assigned is None else assigned.decided_at,
        theirs=ticket_row.first_assignee,
        theirs_at=ticket_row.first_assigned_at,
        trace=recorded.get("trace", {}),
        group=recorded.get("group") or ticket.group,
        closed=ticket_row.state == lifecycle.CLOSED,
    )


def team(engine: sa.Engine) -> list[str]:
    """The agent ids of the roster as last refreshed."""
    query = sa.select(schema.agent_load.c.agent_id).order_by(schema.agent_load.c.agent_id)
    with reading(engine) as conn:
        return list(conn.execute(query).scalars())


def routed_summary(engine: sa.Engine) -> dict[str, Any]:
    """Decisions by outcome and agent, and the commonest reasons a ticket waited."""
    d = schema.decisions
    with reading(engine) as conn:
        per_agent = conn.execute(
            sa.select(d.c.agent_id, sa.func.count())
            .where(d.c.outcome == "assigned")
            .group_by(d.c.agent_id)
            .order_by(sa.func.count().desc())
        )
        agents = {agent: int(count) for agent, count in per_agent}
        reasons = conn.execute(
            sa.select(d.c.reason, sa.func.count())
            .where(d.c.outcome == "waiting")
            .group_by(d.c.reason)
            .order_by(sa.func.count().desc())
            .limit(5)
        )
        waiting = {str(reason): int(count) for reason, count in reasons}
        rules = conn.execute(sa.select(d.c.trace).where(d.c.outcome == "assigned"))
        matched: dict[str, int] = {}
        for (trace,) in rules:
            for name in trace.get("trace", {}).get("matched_rules", []):
                matched[name] = matched.get(name, 0) + 1
    return {"per_agent": agents, "waiting_reasons": waiting, "rules": matched}
