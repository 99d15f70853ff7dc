"""Zendesk's skill-based routing API and Schedules API, answered as the account profile says.

Skill-based routing is "only available on the Enterprise plan and above" (the API's page):
on profiles without it every ``/routing/...`` path answers 403. Schedules exist on
Professional and Enterprise (Zendesk help, "Setting your schedule with business hours and
holidays"), one on Professional and several on Enterprise; Team has none, so its Schedules
API answers 403. Shapes follow the API pages and the OpenAPI schemas
(``SkillBasedRoutingAttributeValuesResponse``, ``ManySkillBasedRoutingAttributeValues``).
Every path is answered with and without ``.json``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from sandbox.routing_data import Schedule, SkillCatalog
from sandbox.store import AgentRecord, TicketRecord
from sandbox.wire import base_of, decode_cursor, encode_cursor, json_body, json_response, z
from sandbox.zendesk_presence import forbidden

if TYPE_CHECKING:
    from sandbox.core import Sandbox

PREFIX = "/zendesk"
MANY_AGENTS = 100
router = APIRouter(prefix=PREFIX + "/api/v2")


def _sandbox(request: Request) -> Sandbox:
    found: Sandbox = request.app.state.sandbox
    return found


def _not_found() -> JSONResponse:
    return json_response({"error": "RecordNotFound", "description": "Not found"}, 404)


def _invalid(message: str) -> JSONResponse:
    """The skills API's 400 body: ``{"error": {"title", "message"}}``."""
    return json_response({"error": {"title": "Invalid attribute", "message": message}}, 400)


def _catalog(request: Request) -> SkillCatalog | JSONResponse:
    """The skill catalog, or the 403 of a profile without the skills API."""
    sandbox = _sandbox(request)
    return sandbox.skills if sandbox.zendesk_profile.skills_api else forbidden()


# -- wire shapes ---------------------------------------------------------------------------
def attribute(catalog: SkillCatalog, base: str) -> dict[str, Any]:
    """The one routing attribute (skill type), "Skills"."""
    return {
        "id": catalog.attribute_id,
        "name": "Skills",
        "url": f"{base}/api/v2/routing/attributes/{catalog.attribute_id}.json",
        "created_at": z(catalog.created_at),
        "updated_at": z(catalog.created_at),
    }


def attribute_value(catalog: SkillCatalog, name: str, base: str) -> dict[str, Any]:
    """One skill (attribute value)."""
    value_id = catalog.value_id(name)
    return {
        "id": value_id,
        "attribute_id": catalog.attribute_id,
        "name": name,
        "url": f"{base}/api/v2/routing/attributes/{catalog.attribute_id}/values/{value_id}.json",
        "created_at": z(catalog.created_at),
        "updated_at": z(catalog.created_at),
    }


def agent_instance_values(
    catalog: SkillCatalog, agent: AgentRecord, base: str
) -> list[dict[str, Any]]:
    """An agent's skills as ``instance_values`` rows of the many-agents list."""
    return [
        {
            **attribute_value(catalog, name, base),
            "attribute_value_id": catalog.value_id(name),
            "id": catalog.value_id(f"agent/{agent.id}/{name}"),
            "agent_id": agent.id,
        }
        for name in sorted(agent.skills)
    ]


def ticket_values(catalog: SkillCatalog, ticket: TicketRecord, base: str) -> JSONResponse:
    """A ticket's skills as ``{"attribute_values": [...]}``."""
    found = catalog.ticket_skills(ticket)
    rows = [
        {
            **attribute_value(catalog, name, base),
            "created_at": z(found.created_at),
            "updated_at": z(found.updated_at),
        }
        for name in found.names
    ]
    return json_response({"attribute_values": rows})


# -- skills API ----------------------------------------------------------------------------
@router.get("/routing/attributes")
@router.get("/routing/attributes.json")
def list_attributes(request: Request) -> JSONResponse:
    """The account's attributes (``include=attribute_values`` sideloads the skills)."""
    catalog = _catalog(request)
    if isinstance(catalog, JSONResponse):
        return catalog
    base = base_of(request, PREFIX)
    body: dict[str, Any] = {
        "attributes": [attribute(catalog, base)],
        "count": 1,
        "next_page": None,
        "previous_page": None,
    }
    if "attribute_values" in request.query_params.get("include", ""):
        body["attribute_values"] = [attribute_value(catalog, n, base) for n in catalog.names()]
    return json_response(body)


@router.get("/routing/attributes/{attribute_id}")
@router.get("/routing/attributes/{attribute_id}.json")
def show_attribute(attribute_id: str, request: Request) -> JSONResponse:
    """One attribute."""
    catalog = _catalog(request)
    if isinstance(catalog, JSONResponse):
        return catalog
    if attribute_id != catalog.attribute_id:
        return _not_found()
    return json_response({"attribute": attribute(catalog, base_of(request, PREFIX))})


@router.get("/routing/attributes/{attribute_id}/values")
@router.get("/routing/attributes/{attribute_id}/values.json")
def list_values(attribute_id: str, request: Request) -> JSONResponse:
    """The skills of one attribute."""
    catalog = _catalog(request)
    if isinstance(catalog, JSONResponse):
        return catalog
    if attribute_id != catalog.attribute_id:
        return _not_found()
    base = base_of(request, PREFIX)
    return json_response(
        {"attribute_values": [attribute_value(catalog, name, base) for name in catalog.names()]}
    )


@router.get("/routing/agents/instance_values")
@router.get("/routing/agents/instance_values.json")
def many_agents(request: Request) -> JSONResponse:
    """Skills of up to 100 agents (``filter[agent_ids]=1,2``), cursor-paginated."""
    catalog = _catalog(request)
    if isinstance(catalog, JSONResponse):
        return catalog
    ids = [
        part.strip()
        for part in request.query_params.get("filter[agent_ids]", "").split(",")
        if part.strip()
    ]
    if not ids:
        return _invalid("Invalid parameter: filter[agent_ids] must be present")
    if len(ids) > MANY_AGENTS or not all(part.isdigit() for part in ids):
        return _invalid(
            f"Invalid parameter: filter[agent_ids] takes up to {MANY_AGENTS} numeric agent ids"
        )
    desk, base = _sandbox(request).desk, base_of(request, PREFIX)
    with desk.lock:
        agents = [desk.agents[int(part)] for part in dict.fromkeys(ids) if int(part) in desk.agents]
    rows = [row for agent in agents for row in agent_instance_values(catalog, agent, base)]
    return json_response(_cursor_body(request, rows, "instance_values"))


@router.get("/routing/agents/{user_id}/instance_values")
@router.get("/routing/agents/{user_id}/instance_values.json")
def agent_values(user_id: int, request: Request) -> JSONResponse:
    """One agent's skills as attribute values."""
    catalog = _catalog(request)
    if isinstance(catalog, JSONResponse):
        return catalog
    agent = _sandbox(request).desk.agents.get(user_id)
    if agent is None:
        return _not_found()
    base = base_of(request, PREFIX)
    return json_response(
        {
            "attribute_values": [
                attribute_value(catalog, name, base) for name in sorted(agent.skills)
            ]
        }
    )


@router.get("/routing/tickets/{ticket_id}/instance_values")
@router.get("/routing/tickets/{ticket_id}/instance_values.json")
def get_ticket_values(ticket_id: int, request: Request) -> JSONResponse:
    """A ticket's skills."""
    catalog = _catalog(request)
    if isinstance(catalog, JSONResponse):
        return catalog
    ticket = _sandbox(request).desk.tickets.get(ticket_id)
    if ticket is None:
        return _not_found()
    return ticket_values(catalog, ticket, base_of(request, PREFIX))


@router.post("/routing/tickets/{ticket_id}/instance_values")
@router.post("/routing/tickets/{ticket_id}/instance_values.json")
async def set_ticket_values(ticket_id: int, request: Request) -> JSONResponse:
    """Replace a ticket's skills with ``{"attribute_value_ids": [...]}``."""
    catalog = _catalog(request)
    if isinstance(catalog, JSONResponse):
        return catalog
    data = await json_body(request)
    value_ids = data.get("attribute_value_ids") if isinstance(data, dict) else None
    if not isinstance(value_ids, list):
        return _invalid("Invalid parameter: attribute_value_ids must be an array")
    ticket = _sandbox(request).desk.tickets.get(ticket_id)
    if ticket is None:
        return _not_found()
    catalog.set_ticket_skills(ticket, [str(v) for v in value_ids])
    return ticket_values(catalog, ticket, base_of(request, PREFIX))


@router.api_route("/routing/{rest:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
def other_routing(rest: str, request: Request) -> JSONResponse:
    """Any other routing path: 403 without the skills API, else not served here (404)."""
    catalog = _catalog(request)
    return catalog if isinstance(catalog, JSONResponse) else _not_found()


def _cursor_body(request: Request, items: list[dict[str, Any]], key: str) -> dict[str, Any]:
    """Cursor pagination (``page[size]`` ≤ 100, ``page[after]``) with the list's
    ``count``/``next_page``/``previous_page`` fields as well."""
    params = request.query_params
    size = max(1, min(int(params.get("page[size]", 100)), 100))
    start = decode_cursor(params["page[after]"]) if "page[after]" in params else 0
    page, end = items[start : start + size], min(start + size, len(items))
    url = str(request.url.remove_query_params(["page[after]", "page[size]"]))
    join = "&" if "?" in url else "?"
    after = encode_cursor(end)
    more = end < len(items)
    following = f"{url}{join}page[size]={size}&page[after]={after}"
    return {
        key: page,
        "count": len(page),
        "next_page": following if more else None,
        "previous_page": None,
        "meta": {
            "has_more": more,
            "after_cursor": after,
            "before_cursor": encode_cursor(start) if start else None,
        },
        "links": {"next": following, "prev": None},
    }


# -- schedules -----------------------------------------------------------------------------
def schedule(found: Schedule) -> dict[str, Any]:
    """A Zendesk schedule object."""
    return {
        "id": found.id,
        "name": found.name,
        "time_zone": found.time_zone,
        "created_at": z(found.created_at),
        "updated_at": z(found.created_at),
        "intervals": [
            {"start_time": i.start_time, "end_time": i.end_time} for i in found.intervals
        ],
    }


def _schedules(request: Request) -> tuple[Schedule, ...] | JSONResponse:
    found = _sandbox(request).schedules
    return found if found else forbidden()


def _one_schedule(request: Request, schedule_id: int) -> Schedule | JSONResponse:
    found = _schedules(request)
    if isinstance(found, JSONResponse):
        return found
    return next((s for s in found if s.id == schedule_id), None) or _not_found()


@router.get("/business_hours/schedules")
@router.get("/business_hours/schedules.json")
def list_schedules(request: Request) -> JSONResponse:
    """The account's schedules (403 on a plan without them)."""
    found = _schedules(request)
    if isinstance(found, JSONResponse):
        return found
    return json_response({"schedules": [schedule(s) for s in found]})


@router.get("/business_hours/schedules/{schedule_id}")
@router.get("/business_hours/schedules/{schedule_id}.json")
def show_schedule(schedule_id: int, request: Request) -> JSONResponse:
    """One schedule."""
    found = _one_schedule(request, schedule_id)
    if isinstance(found, JSONResponse):
        return found
    return json_response({"schedule": schedule(found)})


@router.get("/business_hours/schedules/{schedule_id}/holidays")
@router.get("/business_hours/schedules/{schedule_id}/holidays.json")
def list_holidays(schedule_id: int, request: Request) -> JSONResponse:
    """One schedule's holidays (dates, ISO 8601)."""
    found = _one_schedule(request, schedule_id)
    if isinstance(found, JSONResponse):
        return found
    return json_response(
        {
            "holidays": [
                {
                    "id": h.id,
                    "name": h.name,
                    "start_date": h.start_date.isoformat(),
                    "end_date": h.end_date.isoformat(),
                }
                for h in found.holidays
            ]
        }
    )
