"""The Freshdesk face of the sandbox: the v2 endpoints the connector uses, real shapes."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from sandbox import freshdesk_render as render
from sandbox.search import freshdesk_matches
from sandbox.store import DeskError, TicketRecord
from sandbox.wire import actor_of, base_of, desk_of, json_body, json_response, parse_when

PREFIX = "/freshdesk"
BULK_CAP = 100
SEARCH_PAGE, SEARCH_PAGES = 30, 10
DEFAULT_WINDOW = timedelta(days=30)
router = APIRouter(prefix=PREFIX + "/api/v2")


def desk_error(exc: DeskError) -> JSONResponse:
    """The Freshdesk response for a refused change."""
    if exc.kind == "not_found":
        return render.flat_error(404, "not_found", str(exc))
    if exc.kind == "frozen":
        return render.flat_error(405, "method_not_allowed", str(exc))
    return render.validation(_field(exc.field_name), str(exc), "invalid_value")


def _field(name: str | None) -> str:
    return {"assignee_id": "responder_id"}.get(name or "", name or "base")


def _include(request: Request) -> set[str]:
    return {part.strip() for part in request.query_params.get("include", "").split(",")}


@router.get("/tickets")
def list_tickets(request: Request) -> JSONResponse:
    """Tickets by ``updated_since`` (default: created in the last 30 days), 300-page wall."""
    params, desk = request.query_params, desk_of(request)
    try:
        since = parse_when(params.get("updated_since"))
    except ValueError:
        return render.validation("updated_since", "It should be in the 'valid date' format",
                                 "invalid_date")
    with desk.lock:
        tickets = [t for t in desk.tickets.values() if not t.spam]
    if since is None:
        cutoff = desk.clock() - DEFAULT_WINDOW
        tickets = [t for t in tickets if t.created_at >= cutoff]
    else:
        tickets = [t for t in tickets if t.updated_at >= since]
    tickets.sort(key=_order_key(params.get("order_by", "created_at")),
                 reverse=params.get("order_type", "desc") == "desc")
    include = _include(request)
    return render.paged(request, tickets, wall=True,
                        render=lambda t: render.ticket(t, include))


def _order_key(order_by: str) -> Any:
    def key(t: TicketRecord) -> tuple[Any, int]:
        return (t.updated_at if order_by == "updated_at" else t.created_at, t.id)
    return key


@router.post("/tickets", status_code=201)
async def create_ticket(request: Request) -> JSONResponse:
    """Create a ticket from a flat body (subject, description, priority, status)."""
    data = await json_body(request)
    if not isinstance(data, dict) or not data.get("subject"):
        return render.validation("subject", "It should be a/an String", "missing_field")
    priority = render.PRIORITY_IN.get(data.get("priority", 2), "normal")
    ticket = desk_of(request).create_ticket(
        actor_of(request), subject=str(data["subject"]),
        description=str(data.get("description") or ""), priority=priority, channel="portal",
        tags=[str(t) for t in data.get("tags") or []], requester_id=900001)
    base = base_of(request, PREFIX)
    return json_response(render.ticket(ticket, set(), full=True), 201,
                         {"Location": f"{base}/api/v2/tickets/{ticket.id}"})


@router.post("/tickets/bulk_update", status_code=202)
async def bulk_update(request: Request) -> JSONResponse:
    """Same properties for many ids; answers a job id to poll."""
    data = await json_body(request)
    action = data.get("bulk_action") if isinstance(data, dict) else None
    if not isinstance(action, dict) or not isinstance(action.get("ids"), list):
        return render.validation("bulk_action", "It should be a/an key/value pair",
                                 "datatype_mismatch")
    if len(action["ids"]) > BULK_CAP:
        return render.validation("ids", f"Has to contain at most {BULK_CAP} elements",
                                 "invalid_value")
    props = render.changes(action.get("properties") or {})
    work = [(int(i), dict(props)) for i in action["ids"]]
    job = desk_of(request).start_job("freshdesk", work, actor_of(request),
                                     request.app.state.options.job_delay)
    base = base_of(request, PREFIX)
    return json_response({"job_id": job.id, "href": f"{base}/api/v2/jobs/{job.id}"}, 202)


@router.get("/jobs/{job_id}")
def job(job_id: str, request: Request) -> JSONResponse:
    """A bulk job's progress."""
    found = desk_of(request).jobs.get(job_id)
    if found is None:
        return render.flat_error(404, "not_found", "job not found")
    return json_response(render.job(found, base_of(request, PREFIX)))


@router.get("/tickets/{ticket_id}")
def view_ticket(ticket_id: int, request: Request) -> JSONResponse:
    """One ticket (description always included)."""
    try:
        ticket = desk_of(request).ticket(ticket_id)
    except DeskError as exc:
        return desk_error(exc)
    if ticket.spam:
        return render.flat_error(404, "not_found", "ticket is deleted")
    return json_response(render.ticket(ticket, _include(request), full=True))


@router.put("/tickets/{ticket_id}")
async def update_ticket(ticket_id: int, request: Request) -> JSONResponse:
    """Update one ticket (flat body). No concurrency control: last write wins."""
    data = await json_body(request)
    if not isinstance(data, dict):
        return render.validation("body", "Invalid JSON", "invalid_json")
    try:
        ticket = desk_of(request).update_ticket(ticket_id, render.changes(data),
                                                actor_of(request))
    except DeskError as exc:
        return desk_error(exc)
    return json_response(render.ticket(ticket, set(), full=True))


@router.post("/tickets/{ticket_id}/notes", status_code=201)
async def add_note(ticket_id: int, request: Request) -> JSONResponse:
    """A note (private unless ``private`` is false)."""
    return await _conversation(ticket_id, request, reply=False)


@router.post("/tickets/{ticket_id}/reply", status_code=201)
async def reply(ticket_id: int, request: Request) -> JSONResponse:
    """A public reply to the requester (the first one sets ``first_responded_at``)."""
    return await _conversation(ticket_id, request, reply=True)


async def _conversation(ticket_id: int, request: Request, *, reply: bool) -> JSONResponse:
    data = await json_body(request)
    if not isinstance(data, dict) or not data.get("body"):
        return render.validation("body", "It should be a/an String", "missing_field")
    private = False if reply else bool(data.get("private", True))
    try:
        desk_of(request).add_note(ticket_id, str(data["body"]), actor_of(request), private)
        ticket = desk_of(request).ticket(ticket_id)
    except DeskError as exc:
        return desk_error(exc)
    return json_response({"id": len(ticket.notes), "body": data["body"], "private": private,
                          "ticket_id": ticket_id, "incoming": False, "source": 2}, 201)


@router.get("/agents")
def agents(request: Request) -> JSONResponse:
    """Agents with ``available``; link-header pagination."""
    desk = desk_of(request)
    with desk.lock:
        skill_ids = _skill_ids(desk.agents.values())
        rows = [render.agent(a, skill_ids.get(a.id, []))
                for a in sorted(desk.agents.values(), key=lambda a: a.id)]
    return render.paged(request, rows)


@router.get("/groups")
def groups(request: Request) -> JSONResponse:
    """Groups (without ``agent_ids``, as the real list does)."""
    desk = desk_of(request)
    with desk.lock:
        rows = [render.group(gid, name) for gid, name in sorted(desk.groups.items())]
    return render.paged(request, rows)


@router.get("/admin/groups/{group_id}/agents")
def group_agents(group_id: int, request: Request) -> JSONResponse:
    """Members of one group."""
    desk = desk_of(request)
    if group_id not in desk.groups:
        return render.flat_error(404, "not_found", "group not found")
    with desk.lock:
        members = sorted((a for a in desk.agents.values() if group_id in a.group_ids),
                         key=lambda a: a.id)
        rows = [render.agent(a, []) for a in members]
    return render.paged(request, rows)


@router.get("/admin/skills")
def skills(request: Request) -> JSONResponse:
    """Skills with the agents holding them."""
    desk = desk_of(request)
    with desk.lock:
        names = sorted({s for a in desk.agents.values() for s in a.skills})
        rows = [{"id": index, "name": name, "rank": index, "match_type": "any",
                 "conditions": [], "agents": [{"id": a.id} for a in desk.agents.values()
                                              if name in a.skills]}
                for index, name in enumerate(names, start=1)]
    return render.paged(request, rows)


def _skill_ids(agents: Any) -> dict[int, list[int]]:
    agents = list(agents)
    names = sorted({s for a in agents for s in a.skills})
    index = {name: number for number, name in enumerate(names, start=1)}
    return {a.id: sorted(index[s] for s in a.skills) for a in agents}


@router.get("/search/tickets")
def search(request: Request) -> JSONResponse:
    """``query="..."``: 30 results per page, at most 10 pages (300 results)."""
    params = request.query_params
    query = params.get("query", "")
    if not (query.startswith('"') and query.endswith('"')) or len(query) > 512:
        return render.validation("query", "It should be a/an String in double quotes",
                                 "invalid_value")
    page = int(params.get("page", 1))
    if page > SEARCH_PAGES:
        return render.validation("page", f"Has to be less than or equal to {SEARCH_PAGES}",
                                 "invalid_value")
    desk = desk_of(request)
    with desk.lock:
        found = sorted((t for t in desk.tickets.values()
                        if not t.spam and freshdesk_matches(query, t)), key=lambda t: t.id)
    start = (page - 1) * SEARCH_PAGE
    rows = [render.ticket(t, set()) for t in found[start:start + SEARCH_PAGE]]
    return json_response({"total": len(found), "results": rows})
