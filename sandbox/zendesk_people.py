"""Zendesk people endpoints of the sandbox: users, groups, memberships, availability, search."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from sandbox import zendesk_render as render
from sandbox.search import zendesk_matches
from sandbox.wire import base_of, desk_of, json_response, z
from sandbox.zendesk_api import PREFIX, SEARCH_CAP, error

router = APIRouter(prefix=PREFIX + "/api/v2")


@router.get("/users.json")
def users(request: Request) -> JSONResponse:
    """Agents (``role[]=agent`` or ``role=agent``), cursor-paginated."""
    roles = set(request.query_params.getlist("role[]") + request.query_params.getlist("role"))
    desk = desk_of(request)
    with desk.lock:
        agents = sorted(desk.agents.values(), key=lambda a: a.id)
    listed = [render.user(a) for a in agents] if not roles or "agent" in roles else []
    return render.cursor_page(request, listed, "users")


@router.get("/groups.json")
def groups(request: Request) -> JSONResponse:
    """Groups, cursor-paginated."""
    desk = desk_of(request)
    with desk.lock:
        items = [{"id": gid, "name": name, "description": "", "default": False,
                  "deleted": False, "is_public": True, "created_at": None, "updated_at": None}
                 for gid, name in sorted(desk.groups.items())]
    return render.cursor_page(request, items, "groups")


@router.get("/group_memberships.json")
def memberships(request: Request) -> JSONResponse:
    """Group memberships (user_id, group_id), cursor-paginated."""
    desk = desk_of(request)
    with desk.lock:
        pairs = sorted((a.id, g) for a in desk.agents.values() for g in a.group_ids)
    items = [{"id": index, "user_id": user, "group_id": group, "default": False}
             for index, (user, group) in enumerate(pairs, start=1)]
    return render.cursor_page(request, items, "group_memberships")


@router.get("/agent_availabilities")
def availabilities(request: Request) -> JSONResponse:
    """Unified agent availability, JSON:API style, cursor-paginated."""
    desk = desk_of(request)
    with desk.lock:
        items = [render.availability(a) for a in sorted(desk.agents.values(),
                                                         key=lambda a: a.id)]
    return render.cursor_page(request, items, "data")


@router.get("/search.json")
def search(request: Request) -> JSONResponse:
    """Offset-paginated search; results past the 1,000th answer 422."""
    params = request.query_params
    query = params.get("query", "")
    page, per_page = int(params.get("page", 1)), min(int(params.get("per_page", 100)), 100)
    if page * per_page > SEARCH_CAP and (page - 1) * per_page >= SEARCH_CAP:
        return error(422, "InvalidPaginationParameter",
                     f"Search results are limited to {SEARCH_CAP}; narrow the query")
    desk, base = desk_of(request), base_of(request, PREFIX)
    with desk.lock:
        found = sorted((t for t in desk.tickets.values() if zendesk_matches(query, t)),
                       key=lambda t: t.id)
    start = (page - 1) * per_page
    rows = [{**render.ticket(t, base), "result_type": "ticket"}
            for t in found[start:start + per_page]]
    more = start + per_page < min(len(found), SEARCH_CAP)
    next_page = f"{base}/api/v2/search.json?query={query}&page={page + 1}" if more else None
    return json_response({"results": rows, "count": len(found), "next_page": next_page,
                          "previous_page": None, "facets": None, "generated": z(None)})
