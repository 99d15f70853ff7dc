"""Freshdesk wire shapes of sandbox records, numeric codes and the link-header pagination."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse

from sandbox.search import FD_PRIORITY, FD_STATUS
from sandbox.store import AgentRecord, JobRecord, TicketRecord
from sandbox.wire import json_response, z

STATUS_IN = {2: "open", 3: "pending", 4: "solved", 5: "closed"}
PRIORITY_IN = {value: name for name, value in FD_PRIORITY.items()}
SOURCES = {"email": 1, "web": 2, "portal": 2, "api": 2, "phone": 3, "chat": 7}
MAX_PER_PAGE = 100


def ticket(t: TicketRecord, include: set[str], full: bool = False) -> dict[str, Any]:
    """A Freshdesk ticket object; ``include`` may add description and stats."""
    body: dict[str, Any] = {
        "cc_emails": [], "fwd_emails": [], "reply_cc_emails": [], "ticket_cc_emails": [],
        "fr_escalated": False, "spam": t.spam, "email_config_id": None,
        "group_id": t.group_id, "priority": FD_PRIORITY.get(t.priority or "normal", 2),
        "requester_id": t.requester_id, "responder_id": t.assignee_id,
        "source": SOURCES.get(t.channel, 2), "company_id": None,
        "status": FD_STATUS[t.status], "subject": t.subject, "association_type": None,
        "support_email": None, "to_emails": None, "product_id": None, "id": t.id,
        "type": t.type, "due_by": None, "fr_due_by": None, "is_escalated": False,
        "custom_fields": {}, "created_at": z(t.created_at), "updated_at": z(t.updated_at),
        "associated_tickets_count": None, "tags": list(t.tags), "nr_due_by": None,
        "nr_escalated": False,
    }
    if full or "description" in include:
        body["description"] = f"<div>{t.description}</div>"
        body["description_text"] = t.description
    if "stats" in include:
        body["stats"] = {
            "agent_responded_at": z(t.first_reply_at), "requester_responded_at": None,
            "first_responded_at": z(t.first_reply_at), "status_updated_at": z(t.updated_at),
            "reopened_at": None, "resolved_at": z(t.solved_at),
            "closed_at": z(t.solved_at) if t.status == "closed" else None, "pending_since": None,
        }
    return body


def changes(raw: dict[str, Any]) -> dict[str, Any]:
    """Vendor-neutral changes from a flat Freshdesk body (unknown keys ignored)."""
    found: dict[str, Any] = {}
    if "responder_id" in raw:
        found["assignee_id"] = None if raw["responder_id"] is None else int(raw["responder_id"])
    if "group_id" in raw:
        found["group_id"] = None if raw["group_id"] is None else int(raw["group_id"])
    if raw.get("status") in STATUS_IN:
        found["status"] = STATUS_IN[raw["status"]]
    if raw.get("priority") in PRIORITY_IN:
        found["priority"] = PRIORITY_IN[raw["priority"]]
    for key in ("tags", "subject", "type"):
        if key in raw:
            found[key] = raw[key]
    return found


def agent(a: AgentRecord, skill_ids: list[int]) -> dict[str, Any]:
    """A Freshdesk agent object."""
    return {
        "available": a.available, "occasional": False, "id": a.id, "signature": None,
        "ticket_scope": 1, "type": "support_agent", "group_ids": sorted(a.group_ids),
        "skill_ids": skill_ids, "available_since": None, "created_at": None,
        "updated_at": None, "last_active_at": None,
        "contact": {"active": True, "email": a.email, "job_title": None,
                    "language": a.language, "mobile": None, "name": a.name, "phone": None,
                    "time_zone": "UTC"},
    }


def group(group_id: int, name: str) -> dict[str, Any]:
    """A Freshdesk group object (old API; list responses leave out ``agent_ids``)."""
    return {"id": group_id, "name": name, "description": None, "escalate_to": None,
            "unassigned_for": "30m", "business_hour_id": None,
            "group_type": "support_agent_group", "auto_ticket_assign": 0,
            "created_at": None, "updated_at": None}


def job(j: JobRecord, base: str) -> dict[str, Any]:
    """A ``/jobs/{id}`` object: IN PROGRESS until done, then SUCCESS/PARTIAL with data."""
    done = j.status == "completed"
    failed = [r for r in j.results if not r.get("success")]
    status = "IN PROGRESS" if not done else ("PARTIAL" if failed else "SUCCESS")
    return {"id": j.id, "name": "bulk_update", "status": status,
            "created_at": z(j.created_at), "updated_at": z(j.updated_at or j.created_at),
            "status_updated_at": z(j.updated_at or j.created_at),
            "progress": round(100 * len(j.results) / max(j.total, 1)),
            "href": f"{base}/api/v2/jobs/{j.id}",
            "data": [{"id": r["id"], "success": bool(r.get("success")),
                      "message": r.get("details")} for r in j.results] if done else None}


def paged(request: Request, items: list[Any], *, wall: bool = False,
          render: Callable[[Any], Any] = lambda item: item) -> JSONResponse:
    """``page``/``per_page`` pagination with a ``link: <...>; rel="next"`` header.

    ``render`` turns one item into its wire form; only the page's items are rendered.
    """
    params = request.query_params
    try:
        page, per_page = int(params.get("page", 1)), int(params.get("per_page", 30))
    except ValueError:
        return validation("page", "It should be a/an Positive Integer", "datatype_mismatch")
    if per_page > MAX_PER_PAGE or per_page < 1:
        return validation("per_page", f"Has to be less than or equal to {MAX_PER_PAGE}",
                          "invalid_value")
    if wall and page > request.app.state.options.page_wall:
        return validation("page", "You cannot access tickets beyond the 300th page. Please "
                          "provide a smaller page number.", "invalid_value")
    start = (page - 1) * per_page
    headers = {}
    if start + per_page < len(items):
        url = str(request.url.include_query_params(page=page + 1, per_page=per_page))
        headers["link"] = f'<{url}>; rel="next"'
    return json_response([render(item) for item in items[start:start + per_page]],
                         headers=headers)


def validation(field: str, message: str, code: str, status: int = 400) -> JSONResponse:
    """Freshdesk's validation error body."""
    return json_response({"description": "Validation failed",
                          "errors": [{"field": field, "message": message, "code": code}]},
                         status)


def flat_error(status: int, code: str, message: str) -> JSONResponse:
    """Freshdesk's other error shape: ``{"code", "message"}``."""
    return json_response({"code": code, "message": message}, status)
