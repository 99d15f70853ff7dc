"""The Queue page: tickets waiting for an agent, with age, priority, SLA clock and why each
waits, filtered by group, priority and reason (plain GET parameters)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse

from router.model import Priority
from sidecar import lifecycle
from sidecar.console.auth import User
from sidecar.console.pages import render
from sidecar.explanation import FILTER_WORDS, duration_text
from sidecar.followthrough import reply_limits
from sidecar.names import agent_names, namer
from sidecar.routes.context import AppContext
from sidecar.sla import sla_deadline
from sidecar.store.console_views import QueuedTicket, queued

UNDECIDED, REOPENED, NO_AGENTS = "undecided", "reopened", "no_agents"
STATE_REASONS = {
    UNDECIDED: "not decided yet (new or changed)",
    REOPENED: "reopened: follow-through checks its assignee",
    NO_AGENTS: "no agents on the roster",
}
"""Reasons for waiting that are not a filter's refusal."""
PRIORITIES = tuple(p.name.lower() for p in sorted(Priority, reverse=True))


@dataclass(frozen=True, slots=True)
class QueueFilters:
    """What the Queue page shows: one group, one priority, one reason (None: any)."""

    group: str | None = None
    priority: str | None = None
    reason: str | None = None

    @property
    def active(self) -> bool:
        """True when any filter is set."""
        return any((self.group, self.priority, self.reason))


@dataclass(frozen=True, slots=True)
class QueueRow:
    """One waiting ticket as the page shows it."""

    ticket_id: str
    subject: str
    group: str | None
    priority: str
    age: str
    sla: str | None
    sla_breached: bool
    why: str
    reasons: frozenset[str]


@dataclass(frozen=True, slots=True)
class QueueChoices:
    """The values each filter offers: groups and reasons present in the queue."""

    groups: list[str]
    priorities: tuple[str, ...]
    reasons: list[tuple[str, str]]


def reasons_of(item: QueuedTicket) -> frozenset[str]:
    """Why a queued ticket waits, as filter names (or one of ``STATE_REASONS``)."""
    if item.row.state == lifecycle.PENDING:
        return frozenset({UNDECIDED})
    if item.row.state == lifecycle.REOPENED:
        return frozenset({REOPENED})
    return frozenset(item.rejections) or frozenset({NO_AGENTS})


def why_text(item: QueuedTicket, name: Callable[[str], str]) -> str:
    """The reason in words: the stored refusal sentence, or what the state means."""
    if item.row.state == lifecycle.REOPENED and item.row.our_agent:
        return f"reopened: follow-through checks that {name(item.row.our_agent)} can take it"
    if item.row.state == lifecycle.WAITING and item.row.reason:
        return item.row.reason
    return STATE_REASONS[next(iter(reasons_of(item)))]


def sla_text(due: datetime | None, now: datetime) -> tuple[str | None, bool]:
    """The SLA clock in words and whether it is breached (None: no target)."""
    if due is None:
        return None, False
    left = due - now
    if left < timedelta(0):
        return f"breached {duration_text(-left.total_seconds())} ago", True
    return f"{duration_text(left.total_seconds())} left", False


def queue_rows(
    items: Sequence[QueuedTicket],
    now: datetime,
    targets: Mapping[Priority, timedelta],
    name: Callable[[str], str],
) -> list[QueueRow]:
    """The page's rows, most urgent first, then longest waiting (the router's order)."""
    ordered = sorted(items, key=lambda i: (-i.row.ticket.priority, i.row.ticket.waiting_since))
    rows = []
    for item in ordered:
        ticket = item.row.ticket
        sla, breached = sla_text(sla_deadline(ticket, targets), now)
        rows.append(QueueRow(
            ticket_id=ticket.id, subject=ticket.subject, group=ticket.group,
            priority=ticket.priority.name.lower(),
            age=duration_text((now - ticket.created_at).total_seconds()), sla=sla,
            sla_breached=breached, why=why_text(item, name), reasons=reasons_of(item),
        ))  # fmt: skip
    return rows


def choices(rows: Sequence[QueueRow]) -> QueueChoices:
    """Filter values: every group and reason present in the (unfiltered) queue."""
    present = {reason for row in rows for reason in row.reasons}
    words = {**FILTER_WORDS, **STATE_REASONS}
    return QueueChoices(
        groups=sorted({row.group for row in rows if row.group}),
        priorities=PRIORITIES,
        reasons=[(reason, words.get(reason, reason)) for reason in sorted(present)],
    )


def parse_filters(group: str | None, priority: str | None, reason: str | None) -> QueueFilters:
    """Filters from query parameters (empty means any); an unknown priority is a 422."""
    priority = (priority or "").strip().lower() or None
    if priority is not None and priority not in PRIORITIES:
        raise HTTPException(422, f"unknown priority {priority!r} (one of {', '.join(PRIORITIES)})")
    return QueueFilters(group=(group or "").strip() or None, priority=priority,
                        reason=(reason or "").strip() or None)  # fmt: skip


def matching(rows: Sequence[QueueRow], filters: QueueFilters) -> list[QueueRow]:
    """The rows the filters let through."""
    return [
        row
        for row in rows
        if (filters.group is None or row.group == filters.group)
        and (filters.priority is None or row.priority == filters.priority)
        and (filters.reason is None or filters.reason in row.reasons)
    ]


def register(app: FastAPI, ctx: AppContext) -> None:
    """``GET /console/queue``."""

    @app.get("/console/queue", include_in_schema=False, response_class=HTMLResponse)
    def queue_page(
        request: Request, user: User, group: str | None = None, priority: str | None = None,
        reason: str | None = None,
    ) -> HTMLResponse:  # fmt: skip
        filters = parse_filters(group, priority, reason)
        now = ctx.clock()
        name = namer(agent_names(ctx.roster(), ctx.store.loads.table()))
        targets = reply_limits(ctx.settings.follow_through)
        rows = queue_rows(queued(ctx.store.engine), now, targets, name)
        return render(
            request, "queue.html", page="queue", rows=matching(rows, filters), total=len(rows),
            filters=filters, choices=choices(rows), now=f"{now:%Y-%m-%d %H:%M}",
        )  # fmt: skip
