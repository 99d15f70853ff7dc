"""Zendesk wire shapes of sandbox records (tickets, users, jobs, pages)."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse

from sandbox.store import AgentRecord, JobRecord, TicketRecord
from sandbox.wire import decode_cursor, encode_cursor, json_response, z

WRITABLE = ("assignee_id", "group_id", "status", "priority", "type", "subject", "tags")
STATUSES = frozenset({"new", "open", "pending", "hold", "solved", "closed"})


def ticket(t: TicketRecord, base: str, export: bool = False) -> dict[str, Any]:
    """A Zendesk ticket object."""
    body = {
        "url": f"{base}/api/v2/tickets/{t.id}.json", "id": t.id, "external_id": None,
        "via": {"channel": t.channel, "source": {"from": {}, "to": {}, "rel": None}},
        "created_at": z(t.created_at), "updated_at": z(t.updated_at), "type": t.type,
        "subject": t.subject, "raw_subject": t.subject, "description": t.description,
        "priority": t.priority, "status": "deleted" if t.spam else t.status, "recipient": None,
        "requester_id": t.requester_id, "submitter_id": t.requester_id,
        "assignee_id": t.assignee_id, "organization_id": None, "group_id": t.group_id,
        "collaborator_ids": [], "follower_ids": [], "email_cc_ids": [], "problem_id": None,
        "has_incidents": False, "is_public": True, "due_at": None, "tags": list(t.tags),
        "custom_fields": [], "fields": [], "satisfaction_rating": None,
        "sharing_agreement_ids": [], "followup_ids": [], "brand_id": 1,
        "allow_channelback": False, "allow_attachments": True, "from_messaging_channel": False,
    }
    if export:
        body["generated_timestamp"] = int(t.updated_at.timestamp())
    return body


def metric_set(t: TicketRecord) -> dict[str, Any]:
    """A ``metric_sets`` sideload element."""
    reply = None
    if t.first_reply_at is not None:
        reply = round((t.first_reply_at - t.created_at).total_seconds() / 60)
    return {
        "id": t.id, "ticket_id": t.id, "created_at": z(t.created_at),
        "updated_at": z(t.updated_at), "initially_assigned_at": z(t.initially_assigned_at),
        "assigned_at": z(t.initially_assigned_at), "solved_at": z(t.solved_at),
        "reply_time_in_minutes": {"calendar": reply, "business": reply},
    }


def changes(raw: dict[str, Any]) -> dict[str, Any]:
    """Vendor-neutral changes from a Zendesk ticket body (unknown keys ignored)."""
    found = {key: raw[key] for key in WRITABLE if key in raw}
    for key in ("assignee_id", "group_id"):
        if found.get(key) is not None:
            found[key] = int(found[key])
    if "status" in found and found["status"] not in STATUSES:
        found.pop("status")
    return found


def snapshot(t: TicketRecord) -> dict[str, Any]:
    """Writable fields before a change (for the audit)."""
    return {key: getattr(t, key) for key in WRITABLE}


def audit(t: TicketRecord, before: dict[str, Any]) -> dict[str, Any]:
    """The audit Zendesk returns with an update: one Change event per changed field."""
    events = [{"id": index, "type": "Change", "field_name": key, "value": getattr(t, key),
               "previous_value": value}
              for index, (key, value) in enumerate(before.items(), start=1)
              if getattr(t, key) != value]
    return {"id": t.seq, "ticket_id": t.id, "created_at": z(t.updated_at), "events": events}


def user(agent: AgentRecord) -> dict[str, Any]:
    """A Zendesk user object for an agent (skills in the ``deskroute_skills`` user field)."""
    skills = " ".join(f"{name}:{level}" for name, level in sorted(agent.skills.items()))
    return {
        "id": agent.id, "name": agent.name, "email": agent.email, "role": "agent",
        "active": True, "suspended": False, "locale": f"{agent.language}-US",
        "time_zone": "UTC", "tags": [], "user_fields": {"deskroute_skills": skills},
        "default_group_id": min(agent.group_ids, default=None),
    }


def availability(agent: AgentRecord) -> dict[str, Any]:
    """An Agent Availability API (JSON:API) record."""
    name, status_id = ("online", 3) if agent.available else ("offline", 2)
    return {"type": "agent_availabilities", "id": str(agent.id),
            "attributes": {"agent_id": agent.id, "version": 1,
                           "agent_status": {"id": status_id, "name": name}}}


def job(j: JobRecord, base: str) -> dict[str, Any]:
    """A job status object."""
    done = len(j.results)
    return {"id": j.id, "url": f"{base}/api/v2/job_statuses/{j.id}.json", "total": j.total,
            "progress": done, "status": j.status, "job_type": "Bulk Update",
            "message": "Completed at " + (z(j.updated_at) or "") if j.status == "completed"
            else None,
            "results": [_result(r) for r in j.results] if j.status == "completed" else None}


def _result(item: dict[str, Any]) -> dict[str, Any]:
    if item.get("success"):
        return {"id": item["id"], "action": "update", "success": True, "status": "Updated"}
    error = "DatabaseConflict" if item.get("error") == "conflict" else "TicketUpdateFailed"
    return {"id": item["id"], "action": "update", "success": False, "error": error,
            "details": item.get("details", "")}


def cursor_page(request: Request, items: list[dict[str, Any]], key: str) -> JSONResponse:
    """Cursor pagination: ``page[size]`` ≤ 100, ``page[after]``; ``links.next`` never null."""
    params = request.query_params
    size = min(int(params.get("page[size]", 100)), 100)
    start = decode_cursor(params["page[after]"]) if "page[after]" in params else 0
    page = items[start:start + size]
    end = start + len(page)
    more = end < len(items)
    url = str(request.url.remove_query_params(["page[after]", "page[size]"]))
    join = "&" if "?" in url else "?"
    after = encode_cursor(end)
    return json_response({
        key: page,
        "meta": {"has_more": more, "after_cursor": after,
                 "before_cursor": encode_cursor(start) if start else None},
        "links": {"next": f"{url}{join}page[size]={size}&page[after]={after}",
                  "prev": f"{url}{join}page[size]={size}&page[before]={encode_cursor(start)}"},
    })
