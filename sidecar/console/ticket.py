"""The Ticket page: one ticket's routing history (each decision, follow-through move and
write-back, with its cause) explained in plain language, with names; and the search box's
jump to a ticket id."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated
from urllib.parse import quote

from fastapi import FastAPI, Query, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from sidecar.console.auth import User
from sidecar.console.pages import render
from sidecar.explanation import MOVES, Explanation, explain
from sidecar.names import agent_names, namer
from sidecar.routes.context import AppContext
from sidecar.store.console_views import HistoryStep, WriteBack, ticket_history
from sidecar.store.tickets import TicketRow

MAX_ID = 100
"""Longest ticket id the store holds (``deskroute_tickets.ticket_id``)."""


@dataclass(frozen=True, slots=True)
class StepView:
    """One decision as the page shows it."""

    id: int
    when: str
    kind: str
    policy: str
    explanation: Explanation
    write_back: str | None


@dataclass(frozen=True, slots=True)
class TicketSummary:
    """Where the ticket stands now."""

    subject: str
    state: str
    agent: str | None
    reason: str | None
    priority: str
    group: str | None
    created: str
    moves: int


def when(moment: datetime) -> str:
    """A moment as the page prints it (UTC, to the second)."""
    return f"{moment:%Y-%m-%d %H:%M:%S}"


def write_back_text(write: WriteBack | None, dry_run: bool) -> str | None:
    """Where the decision's write to the help desk stands, in words."""
    if write is None:
        return "none (dry run: recorded only)" if dry_run else None
    finished = "" if write.finished_at is None else f" at {when(write.finished_at)}"
    tries = f"after {write.attempts} attempt{'s' if write.attempts != 1 else ''}"
    if write.status == "done":
        return f"written to the help desk{finished} ({tries})"
    if write.status == "superseded":
        return f"not written: {write.last_error or 'the ticket changed'}{finished}"
    if write.status in ("parked", "dropped"):
        return f"{write.status}{finished}: {write.last_error or 'no reason recorded'}"
    retry = f"; last error: {write.last_error}" if write.last_error else ""
    return f"{write.status}: queued for the help desk ({tries}){retry}"


def kind_of(record: dict[str, object]) -> str:
    """``routing``, ``move`` (follow-through) or ``refusal`` (the ticket waited)."""
    if record.get("outcome") != "assigned":
        return "waiting"
    return "move" if record.get("cause") in MOVES else "routing"


def step_views(
    steps: Sequence[HistoryStep], name: Callable[[str], str], dry_run: bool
) -> list[StepView]:
    """The history's decisions, oldest first, explained."""
    views = []
    for step in steps:
        record = step.record
        assigned = record.get("outcome") == "assigned"
        views.append(StepView(
            id=int(record["id"]), when=when(datetime.fromisoformat(str(record["decided_at"]))),
            kind=kind_of(record), policy=str(record.get("trace", {}).get("policy", "")),
            explanation=explain(record, name),
            write_back=write_back_text(step.write_back, dry_run) if assigned else None,
        ))  # fmt: skip
    return views


def summary_of(row: TicketRow | None, name: Callable[[str], str]) -> TicketSummary | None:
    """The ticket's current state, agent by name."""
    if row is None:
        return None
    ticket = row.ticket
    return TicketSummary(
        subject=ticket.subject, state=row.state,
        agent=None if row.our_agent is None else name(row.our_agent), reason=row.reason,
        priority=ticket.priority.name.lower(), group=ticket.group,
        created=when(ticket.created_at), moves=row.moves,
    )  # fmt: skip


def register(app: FastAPI, ctx: AppContext) -> None:
    """``GET /console/tickets/{id}`` and the search box's ``GET /console/tickets?id=``."""

    @app.get("/console/tickets", include_in_schema=False)
    def find(user: User, id: Annotated[str, Query(max_length=MAX_ID)] = "") -> Response:
        wanted = id.strip().lstrip("#")
        if not wanted:
            return RedirectResponse("/console/queue", status_code=303)
        return RedirectResponse(f"/console/tickets/{quote(wanted, safe='')}", status_code=303)

    @app.get("/console/tickets/{ticket_id}", include_in_schema=False,
             response_class=HTMLResponse)  # fmt: skip
    def ticket_page(request: Request, user: User, ticket_id: str) -> HTMLResponse:
        if len(ticket_id) > MAX_ID:
            return render(request, "missing.html", status_code=404, ticket_id=ticket_id[:MAX_ID])
        steps = ticket_history(ctx.store.engine, ticket_id)
        row = ctx.store.tickets.get(ticket_id)
        if row is None and not steps:
            return render(request, "missing.html", status_code=404, ticket_id=ticket_id)
        name = namer(agent_names(ctx.roster(), ctx.store.loads.table()))
        return render(
            request, "ticket.html", ticket_id=ticket_id, summary=summary_of(row, name),
            steps=step_views(steps, name, ctx.settings.dry_run),
        )  # fmt: skip
