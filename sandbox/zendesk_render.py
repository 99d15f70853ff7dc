"""Zendesk wire shapes of sandbox records (tickets, jobs) and list pages."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse

from sandbox.history import ZENDESK_CHANNELS
from sandbox.store import JobRecord, TicketRecord
from sandbox.wire import decode_cursor, encode_cursor, json_response, z

WRITABLE = ("assignee_id", "group_id", "status", "priority", "type", "subject", "tags")
STATUSES = frozenset({"new", "open", "pending", "hold", "solved", "closed"})
MAX_PAGE = 100


def ticket(t: TicketRecord, base: str, export: bool = False) -> dict[str, Any]:
    """A Zendesk ticket object."""
    body = {
        "url": f"{base}/api/v2/tickets/{t.id}.json",
        "id": t.id,
        "external_id": None,
        "via": {
            "channel": ZENDESK_CHANNELS.get(t.channel, t.channel),
            "source": {"from": {}, "to": {}, "rel": None},
        },
        "created_at": z(t.created_at),
        "updated_at": z(t.updated_at),
        "type": t.type,
        "subject": t.subject,
        "raw_subject": t.subject,
        "description": t.description,
        "priority": t.priority,
        "status": "deleted" if t.spam or t.deleted else t.status,
        "recipient": None,
        "requester_id": t.requester_id,
        "submitter_id": t.requester_id,
        "assignee_id": t.assignee_id,
        "organization_id": None,
        "group_id": t.group_id,
        "collaborator_ids": [],
        "follower_ids": [],
        "email_cc_ids": [],
        "problem_id": None,
        "has_incidents": False,
        "is_public": True,
        "due_at": None,
        "tags": list(t.tags),
        "custom_fields": [],
        "fields": [],
        "satisfaction_rating": None,
        "sharing_agreement_ids": [],
        "followup_ids": [],
        "brand_id": 1,
        "allow_channelback": False,
        "allow_attachments": True,
        "from_messaging_channel": False,
    }
    if export:
        body["generated_timestamp"] = int(t.updated_at.timestamp())
    return body


def changes(raw: dict[str, Any]) -> dict[str, Any]:
    """Vendor-neutral changes from a Zendesk ticket body (unknown keys ignored)."""
    found = {key: raw[key] for key in WRITABLE if key in raw}
    for key in ("assignee_id", "group_id"):
        if found.get(key) is not None:
            found[key] = int(found[key])
    if "status" in found and found["status"] not in STATUSES:
        found.pop("status")
    return found


def job(j: JobRecord, base: str) -> dict[str, Any]:
    """A job status object."""
    done = len(j.results)
    return {
        "id": j.id,
        "url": f"{base}/api/v2/job_statuses/{j.id}.json",
        "total": j.total,
        "progress": done,
        "status": j.status,
        "job_type": "Bulk Update",
        "message": "Completed at " + (z(j.updated_at) or "") if j.status == "completed" else None,
        "results": [_result(r) for r in j.results] if j.status == "completed" else None,
    }


def _result(item: dict[str, Any]) -> dict[str, Any]:
    if item.get("success"):
        return {"id": item["id"], "action": "update", "success": True, "status": "Updated"}
    error = "DatabaseConflict" if item.get("error") == "conflict" else "TicketUpdateFailed"
    return {
        "id": item["id"],
        "action": "update",
        "success": False,
        "error": error,
        "details": item.get("details", ""),
    }


def list_page(request: Request, items: list[dict[str, Any]], key: str) -> JSONResponse:
    """A Zendesk list: cursor pagination when ``page[size]``/``page[after]`` is asked for,
    else offset pagination (``page``, ``per_page`` up to 100, ``next_page``,
    ``previous_page``, ``count``), as developer.zendesk.com/api-reference/introduction/
    pagination/ describes for endpoints that support both."""
    if any(name.startswith("page[") for name in request.query_params):
        return cursor_page(request, items, key)
    return offset_page(request, items, key)


def offset_page(request: Request, items: list[dict[str, Any]], key: str) -> JSONResponse:
    """Offset pagination: ``page`` from 1, ``per_page`` up to 100 (ValueError when bad)."""
    params = request.query_params
    page, per_page = (
        int(params.get("page", 1)),
        min(int(params.get("per_page", MAX_PAGE)), MAX_PAGE),
    )
    if page < 1 or per_page < 1:
        raise ValueError("page and per_page must be positive")
    start = (page - 1) * per_page

    def link(number: int) -> str:
        return str(request.url.include_query_params(page=number, per_page=per_page))

    return json_response(
        {
            key: items[start : start + per_page],
            "next_page": link(page + 1) if start + per_page < len(items) else None,
            "previous_page": link(page - 1) if page > 1 else None,
            "count": len(items),
        }
    )


def cursor_page(request: Request, items: list[dict[str, Any]], key: str) -> JSONResponse:
    """Cursor pagination: ``page[size]`` ≤ 100, ``page[after]``; ``links.next`` never null."""
    params = request.query_params
    size = min(int(params.get("page[size]", 100)), 100)
    start = decode_cursor(params["page[after]"]) if "page[after]" in params else 0
    page = items[start : start + size]
    end = start + len(page)
    more = end < len(items)
    url = str(request.url.remove_query_params(["page[after]", "page[size]"]))
    join = "&" if "?" in url else "?"
    after = encode_cursor(end)
    return json_response(
        {
            key: page,
            "meta": {
                "has_more": more,
                "after_cursor": after,
                "before_cursor": encode_cursor(start) if start else None,
            },
            "links": {
                "next": f"{url}{join}page[size]={size}&page[after]={after}",
                "prev": f"{url}{join}page[size]={size}&page[before]={encode_cursor(start)}",
            },
        }
    )
