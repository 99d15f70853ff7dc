"""The Zendesk face of the sandbox: the Support API endpoints the connector uses, real shapes."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from sandbox import zendesk_history_render as history_render
from sandbox import zendesk_render as render
from sandbox.directory import API_USER_ID
from sandbox.history import Audit
from sandbox.store import Desk, DeskError, TicketRecord
from sandbox.wire import (
    actor_of,
    base_of,
    decode_cursor,
    desk_of,
    encode_cursor,
    json_body,
    json_response,
    parse_when,
)
from sandbox.zendesk_sideloads import sideloads

PREFIX = "/zendesk"
ID_CAP = 100
SEARCH_CAP = 1000
router = APIRouter(prefix=PREFIX + "/api/v2")


def error(status: int, name: str, description: str, details: Any = None) -> JSONResponse:
    """Zendesk's error body: ``{"error", "description"[, "details"]}``."""
    body: dict[str, Any] = {"error": name, "description": description}
    if details is not None:
        body["details"] = details
    return json_response(body, status)


def desk_error(exc: DeskError) -> JSONResponse:
    """The Zendesk response for a refused change."""
    if exc.kind == "not_found":
        return error(404, "RecordNotFound", "Not found")
    if exc.kind == "conflict":
        return error(409, "DatabaseConflict", str(exc))
    field = (exc.field_name or "base").removesuffix("_id")
    return error(
        422,
        "RecordInvalid",
        "Record validation errors",
        {field: [{"description": f"{field.title()}: {exc}", "error": "InvalidValue"}]},
    )


@router.get("/incremental/tickets/cursor.json")
def incremental_export(request: Request) -> JSONResponse:
    """Cursor-based incremental ticket export (``start_time`` first, then ``cursor``).

    Changes younger than ``export_lag`` seconds are held back, as Zendesk holds back the
    last minute; the cursor stops before them so the next call picks them up.
    """
    desk, params = desk_of(request), request.query_params
    per_page = min(int(params.get("per_page", 1000)), 1000)
    if "cursor" in params:
        try:
            after, start = decode_cursor(params["cursor"]), None
        except ValueError:
            return error(400, "InvalidCursor", "cursor is not valid")
    elif "start_time" in params:
        after, start = 0, parse_when(params["start_time"])
    else:
        return error(400, "InvalidValue", "start_time or cursor is required")
    lag = request.app.state.options.export_lag
    cutoff = desk.clock() - timedelta(seconds=lag) if lag > 0 else None
    page, last, done = _export_slice(
        desk.changed_after(after, len(desk.tickets) + 1), start, cutoff, per_page, after
    )
    base = base_of(request, PREFIX)
    cursor = encode_cursor(last)
    body: dict[str, Any] = {
        "tickets": [render.ticket(t, base, export=True) for t in page],
        "after_cursor": cursor,
        "before_cursor": None,
        "after_url": f"{base}/api/v2/incremental/tickets/cursor.json?cursor={cursor}",
        "before_url": None,
        "end_of_stream": done,
    }
    return json_response(body | sideloads(request, desk, page, base))


def _export_slice(
    changed: list[TicketRecord],
    start: datetime | None,
    cutoff: datetime | None,
    per_page: int,
    after: int,
) -> tuple[list[TicketRecord], int, bool]:
    """The page, the position to resume after, and whether the stream has ended."""
    page: list[TicketRecord] = []
    last = after
    for ticket in changed:
        if cutoff is not None and ticket.updated_at > cutoff:
            return page, last, True
        if len(page) == per_page:
            return page, last, False
        if start is None or ticket.updated_at >= start:
            page.append(ticket)
        last = ticket.seq
    return page, last, True


@router.get("/tickets.json")
def list_tickets(request: Request) -> JSONResponse:
    """Tickets, offset- or cursor-paginated."""
    desk = desk_of(request)
    base = base_of(request, PREFIX)
    with desk.lock:
        items = sorted(desk.tickets.values(), key=lambda t: t.id)
    return render.list_page(request, [render.ticket(t, base) for t in items], "tickets")


@router.post("/tickets.json", status_code=201)
async def create_ticket(request: Request) -> JSONResponse:
    """Create a ticket from ``{"ticket": {subject, comment: {body}, priority, tags}}``;
    answers the ticket and the audit of its creation (``Create`` and ``Comment`` events).
    Without ``requester_id`` the API user is the requester, as on Zendesk."""
    data = await json_body(request)
    if not isinstance(data, dict) or not isinstance(data.get("ticket"), dict):
        return error(400, "InvalidValue", 'body must be {"ticket": {...}}')
    raw = data["ticket"]
    body = (raw.get("comment") or {}).get("body") or raw.get("description") or ""
    if not str(body).strip():
        return error(
            422,
            "RecordInvalid",
            "Record validation errors",
            {
                "description": [
                    {"description": "Description: cannot be blank", "error": "BlankValue"}
                ]
            },
        )
    desk = desk_of(request)
    with desk.lock:
        ticket = desk.create_ticket(
            actor_of(request),
            subject=str(raw.get("subject") or str(body)[:60]),
            description=str(body),
            priority=raw.get("priority") or "normal",
            type=raw.get("type"),
            channel="api",
            tags=[str(t) for t in raw.get("tags") or []],
            requester_id=int(raw.get("requester_id") or API_USER_ID),
        )
        audit = desk.history.of(ticket.id)[-1]
        audit.client = request.headers.get("user-agent")
    base = base_of(request, PREFIX)
    return json_response(
        {"ticket": render.ticket(ticket, base), "audit": history_render.audit(audit)},
        201,
        {"Location": f"{base}/api/v2/tickets/{ticket.id}.json"},
    )


@router.get("/tickets/show_many.json")
def show_many(request: Request) -> JSONResponse:
    """Up to 100 tickets by id (more: 400 TooManyValues); ``include=metric_sets,users``
    sideloads their metric sets and users (``zendesk_sideloads``)."""
    ids = [part for part in request.query_params.get("ids", "").split(",") if part.strip()]
    if len(ids) > ID_CAP:
        return error(400, "TooManyValues", f"Too many values specified (maximum {ID_CAP})")
    desk, base = desk_of(request), base_of(request, PREFIX)
    with desk.lock:
        found = [
            desk.tickets[int(i)] for i in ids if i.strip().isdigit() and int(i) in desk.tickets
        ]
        body: dict[str, Any] = {
            "tickets": [render.ticket(t, base) for t in found],
            "next_page": None,
            "previous_page": None,
            "count": len(found),
        }
        body |= sideloads(request, desk, found, base)
    return json_response(body)


@router.put("/tickets/update_many.json")
async def update_many(request: Request) -> JSONResponse:
    """Batch update: ``{"tickets": [{id, ...}]}`` (or ``?ids=`` + ``{"ticket"}``), async job."""
    data = await json_body(request)
    work = _batch_work(request, data)
    if isinstance(work, JSONResponse):
        return work
    job = desk_of(request).start_job(
        "zendesk", work, actor_of(request), request.app.state.options.job_delay, _stamps(data)
    )
    return json_response({"job_status": render.job(job, base_of(request, PREFIX))})


def _stamps(data: Any) -> dict[int, datetime]:
    """Per-ticket ``safe_update`` stamps of a batch (assumed to work as on a single update)."""
    stamps: dict[int, datetime] = {}
    for item in data.get("tickets") or [] if isinstance(data, dict) else []:
        if isinstance(item, dict) and item.get("safe_update") and item.get("updated_stamp"):
            when = parse_when(item["updated_stamp"])
            if when is not None and str(item.get("id", "")).isdigit():
                stamps[int(item["id"])] = when
    return stamps


def _batch_work(request: Request, data: Any) -> list[tuple[int, dict[str, Any]]] | JSONResponse:
    if isinstance(data, dict) and isinstance(data.get("tickets"), list):
        items = data["tickets"]
    elif isinstance(data, dict) and isinstance(data.get("ticket"), dict):
        ids = request.query_params.get("ids", "").split(",")
        items = [{**data["ticket"], "id": i} for i in ids if i.strip()]
    else:
        return error(400, "InvalidValue", "body must carry tickets or ticket")
    if len(items) > ID_CAP:
        return error(400, "TooManyValues", f"Too many values specified (maximum {ID_CAP})")
    try:
        return [(int(item["id"]), render.changes(item)) for item in items]
    except (KeyError, TypeError, ValueError):
        return error(400, "InvalidValue", "every ticket needs a numeric id")


@router.get("/job_statuses/show_many.json")
def job_statuses(request: Request) -> JSONResponse:
    """Several jobs by ``ids`` (comma-separated): "Show Many Job Statuses"
    (developer.zendesk.com/api-reference/ticketing/ticket-management/job_statuses/); jobs
    it does not know are left out, as statuses are kept for a day only."""
    ids = [i.strip() for i in request.query_params.get("ids", "").split(",") if i.strip()]
    if not ids:
        return error(400, "InvalidValue", "ids is required")
    if len(ids) > ID_CAP:
        return error(400, "TooManyValues", f"Too many values specified (maximum {ID_CAP})")
    jobs, base = desk_of(request).jobs, base_of(request, PREFIX)
    found = [render.job(jobs[i], base) for i in ids if i in jobs]
    return json_response({"job_statuses": found})


@router.get("/job_statuses/{job_id}.json")
def job_status(job_id: str, request: Request) -> JSONResponse:
    """A bulk job: queued → working → completed, with per-ticket results."""
    job = desk_of(request).jobs.get(job_id)
    if job is None:
        return error(404, "RecordNotFound", "Not found")
    return json_response({"job_status": render.job(job, base_of(request, PREFIX))})


@router.get("/tickets/{ticket_id}.json")
def show_ticket(ticket_id: int, request: Request) -> JSONResponse:
    """One ticket (``include=metric_sets,users`` sideloads: ``zendesk_sideloads``)."""
    try:
        ticket = desk_of(request).ticket(ticket_id)
    except DeskError as exc:
        return desk_error(exc)
    base = base_of(request, PREFIX)
    body: dict[str, Any] = {"ticket": render.ticket(ticket, base)}
    return json_response(body | sideloads(request, desk_of(request), [ticket], base))


@router.put("/tickets/{ticket_id}.json")
async def update_ticket(ticket_id: int, request: Request) -> JSONResponse:
    """Update one ticket; ``safe_update`` + ``updated_stamp`` answers 409 when stale."""
    data = await json_body(request)
    if not isinstance(data, dict) or not isinstance(data.get("ticket"), dict):
        return error(400, "InvalidValue", 'body must be {"ticket": {...}}')
    raw, desk = data["ticket"], desk_of(request)
    expected = parse_when(raw.get("updated_stamp")) if raw.get("safe_update") else None
    try:
        ticket, audit = _update(
            desk, ticket_id, raw, actor_of(request), expected, request.headers.get("user-agent")
        )
    except DeskError as exc:
        return desk_error(exc)
    base = base_of(request, PREFIX)
    return json_response(
        {"ticket": render.ticket(ticket, base), "audit": history_render.audit(audit)}
    )


def _update(
    desk: Desk,
    ticket_id: int,
    raw: dict[str, Any],
    actor: str,
    expected: datetime | None,
    client: str | None,
) -> tuple[TicketRecord, Audit]:
    """Apply one update request (changes and comment) as one audit; the ticket and audit."""
    comment = raw.get("comment") or {}
    with desk.one_audit(ticket_id, actor, client) as slot:
        ticket = desk.update_ticket(ticket_id, render.changes(raw), actor, expected)
        if comment.get("body"):
            desk.add_note(ticket_id, str(comment["body"]), actor, not comment.get("public", True))
    assert slot.audit is not None  # one_audit always leaves its audit behind
    return ticket, slot.audit
