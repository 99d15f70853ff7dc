"""Pure mapping between Freshdesk v2 JSON and deskroute values; no I/O here.

Freshdesk sends flat bodies with numeric codes: status 2 Open, 3 Pending, 4 Resolved,
5 Closed (accounts add more); priority 1 Low .. 4 Urgent; source 1 Email, 2 Portal,
3 Phone, 7 Chat, 9 Feedback widget, 10 Outbound email. The agent is ``responder_id``.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from connectors.base import FIRST_REPLY_FIELD, STATUS_FIELD, WriteRequest
from connectors.values import (
    NO_GROUPS,
    GroupDirectory,
    iso_z,
    numeric_id,
    optional_str,
    parse_time,
    require_time,
    tag_list,
)
from router.history import HistoryRecord
from router.model import Agent, AgentStatus, Capacity, Priority, Ticket

SOURCE = "freshdesk"
OPEN, PENDING, RESOLVED, CLOSED = 2, 3, 4, 5
FINISHED = frozenset({RESOLVED, CLOSED})
STATUS_NAMES = {OPEN: "open", PENDING: "pending", RESOLVED: "solved", CLOSED: "closed"}
PRIORITIES = {1: Priority.LOW, 2: Priority.NORMAL, 3: Priority.HIGH, 4: Priority.URGENT}
CHANNELS = {
    1: "email",
    2: "web",
    3: "phone",
    7: "chat",
    8: "email",
    9: "web_widget",
    10: "email",
    15: "chat",
}
SKILL_LEVEL = 5
"""Freshdesk skills have no level; an agent holding one counts as level 5."""
INCLUDE_CREDITS = 2
"""Extra API credits per embedded resource. Freshdesk's docs disagree (the Embedding section
says +1 each, the List All Tickets note "+2 credits each; include=stats costs 3 total"):
the budget assumes the dearer reading."""


INTAKE_LIST_INCLUDE = "description,stats,requester"
"""What the poll's ticket list embeds: the text, first reply (stats) and the requester's
e-mail address, the shop's lookup key (developer.freshdesk.com/api/#list_all_tickets:
``include=requester`` "will return requester's email, id, mobile, name, and phone")."""
INTAKE_VIEW_INCLUDE = "stats,requester"
"""What a ticket re-read for routing embeds (developer.freshdesk.com/api/#view_a_ticket:
``include`` of conversations, requester, company, stats)."""


def include_cost(include: str | None) -> int:
    """API credits of a request with ``include=...`` (1, plus 2 per included resource)."""
    parts = [part for part in (include or "").split(",") if part.strip()]
    return 1 + INCLUDE_CREDITS * len(parts)


def requester_email(raw: Mapping[str, Any]) -> str | None:
    """The requester's address from an ``include=requester`` ticket (None without it)."""
    requester = raw.get("requester")
    return optional_str(requester.get("email")) if isinstance(requester, Mapping) else None


def time_or_none(value: Any) -> datetime | None:
    """A timestamp, or None when it is missing or unreadable."""
    try:
        return parse_time(value)
    except ValueError:
        return None


def ticket_from_json(raw: Mapping[str, Any], groups: GroupDirectory = NO_GROUPS) -> Ticket:
    """A ``Ticket`` from a Freshdesk ticket object (list, view or search result).

    ``custom_fields`` carries the account's custom fields, the status by name and, when the
    ticket was read with ``include=stats``, ``first_reply_at`` (None until an agent replies).
    """
    ticket_id = optional_str(raw.get("id")) or ""
    return Ticket(
        id=ticket_id,
        source=SOURCE,
        subject=raw.get("subject") or "",
        body=raw.get("description_text") or raw.get("description") or "",
        requester=optional_str(raw.get("requester_id")),
        requester_email=requester_email(raw),
        organization=optional_str(raw.get("company_id")),
        tags=tag_list(raw.get("tags")),
        priority=PRIORITIES.get(_int(raw.get("priority")), Priority.NORMAL),
        type=raw.get("type"),
        channel=CHANNELS.get(_int(raw.get("source")), "other"),
        custom_fields=dict(raw.get("custom_fields") or {}) | follow_up_fields(raw),
        created_at=require_time(raw.get("created_at"), f"ticket {ticket_id}"),
        updated_at=parse_time(raw.get("updated_at")),
        sla_due_at=parse_time(raw.get("fr_due_by") or raw.get("due_by")),
        group=groups.name(raw.get("group_id")),
        assignee=optional_str(raw.get("responder_id")),
    )


def status_name(raw: Mapping[str, Any]) -> str:
    """The status as a word: spam and deleted tickets are ``deleted``; custom codes ``open``."""
    if raw.get("spam") or raw.get("deleted"):
        return "deleted"
    return STATUS_NAMES.get(_int(raw.get("status")), "open")


def follow_up_fields(raw: Mapping[str, Any]) -> dict[str, Any]:
    """``status`` and, when ``stats`` were included, ``first_reply_at`` (ISO 8601 or None)."""
    fields: dict[str, Any] = {STATUS_FIELD: status_name(raw)}
    stats = raw.get("stats")
    if isinstance(stats, Mapping):
        replied = parse_time(stats.get("first_responded_at"))
        fields[FIRST_REPLY_FIELD] = iso_z(replied) if replied is not None else None
    return fields


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def is_finished(raw: Mapping[str, Any]) -> bool:
    """Resolved or closed."""
    return _int(raw.get("status")) in FINISHED


def skills_by_agent(skills: Iterable[Mapping[str, Any]]) -> dict[str, dict[str, int]]:
    """Skill names per agent id from ``/admin/skills`` (``agents`` as ids or objects)."""
    found: dict[str, dict[str, int]] = {}
    for skill in skills:
        name = str(skill.get("name") or "").strip().lower()
        for agent in skill.get("agents") or []:
            agent_id = agent.get("id") if isinstance(agent, Mapping) else agent
            if name and agent_id is not None:
                found.setdefault(str(agent_id), {})[name] = SKILL_LEVEL
    return found


def agent_from_json(
    raw: Mapping[str, Any],
    groups: frozenset[str] = frozenset(),
    skills: Mapping[str, int] | None = None,
    max_load: float = 10.0,
) -> Agent:
    """An ``Agent`` from a Freshdesk agent object; ``available`` decides online/offline."""
    contact = raw.get("contact") or {}
    language = str(contact.get("language") or "")
    return Agent(
        id=str(raw["id"]),
        name=contact.get("name") or "",
        groups=groups,
        skills=dict(skills or {}),
        languages=frozenset({language.split("-")[0].lower()}) if language else frozenset(),
        capacity=Capacity(max_load=max_load),
        status=AgentStatus.ONLINE if raw.get("available") else AgentStatus.OFFLINE,
    )


def update_body(request: WriteRequest, groups: GroupDirectory) -> dict[str, Any]:
    """``PUT /tickets/{id}`` body (flat): ``responder_id`` and ``group_id``."""
    body: dict[str, Any] = {"responder_id": numeric_id(request.agent_id, "agent")}
    group_id = groups.group_id(request.group)
    if group_id is not None:
        body["group_id"] = group_id
    return body


def bulk_body(ids: list[int], properties: Mapping[str, Any]) -> dict[str, Any]:
    """``POST /tickets/bulk_update`` body: the same properties for every id."""
    return {"bulk_action": {"ids": ids, "properties": dict(properties)}}


def note_body(text: str) -> dict[str, Any]:
    """A private note (HTML body, text escaped)."""
    return {"body": html.escape(text).replace("\n", "<br>"), "private": True}


def history_from_json(raw: Mapping[str, Any], groups: GroupDirectory) -> HistoryRecord:
    """A history record from a resolved/closed ticket listed with ``include=stats``."""
    ticket = ticket_from_json(raw, groups)
    stats = raw.get("stats") or {}
    solved = parse_time(stats.get("resolved_at")) or parse_time(stats.get("closed_at"))
    return HistoryRecord.of_ticket(
        ticket,
        STATUS_NAMES.get(_int(raw.get("status")), "solved"),
        first_reply_at=parse_time(stats.get("first_responded_at")),
        solved_at=solved or ticket.updated_at,
    )
