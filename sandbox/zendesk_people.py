"""Zendesk people endpoints of the sandbox: users, groups, memberships, search (agent
availability lives in ``zendesk_presence``).

Show-one and nested list endpoints follow the Support API reference (users/{id}, users/me,
groups/{id}, group_memberships/{id}, users/{id}/group_memberships,
groups/{id}/memberships); a missing record is ``404 RecordNotFound``. The API user is an
administrator without group memberships, listed under ``role[]=admin``.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from sandbox import zendesk_people_render as people
from sandbox import zendesk_render as render
from sandbox.profiles import ZendeskProfile
from sandbox.search import zendesk_matches, zendesk_order
from sandbox.store import Desk
from sandbox.wire import actor_of, base_of, desk_of, json_response, z
from sandbox.zendesk_api import PREFIX, SEARCH_CAP, error

router = APIRouter(prefix=PREFIX + "/api/v2")
ROLES = ("end-user", "agent", "admin")


def _not_found() -> JSONResponse:
    return error(404, "RecordNotFound", "Not found")


def _profile(request: Request) -> ZendeskProfile:
    """The account profile: which user fields exist (``people.profile_user_fields``)."""
    found: ZendeskProfile = request.app.state.sandbox.zendesk_profile
    return found


def _users(
    desk: Desk, base: str, roles: set[str], profile: ZendeskProfile | None = None
) -> list[dict[str, Any]]:
    """Users in ``roles`` (every role when empty), by id."""
    found: list[dict[str, Any]] = []
    with desk.lock:
        if not roles or "agent" in roles:
            found += [
                people.user(a, desk.directory.stamp(desk.directory.agents, a.id), base, profile)
                for a in desk.agents.values()
            ]
        if not roles or "admin" in roles:
            found.append(people.person(desk.directory.api_user, base, profile))
        if not roles or "end-user" in roles:
            found += [people.person(p, base, profile) for p in desk.directory.requesters.values()]
    return sorted(found, key=lambda u: u["id"])


def _user(
    desk: Desk, base: str, user_id: int, profile: ZendeskProfile | None = None
) -> dict[str, Any] | None:
    with desk.lock:
        agent = desk.agents.get(user_id)
        if agent is not None:
            return people.user(
                agent, desk.directory.stamp(desk.directory.agents, agent.id), base, profile
            )
        if user_id == desk.directory.api_user.id:
            return people.person(desk.directory.api_user, base, profile)
        requester = desk.directory.requesters.get(user_id)
        return None if requester is None else people.person(requester, base, profile)


@router.get("/users.json")
def users(request: Request) -> JSONResponse:
    """Users, filtered by ``role``/``role[]`` (end-user, agent, admin), paginated."""
    params = request.query_params
    roles = set(params.getlist("role[]") + params.getlist("role"))
    if roles - set(ROLES):
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    items = _users(desk_of(request), base_of(request, PREFIX), roles, _profile(request))
    return render.list_page(request, items, "users")


@router.get("/users/me.json")
def me(request: Request) -> JSONResponse:
    """The authenticated user: the agent whose e-mail signed in, else the API admin."""
    desk, base = desk_of(request), base_of(request, PREFIX)
    _, _, email = actor_of(request).partition(":")
    with desk.lock:
        agent_id = next(
            (a.id for a in desk.agents.values() if a.email == email), desk.directory.api_user.id
        )
    return json_response({"user": _user(desk, base, agent_id, _profile(request))})


@router.get("/users/{user_id}.json")
def show_user(user_id: int, request: Request) -> JSONResponse:
    """One user (agent, the API admin or a requester)."""
    found = _user(desk_of(request), base_of(request, PREFIX), user_id, _profile(request))
    return _not_found() if found is None else json_response({"user": found})


@router.get("/groups.json")
def groups(request: Request) -> JSONResponse:
    """Groups, paginated."""
    desk, base = desk_of(request), base_of(request, PREFIX)
    with desk.lock:
        items = [_group(desk, base, gid) for gid in sorted(desk.groups)]
    return render.list_page(request, items, "groups")


def _group(desk: Desk, base: str, group_id: int) -> dict[str, Any]:
    stamps = desk.directory.stamp(desk.directory.groups, group_id)
    return people.group(
        group_id, desk.groups[group_id], stamps, base, default=group_id == min(desk.groups)
    )


@router.get("/groups/{group_id}.json")
def show_group(group_id: int, request: Request) -> JSONResponse:
    """One group."""
    desk = desk_of(request)
    with desk.lock:
        if group_id not in desk.groups:
            return _not_found()
        return json_response({"group": _group(desk, base_of(request, PREFIX), group_id)})


def _memberships(
    desk: Desk, base: str, user_id: int | None = None, group_id: int | None = None
) -> list[dict[str, Any]]:
    with desk.lock:
        found = desk.directory.memberships(
            {a.id: sorted(a.group_ids) for a in desk.agents.values() if a.group_ids}
        )
    return [
        people.membership(m, base)
        for m in found
        if user_id in (None, m.user_id) and group_id in (None, m.group_id)
    ]


@router.get("/group_memberships.json")
def memberships(request: Request) -> JSONResponse:
    """Every group membership, paginated."""
    items = _memberships(desk_of(request), base_of(request, PREFIX))
    return render.list_page(request, items, "group_memberships")


@router.get("/group_memberships/{membership_id}.json")
def show_membership(membership_id: int, request: Request) -> JSONResponse:
    """One group membership."""
    found = [
        m
        for m in _memberships(desk_of(request), base_of(request, PREFIX))
        if m["id"] == membership_id
    ]
    return json_response({"group_membership": found[0]}) if found else _not_found()


@router.get("/users/{user_id}/group_memberships.json")
def user_memberships(user_id: int, request: Request) -> JSONResponse:
    """One user's group memberships (none for the API admin or a requester)."""
    desk = desk_of(request)
    if _user(desk, base_of(request, PREFIX), user_id) is None:
        return _not_found()
    items = _memberships(desk, base_of(request, PREFIX), user_id=user_id)
    return render.list_page(request, items, "group_memberships")


@router.get("/groups/{group_id}/memberships.json")
def group_memberships(group_id: int, request: Request) -> JSONResponse:
    """One group's memberships."""
    desk = desk_of(request)
    if group_id not in desk.groups:
        return _not_found()
    items = _memberships(desk, base_of(request, PREFIX), group_id=group_id)
    return render.list_page(request, items, "group_memberships")


@router.get("/search.json")
def search(request: Request) -> JSONResponse:
    """Offset-paginated search; results past the 1,000th answer 422; cursor parameters
    (``page[size]``) answer 400, as support.zendesk.com community posts 4467682277402 and
    5981990015514 show: search has offset pagination only."""
    params = request.query_params
    if any(name.startswith("page[") for name in params):
        return error(400, "InvalidPaginationParameter", "page must be an integer")
    query = params.get("query", "")
    page, per_page = int(params.get("page", 1)), min(int(params.get("per_page", 100)), 100)
    if page * per_page > SEARCH_CAP and (page - 1) * per_page >= SEARCH_CAP:
        return error(
            422,
            "InvalidPaginationParameter",
            f"Search results are limited to {SEARCH_CAP}; narrow the query",
        )
    base = base_of(request, PREFIX)
    indexed = request.app.state.sandbox.search_index.tickets()  # trails the desk
    found = zendesk_order(
        [t for t in indexed if zendesk_matches(query, t)],
        params.get("sort_by"),
        params.get("sort_order"),
    )
    start = (page - 1) * per_page
    rows = [
        {**render.ticket(t, base), "result_type": "ticket"} for t in found[start : start + per_page]
    ]
    more = start + per_page < min(len(found), SEARCH_CAP)
    next_page = f"{base}/api/v2/search.json?query={query}&page={page + 1}" if more else None
    return json_response(
        {
            "results": rows,
            "count": len(found),
            "next_page": next_page,
            "previous_page": None,
            "facets": None,
            "generated": z(None),
        }
    )
