"""The Freshdesk face's show-one people endpoints: agents/me, agents/{id}, groups/{id} and
contacts/{id}, following developer.freshdesk.com/api/ (#view_agent, #me, #view_group,
#view_contact). ``agents/me`` is the API key's owner, the sandbox's administrator; a single
group carries ``agent_ids`` (the list leaves them out); a missing record is a 404."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from sandbox import freshdesk_api
from sandbox import freshdesk_render as render
from sandbox.store import Desk
from sandbox.wire import desk_of, json_response

router = APIRouter(prefix=freshdesk_api.PREFIX + "/api/v2")


def _missing(what: str) -> JSONResponse:
    return render.flat_error(404, "not_found", f"{what} not found")


def _agent(request: Request, desk: Desk, agent_id: int) -> dict[str, Any] | None:
    if agent_id == desk.directory.api_user.id:
        return render.admin_agent(desk.directory.api_user)
    agent = desk.agents.get(agent_id)
    if agent is None:
        return None
    has_skills = freshdesk_api._has_skills(request)
    skill_ids = freshdesk_api._skill_ids(desk.agents.values()) if has_skills else {}
    stamps = desk.directory.stamp(desk.directory.agents, agent.id)
    return render.agent(agent, skill_ids.get(agent.id, []), stamps)


@router.get("/agents/me")
def me(request: Request) -> JSONResponse:
    """The agent whose API key signed the request: the sandbox's administrator."""
    desk = desk_of(request)
    with desk.lock:
        return json_response(render.admin_agent(desk.directory.api_user))


@router.get("/agents/{agent_id}")
def view_agent(agent_id: int, request: Request) -> JSONResponse:
    """One agent."""
    desk = desk_of(request)
    with desk.lock:
        found = _agent(request, desk, agent_id)
    return _missing("agent") if found is None else json_response(found)


@router.get("/groups/{group_id}")
def view_group(group_id: int, request: Request) -> JSONResponse:
    """One group, with its members' ids."""
    desk = desk_of(request)
    with desk.lock:
        if group_id not in desk.groups:
            return _missing("group")
        members = sorted(a.id for a in desk.agents.values() if group_id in a.group_ids)
        stamps = desk.directory.stamp(desk.directory.groups, group_id)
        return json_response(render.group(group_id, desk.groups[group_id], stamps, members))


@router.get("/contacts/{contact_id}")
def view_contact(contact_id: int, request: Request) -> JSONResponse:
    """One contact: a requester of some ticket."""
    desk = desk_of(request)
    with desk.lock:
        found = desk.directory.requesters.get(contact_id)
        return _missing("contact") if found is None else json_response(render.contact(found))
