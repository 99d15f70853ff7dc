"""The Zendesk face's ticket history endpoints: audits, comments and ticket metrics.

Each follows its page of the Support API reference (developer.zendesk.com/api-reference/
ticketing/tickets/ticket_audits/, .../ticket_comments/, .../ticket_metrics/): audits and
comments oldest first, ticket metrics newest ticket first, every list paginated by cursor
(``page[size]``) or offset, a missing ticket or record ``404 RecordNotFound``.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from sandbox import zendesk_history_render as render
from sandbox.store import DeskError, TicketRecord
from sandbox.ticket_metrics import METRIC_BASE, ticket_metrics
from sandbox.wire import base_of, desk_of, json_response
from sandbox.zendesk_api import PREFIX, desk_error, error
from sandbox.zendesk_render import list_page

router = APIRouter(prefix=PREFIX + "/api/v2")


def _ticket(request: Request, ticket_id: int) -> TicketRecord | JSONResponse:
    try:
        return desk_of(request).ticket(ticket_id)
    except DeskError as exc:
        return desk_error(exc)


@router.get("/tickets/{ticket_id}/audits.json")
def list_audits(ticket_id: int, request: Request) -> JSONResponse:
    """A ticket's audits, oldest first."""
    ticket = _ticket(request, ticket_id)
    if isinstance(ticket, JSONResponse):
        return ticket
    desk = desk_of(request)
    with desk.lock:
        items = [render.audit(a) for a in desk.history.of(ticket.id)]
    return list_page(request, items, "audits")


@router.get("/tickets/{ticket_id}/audits/{audit_id}.json")
def show_audit(ticket_id: int, audit_id: int, request: Request) -> JSONResponse:
    """One audit of a ticket."""
    desk = desk_of(request)
    with desk.lock:
        found = next((a for a in desk.history.of(ticket_id) if a.id == audit_id), None)
        if found is None:
            return error(404, "RecordNotFound", "Not found")
        return json_response({"audit": render.audit(found)})


@router.get("/tickets/{ticket_id}/comments.json")
def list_comments(ticket_id: int, request: Request) -> JSONResponse:
    """A ticket's comments, the description first (``sort=-created_at`` reverses them)."""
    ticket = _ticket(request, ticket_id)
    if isinstance(ticket, JSONResponse):
        return ticket
    with desk_of(request).lock:
        items = [render.comment(c) for c in ticket.notes]
    params = request.query_params
    if params.get("sort") == "-created_at" or params.get("sort_order") == "desc":
        items.reverse()
    return list_page(request, items, "comments")


@router.get("/tickets/{ticket_id}/metrics.json")
def ticket_metric_set(ticket_id: int, request: Request) -> JSONResponse:
    """The metric set of one ticket."""
    ticket = _ticket(request, ticket_id)
    if isinstance(ticket, JSONResponse):
        return ticket
    base = base_of(request, PREFIX)
    metrics = ticket_metrics(desk_of(request), ticket)
    return json_response({"ticket_metric": render.metric_set(metrics, base)})


@router.get("/ticket_metrics.json")
def list_ticket_metrics(request: Request) -> JSONResponse:
    """Every ticket's metric set, newest ticket first."""
    desk, base = desk_of(request), base_of(request, PREFIX)
    with desk.lock:
        tickets = sorted(desk.tickets.values(), key=lambda t: (t.created_at, t.id), reverse=True)
        items = [render.metric_set(ticket_metrics(desk, t), base) for t in tickets]
    return list_page(request, items, "ticket_metrics")


@router.get("/ticket_metrics/{metric_id}.json")
def show_ticket_metrics(metric_id: int, request: Request) -> JSONResponse:
    """A metric set by its own id, or by its ticket's id (the reference allows both)."""
    desk = desk_of(request)
    ticket_id = metric_id - METRIC_BASE if metric_id > METRIC_BASE else metric_id
    ticket = _ticket(request, ticket_id)
    if isinstance(ticket, JSONResponse):
        return ticket
    metrics = ticket_metrics(desk, ticket)
    return json_response({"ticket_metric": render.metric_set(metrics, base_of(request, PREFIX))})
