"""The Freshdesk face of the sandbox: the v2 ticket endpoints, real shapes.

Listing follows developer.freshdesk.com/api/#list_all_tickets: the predefined ``filter``
(``new_and_my_open``, ``watching``, ``spam``, ``deleted``; spam and deleted tickets are
listed only under their own filter), ``include`` of ``description``, ``requester`` and
``stats`` (``conversations`` and ``company`` too when viewing one ticket), anything else a
400 ``Validation failed``. Notes and replies answer the whole conversation object and are
listed by ``tickets/{id}/conversations`` (#conversations).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from sandbox import freshdesk_render as render
from sandbox.history import Comment, Recipients
from sandbox.search import QueryError, freshdesk_matches
from sandbox.store import Desk, DeskError, TicketRecord
from sandbox.ticket_metrics import ticket_metrics
from sandbox.wire import actor_of, base_of, desk_of, json_body, json_response, parse_when

PREFIX = "/freshdesk"
BULK_CAP = 100
SEARCH_PAGE, SEARCH_PAGES = 30, 10
DEFAULT_WINDOW = timedelta(days=30)
FILTERS = ("new_and_my_open", "watching", "spam", "deleted")
LIST_INCLUDES = ("description", "requester", "stats")
VIEW_INCLUDES = ("conversations", "requester", "company", "stats")
CONVERSATIONS_EMBEDDED = 10
SKILLS_REFUSED = "Skill-based ticket assignment is not available on this account's plan."
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


def _include(request: Request, allowed: tuple[str, ...]) -> set[str] | JSONResponse:
    """The ``include`` names asked for, or the 400 naming the ones allowed."""
    raw = request.query_params.get("include", "")
    names = {part.strip() for part in raw.split(",") if part.strip()}
    if names - set(allowed):
        return render.validation(
            "include", f"It should be one of these values: '{','.join(allowed)}'", "invalid_value"
        )
    return names


def _ticket(desk: Desk, t: TicketRecord, include: set[str], full: bool = False) -> dict[str, Any]:
    """A ticket with what ``include`` asks to embed."""
    requester = desk.directory.requester(t.requester_id) if "requester" in include else None
    metrics = ticket_metrics(desk, t) if "stats" in include else None
    return render.ticket(t, include, full, requester=requester, metrics=metrics)


def filtered(tickets: list[TicketRecord], name: str | None, me: int) -> list[TicketRecord]:
    """The tickets a predefined filter shows (no filter: neither spam nor deleted).

    ``new_and_my_open``: open tickets unassigned or assigned to ``me``; ``watching``: the
    tickets ``me`` watches (the sandbox's API user watches none).
    """
    if name == "spam":
        return [t for t in tickets if t.spam and not t.deleted]
    if name == "deleted":
        return [t for t in tickets if t.deleted]
    visible = [t for t in tickets if not t.spam and not t.deleted]
    if name == "new_and_my_open":
        return [t for t in visible if t.status in ("new", "open") and t.assignee_id in (None, me)]
    return [] if name == "watching" else visible


@router.get("/tickets")
def list_tickets(request: Request) -> JSONResponse:
    """Tickets by ``updated_since`` (default: created in the last 30 days), 300-page wall."""
    params, desk = request.query_params, desk_of(request)
    try:
        since = parse_when(params.get("updated_since"))
    except ValueError:
        return render.validation(
            "updated_since", "It should be in the 'valid date' format", "invalid_date"
        )
    name = params.get("filter")
    if name is not None and name not in FILTERS:
        return render.validation(
            "filter", f"It should be one of these values: '{','.join(FILTERS)}'", "invalid_value"
        )
    include = _include(request, LIST_INCLUDES)
    if isinstance(include, JSONResponse):
        return include
    with desk.lock:
        tickets = filtered(list(desk.tickets.values()), name, desk.directory.api_user.id)
    if since is None:
        cutoff = desk.clock() - DEFAULT_WINDOW
        tickets = [t for t in tickets if t.created_at >= cutoff]
    else:
        tickets = [t for t in tickets if t.updated_at >= since]
    tickets.sort(
        key=_order_key(params.get("order_by", "created_at")),
        reverse=params.get("order_type", "desc") == "desc",
    )
    return render.paged(request, tickets, wall=True, render=lambda t: _ticket(desk, t, include))


def _order_key(order_by: str) -> Any:
    def key(t: TicketRecord) -> tuple[Any, int]:
        return (t.updated_at if order_by == "updated_at" else t.created_at, t.id)

    return key


@router.post("/tickets", status_code=201)
async def create_ticket(request: Request) -> JSONResponse:
    """Create a ticket from a flat body (subject, description, priority, status); the
    requester is ``requester_id`` or ``email`` (one is mandatory, as the docs say)."""
    data = await json_body(request)
    if not isinstance(data, dict) or not data.get("subject"):
        return render.validation("subject", "It should be a/an String", "missing_field")
    desk = desk_of(request)
    with desk.lock:
        requester = _requester_id(desk, data)
        if requester is None:
            return render.validation(
                "requester_id",
                "Please fill at least 1 of email, requester_id, phone fields",
                "missing_field",
            )
        priority = render.PRIORITY_IN.get(data.get("priority", 2), "normal")
        ticket = desk.create_ticket(
            actor_of(request),
            subject=str(data["subject"]),
            description=str(data.get("description") or ""),
            priority=priority,
            channel="portal",
            tags=[str(t) for t in data.get("tags") or []],
            requester_id=requester,
        )
    base = base_of(request, PREFIX)
    return json_response(
        render.ticket(ticket, set(), full=True),
        201,
        {"Location": f"{base}/api/v2/tickets/{ticket.id}"},
    )


def _requester_id(desk: Desk, data: dict[str, Any]) -> int | None:
    if str(data.get("requester_id", "")).isdigit():
        return int(data["requester_id"])
    if isinstance(data.get("email"), str) and "@" in data["email"]:
        return desk.directory.requester_for_email(data["email"]).id
    return None


@router.post("/tickets/bulk_update", status_code=202)
async def bulk_update(request: Request) -> JSONResponse:
    """Same properties for many ids; answers a job id to poll."""
    data = await json_body(request)
    action = data.get("bulk_action") if isinstance(data, dict) else None
    if not isinstance(action, dict) or not isinstance(action.get("ids"), list):
        return render.validation(
            "bulk_action", "It should be a/an key/value pair", "datatype_mismatch"
        )
    if len(action["ids"]) > BULK_CAP:
        return render.validation(
            "ids", f"Has to contain at most {BULK_CAP} elements", "invalid_value"
        )
    props = render.changes(action.get("properties") or {})
    work = [(int(i), dict(props)) for i in action["ids"]]
    job = desk_of(request).start_job(
        "freshdesk", work, actor_of(request), request.app.state.options.job_delay
    )
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
    """One ticket, description always included, spam and deleted ones too (with their
    flags); ``include=conversations`` embeds the first ten conversations."""
    include = _include(request, VIEW_INCLUDES)
    if isinstance(include, JSONResponse):
        return include
    desk = desk_of(request)
    try:
        ticket = desk.ticket(ticket_id)
    except DeskError as exc:
        return desk_error(exc)
    with desk.lock:
        body = _ticket(desk, ticket, include, full=True)
        if "conversations" in include:
            body["conversations"] = _conversations(desk, ticket)[:CONVERSATIONS_EMBEDDED]
        if "company" in include:
            body["company"] = {}  # requesters belong to no company at the sandbox
    return json_response(body)


def _conversations(desk: Desk, ticket: TicketRecord) -> list[dict[str, Any]]:
    """Replies and notes of a ticket, oldest first (the description is not one)."""
    return [_conversation_body(desk, ticket, c) for c in ticket.notes if c.kind != "description"]


def _conversation_body(desk: Desk, ticket: TicketRecord, comment: Comment) -> dict[str, Any]:
    agent = desk.agents.get(comment.author_id)
    admin = desk.directory.api_user
    author = agent.email if agent else admin.email if comment.author_id == admin.id else None
    requester = desk.directory.requester(ticket.requester_id).email
    return render.conversation(comment, author, requester)


@router.get("/tickets/{ticket_id}/conversations")
def conversations(ticket_id: int, request: Request) -> JSONResponse:
    """Every reply and note of a ticket, oldest first, link-header paginated."""
    desk = desk_of(request)
    try:
        ticket = desk.ticket(ticket_id)
    except DeskError as exc:
        return desk_error(exc)
    with desk.lock:
        rows = _conversations(desk, ticket)
    return render.paged(request, rows)


@router.put("/tickets/{ticket_id}")
async def update_ticket(ticket_id: int, request: Request) -> JSONResponse:
    """Update one ticket (flat body). No concurrency control: last write wins."""
    data = await json_body(request)
    if not isinstance(data, dict):
        return render.validation("body", "Invalid JSON", "invalid_json")
    try:
        ticket = desk_of(request).update_ticket(ticket_id, render.changes(data), actor_of(request))
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
    """Add a reply or note; answers the conversation as ``tickets/{id}/conversations``
    lists it (a note's ``notify_emails`` become its ``to_emails``)."""
    data = await json_body(request)
    if (
        not isinstance(data, dict)
        or not isinstance(data.get("body"), str)
        or not data["body"].strip()
    ):
        return render.validation("body", "Mandatory attribute missing", "missing_field")
    private = False if reply else bool(data.get("private", True))
    recipients = Recipients(
        to_emails=() if reply else _emails(data.get("notify_emails")),
        cc_emails=_emails(data.get("cc_emails")),
        bcc_emails=_emails(data.get("bcc_emails")),
    )
    desk = desk_of(request)
    try:
        with desk.lock:
            comment = desk.add_note(
                ticket_id,
                data["body"],
                actor_of(request),
                private,
                kind="reply" if reply else "note",
                recipients=recipients,
            )
            body = _conversation_body(desk, desk.ticket(ticket_id), comment)
    except DeskError as exc:
        return desk_error(exc)
    return json_response(body, 201)


def _emails(value: Any) -> tuple[str, ...]:
    return tuple(str(v) for v in value) if isinstance(value, list) else ()


@router.get("/agents")
def agents(request: Request) -> JSONResponse:
    """Agents with ``available``, the API key's administrator among them; link-header
    pagination."""
    desk = desk_of(request)
    with desk.lock:
        skill_ids = _skill_ids(desk.agents.values()) if _has_skills(request) else {}
        rows = [
            render.agent(a, skill_ids.get(a.id, []), _stamps(desk, a.id))
            for a in desk.agents.values()
        ] + [render.admin_agent(desk.directory.api_user)]
    return render.paged(request, sorted(rows, key=lambda row: int(row["id"])))


def _stamps(desk: Desk, agent_id: int) -> Any:
    return desk.directory.stamp(desk.directory.agents, agent_id)


@router.get("/groups")
def groups(request: Request) -> JSONResponse:
    """Groups (without ``agent_ids``, as the real list does)."""
    desk = desk_of(request)
    with desk.lock:
        rows = [
            render.group(gid, name, desk.directory.stamp(desk.directory.groups, gid))
            for gid, name in sorted(desk.groups.items())
        ]
    return render.paged(request, rows)


@router.get("/admin/groups/{group_id}/agents")
def group_agents(group_id: int, request: Request) -> JSONResponse:
    """Members of one group."""
    desk = desk_of(request)
    if group_id not in desk.groups:
        return render.flat_error(404, "not_found", "group not found")
    with desk.lock:
        members = sorted(
            (a for a in desk.agents.values() if group_id in a.group_ids), key=lambda a: a.id
        )
        rows = [render.agent(a, [], _stamps(desk, a.id)) for a in members]
    return render.paged(request, rows)


@router.get("/admin/skills")
def skills(request: Request) -> JSONResponse:
    """Skills with the agents holding them; 403 ``require_feature`` on a plan without."""
    if not _has_skills(request):
        return render.flat_error(403, "require_feature", SKILLS_REFUSED)
    desk = desk_of(request)
    with desk.lock:
        names = sorted({s for a in desk.agents.values() for s in a.skills})
        rows = [
            {
                "id": index,
                "name": name,
                "rank": index,
                "match_type": "any",
                "conditions": [],
                "agents": [{"id": a.id} for a in desk.agents.values() if name in a.skills],
            }
            for index, name in enumerate(names, start=1)
        ]
    return render.paged(request, rows)


def _has_skills(request: Request) -> bool:
    """Skill-based assignment is on the account's plan (the profile says; Enterprise)."""
    return bool(request.app.state.sandbox.freshdesk_profile.skills)


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
        return render.validation(
            "query", "It should be a/an String in double quotes", "invalid_value"
        )
    page = int(params.get("page", 1))
    if page > SEARCH_PAGES:
        return render.validation(
            "page", f"Has to be less than or equal to {SEARCH_PAGES}", "invalid_value"
        )
    indexed = request.app.state.sandbox.search_index.tickets()  # trails the desk
    try:
        found = sorted(
            (t for t in indexed if not t.spam and freshdesk_matches(query, t)), key=lambda t: t.id
        )
    except QueryError as exc:
        return render.validation("query", f"Invalid query: {exc}", "invalid_value")
    start = (page - 1) * SEARCH_PAGE
    rows = [render.ticket(t, set()) for t in found[start : start + SEARCH_PAGE]]
    return json_response({"total": len(found), "results": rows})
