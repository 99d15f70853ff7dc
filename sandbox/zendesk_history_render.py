"""Zendesk wire shapes of a ticket's history: audits with their events, comments and the
metric set (TicketAuditObject, TicketCommentObject and TicketMetricObject of the Support
API reference; an audit's ``metadata`` and ``via`` as recorded create answers show them)."""

from __future__ import annotations

import html
from typing import Any

from sandbox.history import Audit, AuditEvent, Comment
from sandbox.ticket_metrics import Minutes, TicketMetrics
from sandbox.wire import z

LOOPBACK = "127.0.0.1"


def audit(found: Audit) -> dict[str, Any]:
    """A ticket audit: who, when, through what, and its events."""
    return {
        "id": found.id,
        "ticket_id": found.ticket_id,
        "created_at": z(found.created_at),
        "author_id": found.origin.author_id,
        "metadata": _metadata(found.client),
        "via": _via(found.origin.channel),
        "events": [_event(e) for e in found.events],
    }


def _event(event: AuditEvent) -> dict[str, Any]:
    if event.comment is not None:
        return {"id": event.id, "type": "Comment", **_comment_body(event.comment)}
    body: dict[str, Any] = {
        "id": event.id,
        "type": event.type,
        "field_name": event.field_name,
        "value": event.value,
    }
    if event.type == "Change":
        body["previous_value"] = event.previous_value
    return body


def comment(found: Comment) -> dict[str, Any]:
    """A ticket comment as ``tickets/{id}/comments.json`` lists it."""
    return {
        "id": found.id,
        "type": "Comment",
        **_comment_body(found),
        "via": _via(found.channel),
        "created_at": z(found.created_at),
        "metadata": _metadata(None),
    }


def _comment_body(found: Comment) -> dict[str, Any]:
    escaped = html.escape(found.body)
    return {
        "author_id": found.author_id,
        "body": found.body,
        "html_body": f'<div class="zd-comment" dir="auto"><p>{escaped}</p></div>',
        "plain_body": found.body,
        "public": found.public,
        "attachments": [],
        "audit_id": found.audit_id,
    }


def _via(channel: str) -> dict[str, Any]:
    return {"channel": channel, "source": {"from": {}, "to": {}, "rel": None}}


def _metadata(client: str | None) -> dict[str, Any]:
    """Where a change came from; the sandbox only ever hears from loopback."""
    return {
        "system": {
            "client": client,
            "ip_address": LOOPBACK,
            "location": None,
            "latitude": None,
            "longitude": None,
        },
        "custom": {},
    }


def metric_set(found: TicketMetrics, base: str) -> dict[str, Any]:
    """A ticket metric set (also the ``metric_sets`` sideload element)."""
    return {
        "url": f"{base}/api/v2/ticket_metrics/{found.id}.json",
        "id": found.id,
        "ticket_id": found.ticket_id,
        "created_at": z(found.created_at),
        "updated_at": z(found.updated_at),
        "group_stations": found.group_stations,
        "assignee_stations": found.assignee_stations,
        "reopens": found.reopens,
        "replies": found.replies,
        "assignee_updated_at": z(found.assignee_updated_at),
        "requester_updated_at": z(found.requester_updated_at),
        "status_updated_at": z(found.status_updated_at),
        "custom_status_updated_at": z(found.status_updated_at),
        "initially_assigned_at": z(found.initially_assigned_at),
        "assigned_at": z(found.assigned_at),
        "solved_at": z(found.solved_at),
        "latest_comment_added_at": z(found.latest_comment_added_at),
        "reply_time_in_minutes": _time(found.reply_time),
        "reply_time_in_seconds": {"calendar": None},
        "first_resolution_time_in_minutes": _time(found.first_resolution_time),
        "full_resolution_time_in_minutes": _time(found.full_resolution_time),
        "agent_wait_time_in_minutes": _time(found.agent_wait_time),
        "requester_wait_time_in_minutes": _time(found.requester_wait_time),
        "on_hold_time_in_minutes": _time(found.on_hold_time),
    }


def _time(minutes: Minutes) -> dict[str, int | None]:
    return {"calendar": minutes.calendar, "business": minutes.business}
