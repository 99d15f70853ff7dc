"""Zendesk's Agent Availability API, answered as the account profile says.

The API is JSON:API with cursor pagination only: each agent is a resource of type
``agent_availabilities`` with id ``agent_availabilities|<agent_id>`` and attributes
``agent_id``, ``group_ids``, ``skills``, ``version`` and, "returned only if" omnichannel
routing is on, ``agent_status`` {id, name, reason, updated_at} (the Agent Availability
Attributes page). Per profile the list answers records with a status (omnichannel on),
records without one (off), or 403 (Suite Team: an assumption, the less convenient reading
of a plan without omnichannel routing). The status ids are the default unified statuses:
3 online, 2 offline.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from sandbox import zendesk_render as render
from sandbox.store import AgentRecord
from sandbox.wire import base_of, json_response, z

if TYPE_CHECKING:
    from sandbox.core import Sandbox

PREFIX = "/zendesk"
FORBIDDEN = (
    "You do not have access to this page. Please contact the account owner of this "
    "help desk for further help."
)
ONLINE, OFFLINE = (3, "online"), (2, "offline")
router = APIRouter(prefix=PREFIX + "/api/v2")


def forbidden() -> JSONResponse:
    """Zendesk's 403 for a feature the account lacks: ``{"error": {"title", "message"}}``
    (the body public client fixtures record for a refused API-token request)."""
    return json_response({"error": {"title": "Forbidden", "message": FORBIDDEN}}, 403)


def _sandbox(request: Request) -> Sandbox:
    found: Sandbox = request.app.state.sandbox
    return found


def availability(sandbox: Sandbox, agent: AgentRecord, base: str) -> dict[str, Any]:
    """One ``agent_availabilities`` resource for ``agent`` on this profile."""
    profile = sandbox.zendesk_profile
    skills = (
        [{"id": sandbox.skills.value_id(name)} for name in sorted(agent.skills)]
        if profile.skills_api
        else []
    )
    attributes: dict[str, Any] = {
        "agent_id": agent.id,
        "group_ids": sorted(agent.group_ids),
        "skills": skills,
        "version": agent.availability_version,
    }
    if profile.availability_api == "status":
        status_id, name = ONLINE if agent.available else OFFLINE
        changed = agent.availability_changed_at
        attributes["agent_status"] = {
            "id": status_id,
            "name": name,
            "reason": "AGENT_STATUS_SWITCHER" if changed else "UNKNOWN",
            "updated_at": z(changed or sandbox.started_at),
        }
    return {
        "type": "agent_availabilities",
        "id": f"agent_availabilities|{agent.id}",
        "attributes": attributes,
        "links": {"self": f"{base}/api/v2/agent_availabilities/{agent.id}"},
    }


@router.get("/agent_availabilities")
def list_availabilities(request: Request) -> JSONResponse:
    """Every agent's availability, cursor-paginated (``page[size]``, ``page[after]``)."""
    sandbox = _sandbox(request)
    if sandbox.zendesk_profile.availability_api == "forbidden":
        return forbidden()
    base = base_of(request, PREFIX)
    with sandbox.desk.lock:
        agents = sorted(sandbox.desk.agents.values(), key=lambda a: a.id)
        items = [availability(sandbox, agent, base) for agent in agents]
    return render.cursor_page(request, items, "data")


@router.get("/agent_availabilities/{agent_id}")
def show_availability(agent_id: int, request: Request) -> JSONResponse:
    """One agent's availability (404 in JSON:API's error form for an unknown agent)."""
    sandbox = _sandbox(request)
    if sandbox.zendesk_profile.availability_api == "forbidden":
        return forbidden()
    agent = sandbox.desk.agents.get(agent_id)
    if agent is None:
        return json_response(
            {
                "errors": [
                    {
                        "status": "404",
                        "code": "NotFound",
                        "title": "Not Found",
                        "detail": f"agent {agent_id} not found",
                    }
                ]
            },
            404,
        )
    return json_response({"data": availability(sandbox, agent, base_of(request, PREFIX))})
