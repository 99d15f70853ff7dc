"""Freshdesk wire shapes of sandbox records, numeric codes and the link-header pagination."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse

from sandbox.directory import Person, Stamps
from sandbox.history import Comment
from sandbox.search import FD_PRIORITY, FD_STATUS
from sandbox.store import AgentRecord, JobRecord, TicketRecord
from sandbox.ticket_metrics import TicketMetrics
from sandbox.wire import json_response, z

STATUS_IN = {2: "open", 3: "pending", 4: "solved", 5: "closed"}
PRIORITY_IN = {value: name for name, value in FD_PRIORITY.items()}
SOURCES = {"email": 1, "web": 2, "portal": 2, "api": 2, "phone": 3, "chat": 7}
MAX_PER_PAGE = 100
SUPPORT_EMAIL = "support@sandbox.invalid"
ROLE_AGENT, ROLE_ACCOUNT_ADMIN = 4, 1
"""Ids of Freshdesk's default roles (Agent; Account Administrator)."""
CONVERSATION_SOURCES = {"reply": 0, "note": 2}
TAGS = re.compile(r"<[^>]+>")


def ticket(
    t: TicketRecord,
    include: set[str],
    full: bool = False,
    *,
    requester: Person | None = None,
    metrics: TicketMetrics | None = None,
) -> dict[str, Any]:
    """A Freshdesk ticket object; ``include`` may add description, requester and stats
    (``requester`` and ``metrics`` are needed for the last two)."""
    body: dict[str, Any] = {
        "cc_emails": [],
        "fwd_emails": [],
        "reply_cc_emails": [],
        "ticket_cc_emails": [],
        "fr_escalated": False,
        "spam": t.spam,
        "email_config_id": None,
        "group_id": t.group_id,
        "priority": FD_PRIORITY.get(t.priority or "normal", 2),
        "requester_id": t.requester_id,
        "responder_id": t.assignee_id,
        "source": SOURCES.get(t.channel, 2),
        "company_id": None,
        "status": FD_STATUS[t.status],
        "subject": t.subject,
        "association_type": None,
        "support_email": None,
        "to_emails": None,
        "product_id": None,
        "id": t.id,
        "type": t.type,
        "due_by": None,
        "fr_due_by": None,
        "is_escalated": False,
        "custom_fields": {},
        "created_at": z(t.created_at),
        "updated_at": z(t.updated_at),
        "associated_tickets_count": None,
        "tags": list(t.tags),
        "nr_due_by": None,
        "nr_escalated": False,
    }
    if full or "description" in include:
        body["description"] = f"<div>{t.description}</div>"
        body["description_text"] = t.description
    if t.deleted:
        body["deleted"] = True
    if "requester" in include and requester is not None:
        body["requester"] = {
            "id": requester.id,
            "name": requester.name,
            "email": requester.email,
            "mobile": None,
            "phone": None,
        }
    if "stats" in include:
        body["stats"] = _stats(t, metrics)
    return body


def _stats(t: TicketRecord, metrics: TicketMetrics | None) -> dict[str, Any]:
    """``include=stats``: when the ticket was answered, resolved, reopened, closed."""
    status_at = metrics.status_updated_at if metrics else t.updated_at
    reopened = metrics is not None and metrics.reopens > 0
    return {
        "agent_responded_at": z(t.first_reply_at),
        "requester_responded_at": z(metrics.requester_updated_at) if metrics else None,
        "first_responded_at": z(t.first_reply_at),
        "status_updated_at": z(status_at),
        "reopened_at": z(status_at) if reopened and t.status not in ("solved", "closed") else None,
        "resolved_at": z(metrics.solved_at if metrics else t.solved_at),
        "closed_at": z(status_at) if t.status == "closed" else None,
        "pending_since": z(status_at) if t.status in ("pending", "hold") else None,
    }


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


def agent(a: AgentRecord, skill_ids: list[int], stamps: Stamps) -> dict[str, Any]:
    """A Freshdesk agent object (developer.freshdesk.com/api/#agents)."""
    return _agent_body(a.id, a.name, a.email, a.language, stamps) | {
        "available": a.available,
        "group_ids": sorted(a.group_ids),
        "skill_ids": skill_ids,
        "role_ids": [ROLE_AGENT],
        "available_since": z(a.availability_changed_at),
    }


def admin_agent(who: Person) -> dict[str, Any]:
    """The API key's owner as an agent: an account administrator in no group, so never
    available for automatic assignment."""
    return _agent_body(who.id, who.name, who.email, "en", who.stamps) | {
        "available": False,
        "group_ids": [],
        "skill_ids": [],
        "role_ids": [ROLE_ACCOUNT_ADMIN],
        "available_since": None,
    }


def _agent_body(
    agent_id: int, name: str, email: str, language: str, stamps: Stamps
) -> dict[str, Any]:
    created, updated = z(stamps.created_at), z(stamps.updated_at)
    return {
        "id": agent_id,
        "occasional": False,
        "signature": None,
        "ticket_scope": 1,
        "type": "support_agent",
        "created_at": created,
        "updated_at": updated,
        "last_active_at": None,
        "focus_mode": True,
        "contact": {
            "active": True,
            "email": email,
            "job_title": None,
            "language": language,
            "last_login_at": None,
            "mobile": None,
            "name": name,
            "phone": None,
            "time_zone": "UTC",
            "created_at": created,
            "updated_at": updated,
        },
    }


def group(
    group_id: int, name: str, stamps: Stamps, agent_ids: list[int] | None = None
) -> dict[str, Any]:
    """A Freshdesk group object (old API); only a single group carries ``agent_ids``."""
    body: dict[str, Any] = {
        "id": group_id,
        "name": name,
        "description": None,
        "escalate_to": None,
        "unassigned_for": "30m",
        "business_hour_id": None,
        "group_type": "support_agent_group",
        "auto_ticket_assign": 0,
        "created_at": z(stamps.created_at),
        "updated_at": z(stamps.updated_at),
    }
    if agent_ids is not None:
        body["agent_ids"] = agent_ids
    return body


def contact(who: Person) -> dict[str, Any]:
    """A Freshdesk contact object (a requester)."""
    return {
        "active": True,
        "address": None,
        "company_id": None,
        "view_all_tickets": False,
        "deleted": False,
        "description": None,
        "email": who.email,
        "id": who.id,
        "job_title": None,
        "language": "en",
        "mobile": None,
        "name": who.name,
        "phone": None,
        "time_zone": "UTC",
        "twitter_id": None,
        "other_emails": [],
        "other_companies": [],
        "custom_fields": {},
        "tags": [],
        "avatar": None,
        "unique_external_id": None,
        "created_at": z(who.stamps.created_at),
        "updated_at": z(who.stamps.updated_at),
    }


def conversation(
    c: Comment, author_email: str | None, requester_email: str | None
) -> dict[str, Any]:
    """A Freshdesk conversation (reply or note) of a ticket, as listed and as created."""
    reply = c.public and c.kind != "note"
    if c.incoming:
        from_email, to_emails = requester_email, [SUPPORT_EMAIL]
    elif reply:
        from_email, to_emails = SUPPORT_EMAIL, [requester_email] if requester_email else []
    else:
        from_email, to_emails = author_email, list(c.recipients.to_emails)
    markup = c.body if c.body.lstrip().startswith("<") else f"<div>{html.escape(c.body)}</div>"
    return {
        "id": c.id,
        "body": markup,
        "body_text": html.unescape(TAGS.sub("", c.body)),
        "incoming": c.incoming,
        "private": c.private,
        "user_id": c.author_id,
        "support_email": SUPPORT_EMAIL if reply else None,
        "source": CONVERSATION_SOURCES["reply" if reply else "note"],
        "ticket_id": c.ticket_id,
        "to_emails": to_emails,
        "from_email": from_email,
        "cc_emails": list(c.recipients.cc_emails),
        "bcc_emails": list(c.recipients.bcc_emails),
        "attachments": [],
        "last_edited_at": None,
        "last_edited_user_id": None,
        "created_at": z(c.created_at),
        "updated_at": z(c.created_at),
    }


def job(j: JobRecord, base: str) -> dict[str, Any]:
    """A ``/jobs/{id}`` object: IN PROGRESS until done, then SUCCESS/PARTIAL with data."""
    done = j.status == "completed"
    failed = [r for r in j.results if not r.get("success")]
    status = "IN PROGRESS" if not done else ("PARTIAL" if failed else "SUCCESS")
    return {
        "id": j.id,
        "name": "bulk_update",
        "status": status,
        "created_at": z(j.created_at),
        "updated_at": z(j.updated_at or j.created_at),
        "status_updated_at": z(j.updated_at or j.created_at),
        "progress": round(100 * len(j.results) / max(j.total, 1)),
        "href": f"{base}/api/v2/jobs/{j.id}",
        "data": [
            {"id": r["id"], "success": bool(r.get("success")), "message": r.get("details")}
            for r in j.results
        ]
        if done
        else None,
    }


def paged(
    request: Request,
    items: list[Any],
    *,
    wall: bool = False,
    render: Callable[[Any], Any] = lambda item: item,
) -> JSONResponse:
    """``page``/``per_page`` pagination with a ``link: <...>; rel="next"`` header.

    ``render`` turns one item into its wire form; only the page's items are rendered.
    """
    params = request.query_params
    try:
        page, per_page = int(params.get("page", 1)), int(params.get("per_page", 30))
    except ValueError:
        return validation("page", "It should be a/an Positive Integer", "datatype_mismatch")
    if per_page > MAX_PER_PAGE or per_page < 1:
        return validation(
            "per_page", f"Has to be less than or equal to {MAX_PER_PAGE}", "invalid_value"
        )
    if wall and page > request.app.state.options.page_wall:
        return validation(
            "page",
            "You cannot access tickets beyond the 300th page. Please "
            "provide a smaller page number.",
            "invalid_value",
        )
    start = (page - 1) * per_page
    headers = {}
    if start + per_page < len(items):
        url = str(request.url.include_query_params(page=page + 1, per_page=per_page))
        headers["link"] = f'<{url}>; rel="next"'
    return json_response(
        [render(item) for item in items[start : start + per_page]], headers=headers
    )


def validation(field: str, message: str, code: str, status: int = 400) -> JSONResponse:
    """Freshdesk's validation error body."""
    return json_response(
        {
            "description": "Validation failed",
            "errors": [{"field": field, "message": message, "code": code}],
        },
        status,
    )


def flat_error(status: int, code: str, message: str) -> JSONResponse:
    """Freshdesk's other error shape: ``{"code", "message"}``."""
    return json_response({"code": code, "message": message}, status)
