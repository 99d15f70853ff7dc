"""Pure mapping between Zendesk JSON and deskroute values; no I/O here.

Zendesk nests bodies (``{"ticket": {...}}``), uses integer ids (ours are strings), named
statuses and priorities, and ISO-8601 ``Z`` timestamps. An agent's languages come from the
user's locale; skills, presence and schedule from the sources the account has
(connectors/zendesk/features.py picks them).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from connectors.base import FIRST_REPLY_FIELD, STATUS_FIELD, WriteRequest
from connectors.skills import parse_skills
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
from router.schedule import Schedule

SOURCE = "zendesk"
FINISHED = frozenset({"solved", "closed"})
SKILLS_FIELD = "deskroute_skills"
PRIORITIES = {
    "low": Priority.LOW,
    "normal": Priority.NORMAL,
    "high": Priority.HIGH,
    "urgent": Priority.URGENT,
}


def ticket_from_json(
    raw: Mapping[str, Any],
    groups: GroupDirectory = NO_GROUPS,
    metrics: Mapping[str, Any] | None = None,
    emails: Mapping[str, str] | None = None,
) -> Ticket:
    """A ``Ticket`` from a Zendesk ticket object (list, show or incremental export).

    ``custom_fields`` carries the ticket's fields by id, its ``status`` and, when the
    ``metric_set`` is given, ``first_reply_at`` (None until an agent replies).
    ``emails`` (user id -> address, from the ``users`` sideload: ``user_emails``) gives
    the requester's e-mail address.
    """
    ticket_id = optional_str(raw.get("id")) or ""
    created = require_time(raw.get("created_at"), f"ticket {ticket_id}")
    fields = {str(f["id"]): f.get("value") for f in raw.get("custom_fields") or []}
    fields[STATUS_FIELD] = str(raw.get("status") or "new")
    if metrics is not None:
        fields.update(_reply_field(created, metrics))
    return Ticket(
        id=ticket_id,
        source=SOURCE,
        subject=raw.get("subject") or raw.get("raw_subject") or "",
        body=raw.get("description") or "",
        requester=optional_str(raw.get("requester_id")),
        requester_email=(emails or {}).get(str(raw.get("requester_id"))),
        organization=optional_str(raw.get("organization_id")),
        tags=tag_list(raw.get("tags")),
        priority=PRIORITIES.get(str(raw.get("priority")), Priority.NORMAL),
        type=raw.get("type"),
        channel=str((raw.get("via") or {}).get("channel") or "email"),
        brand=optional_str(raw.get("brand_id")),
        custom_fields=fields,
        created_at=created,
        updated_at=parse_time(raw.get("updated_at")),
        sla_due_at=parse_time(raw.get("due_at")),
        group=groups.name(raw.get("group_id")),
        assignee=optional_str(raw.get("assignee_id")),
    )


def metric_sets_by_ticket(data: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    """The ``metric_sets`` sideload of a response, by ticket id."""
    return {
        str(m.get("ticket_id")): m for m in data.get("metric_sets") or [] if isinstance(m, Mapping)
    }


def user_emails(data: Mapping[str, Any]) -> dict[str, str]:
    """User id -> e-mail address from the ``users`` sideload of a response (``include=users``
    on show, show_many and the incremental ticket export; developer.zendesk.com/documentation/
    ticketing/using-the-zendesk-api/side_loading/); users without an address are left out."""
    return {
        str(user.get("id")): str(user["email"])
        for user in data.get("users") or []
        if isinstance(user, Mapping) and user.get("email")
    }


def memberships_by_user(
    memberships: Iterable[Mapping[str, Any]], groups: GroupDirectory
) -> dict[str, frozenset[str]]:
    """Group names per user id, from ``group_memberships`` objects."""
    found: dict[str, set[str]] = {}
    for membership in memberships:
        name = groups.name(membership.get("group_id"))
        if name is not None:
            found.setdefault(str(membership.get("user_id")), set()).add(name)
    return {user: frozenset(names) for user, names in found.items()}


def agent_from_json(
    raw: Mapping[str, Any],
    groups: frozenset[str] = frozenset(),
    status: AgentStatus = AgentStatus.ONLINE,
    max_load: float = 10.0,
    *,
    skills: Mapping[str, int] | None = None,
    schedule: Schedule | None = None,
) -> Agent:
    """An ``Agent`` from a Zendesk user object (role agent or admin); ``skills`` None reads
    the ``deskroute_skills`` user field."""
    locale = str(raw.get("locale") or "")
    fields = raw.get("user_fields") or {}
    return Agent(
        id=str(raw["id"]),
        name=raw.get("name") or "",
        groups=groups,
        skills=parse_skills(fields.get(SKILLS_FIELD)) if skills is None else dict(skills),
        schedule=schedule,
        languages=frozenset({locale.split("-")[0].lower()}) if locale else frozenset(),
        capacity=Capacity(max_load=max_load),
        status=status
        if raw.get("active", True) and not raw.get("suspended")
        else AgentStatus.OFFLINE,
    )


def update_body(request: WriteRequest, groups: GroupDirectory) -> dict[str, Any]:
    """``PUT /tickets/{id}`` body: assignee, group, safe_update guard and optional note."""
    return {"ticket": _changes(request, groups, safe=True)}


def bulk_item(request: WriteRequest, groups: GroupDirectory) -> dict[str, Any]:
    """One element of ``update_many``'s ``tickets`` array (carries its own id).

    It carries the same ``safe_update`` guard as a single update. The ``show_many`` check
    before submitting leaves a gap until the job reaches the ticket, in which a person's
    change would be overwritten; the guard closes it where the batch honours it.
    """
    item = {"id": numeric_id(request.ticket_id, "ticket")}
    item.update(_changes(request, groups, safe=True))
    return item


def _changes(request: WriteRequest, groups: GroupDirectory, *, safe: bool) -> dict[str, Any]:
    changes: dict[str, Any] = {"assignee_id": numeric_id(request.agent_id, "agent")}
    group_id = groups.group_id(request.group)
    if group_id is not None:
        changes["group_id"] = group_id
    if safe and request.expected_updated_at is not None:
        changes["safe_update"] = True
        changes["updated_stamp"] = iso_z(request.expected_updated_at)
    if request.note:
        changes["comment"] = {"body": request.note, "public": False}
    return changes


def history_from_json(
    raw: Mapping[str, Any], metrics: Mapping[str, Any] | None, groups: GroupDirectory
) -> HistoryRecord:
    """A history record from a solved/closed ticket and its ``metric_set`` (if sideloaded)."""
    ticket = ticket_from_json(raw, groups)
    metrics = metrics or {}
    return HistoryRecord.of_ticket(
        ticket,
        str(raw.get("status")),
        brand=ticket.brand,
        first_assigned_at=parse_time(metrics.get("initially_assigned_at")),
        first_reply_at=_first_reply(ticket.created_at, metrics),
        solved_at=parse_time(metrics.get("solved_at")) or ticket.updated_at,
        reopens=_count(metrics.get("reopens")),
    )


def _count(value: object) -> int | None:
    """A metric-set count (``reopens``), or None when absent or not a count."""
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def _reply_field(created: datetime, metrics: Mapping[str, Any]) -> dict[str, str | None]:
    """``first_reply_at`` from a metric set; left out when its reply time is unreadable."""
    try:
        reply = _first_reply(created, metrics)
    except (TypeError, ValueError, AttributeError):
        return {}
    return {FIRST_REPLY_FIELD: iso_z(reply) if reply is not None else None}


def _first_reply(created: datetime, metrics: Mapping[str, Any]) -> datetime | None:
    minutes = (metrics.get("reply_time_in_minutes") or {}).get("calendar")
    return None if minutes is None else created + timedelta(minutes=float(minutes))
