"""Pure mapping between Request Tracker 5 REST 2 JSON and deskroute values; no I/O here.

RT's quirks handled here: ids are integers in a single ticket and strings in lists;
priorities and times are strings; unset dates are the epoch; ``CustomFields`` is ``""``
in lists when a queue has none; the owner of an unowned ticket is the user ``Nobody``;
and a refused owner change still answers HTTP 200 with a message array.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from connectors.base import STATUS_FIELD
from connectors.errors import SkippableError
from connectors.skills import parse_skills
from connectors.values import (
    NO_GROUPS,
    GroupDirectory,
    optional_str,
    parse_time,
    require_time,
)
from router.model import Agent, Capacity, Priority, Ticket

SOURCE = "rt"
NOBODY = "Nobody"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
SKILLS_FIELD = "deskroute_skills"
TICKET_FIELDS = "Subject,Queue,Owner,Status,Priority,Created,LastUpdated,Due,CustomFields,Requestor"
# The help desk's status goes in STATUS_FIELD. No FIRST_REPLY_FIELD: only unowned tickets
# are polled, so a reply to an assigned ticket would never be seen, and the first-reply
# timer must stay off rather than move tickets whose agent did answer.
PRIORITY_BANDS = ((90, Priority.URGENT), (60, Priority.HIGH), (25, Priority.NORMAL))
"""RT's 0-99 scale (Low 0, Medium 50, High 100 by default) cut into our four levels."""


def priority_from_rt(value: Any) -> Priority:
    """Our priority for RT's numeric one: below 25 low, below 60 normal, below 90 high."""
    try:
        number = int(float(str(value)))
    except ValueError:
        return Priority.NORMAL
    for floor, priority in PRIORITY_BANDS:
        if number >= floor:
            return priority
    return Priority.LOW


def _reference_id(value: Any) -> str | None:
    """The ``id`` of an RT object reference ``{"id", "type", "_url"}`` (or a bare value)."""
    if isinstance(value, Mapping):
        return optional_str(value.get("id"))
    return optional_str(value)


def requestor_email(value: Any) -> str | None:
    """A requestor's e-mail address: the ``EmailAddress`` a search asked for with
    ``fields[Requestor]=EmailAddress`` (REST 2 expands a reference's fields the same way as
    ``fields[Queue]``), else the user reference's id when it is an address (RT names a user it
    creates from an incoming mail after the address). None otherwise: the trace says so."""
    if isinstance(value, Mapping) and value.get("EmailAddress"):
        return str(value["EmailAddress"])
    found = _reference_id(value)
    return found if found is not None and "@" in found else None


def owner_of(raw: Mapping[str, Any]) -> str | None:
    """The ticket's owner name, None when it is unowned (``Nobody``)."""
    owner = _reference_id(raw.get("Owner"))
    return None if owner in (None, NOBODY) else owner


def queue_of(raw: Mapping[str, Any], queues: GroupDirectory) -> str | None:
    """The ticket's queue name: the name RT included, else looked up by id."""
    queue = raw.get("Queue")
    if isinstance(queue, Mapping) and queue.get("Name"):
        return str(queue["Name"])
    return queues.name(_reference_id(queue))


def rt_time(value: Any) -> datetime | None:
    """A timestamp, None for RT's "not set" (the epoch) or a missing value."""
    moment = parse_time(value)
    return None if moment is None or moment <= EPOCH else moment


def custom_fields(raw: Mapping[str, Any]) -> dict[str, Any]:
    """Custom field values by name: one value as a string, several as a tuple, none left out."""
    found: dict[str, Any] = {}
    for field in raw.get("CustomFields") or ():
        if not isinstance(field, Mapping) or not field.get("name"):
            continue
        values = [str(v) for v in field.get("values") or () if v not in (None, "")]
        if values:
            found[str(field["name"])] = values[0] if len(values) == 1 else tuple(values)
    return found


def lifecycle_fields(raw: Mapping[str, Any]) -> dict[str, str]:
    """RT's status, for the sidecar's lifecycle (absent when the reply did not include it)."""
    return {STATUS_FIELD: str(raw["Status"])} if raw.get("Status") else {}


def ticket_from_json(
    raw: Mapping[str, Any], queues: GroupDirectory | None = None, body: str = ""
) -> Ticket:
    """A ``Ticket`` from a single ticket or a search item requested with ``TICKET_FIELDS``."""
    ticket_id = str(raw.get("id", ""))
    requestors = raw.get("Requestor") or ()
    try:
        return Ticket(
            id=ticket_id,
            source=SOURCE,
            subject=str(raw.get("Subject") or ""),
            body=body,
            requester=_reference_id(requestors[0]) if requestors else None,
            requester_email=requestor_email(requestors[0]) if requestors else None,
            priority=priority_from_rt(raw.get("Priority", 50)),
            custom_fields={**custom_fields(raw), **lifecycle_fields(raw)},
            created_at=require_time(raw.get("Created"), f"ticket {ticket_id}"),
            updated_at=rt_time(raw.get("LastUpdated")),
            sla_due_at=rt_time(raw.get("Due")),
            group=queue_of(raw, queues or NO_GROUPS),
            assignee=owner_of(raw),
        )
    except ValueError as error:  # pydantic's ValidationError is a ValueError
        raise SkippableError(f"ticket {ticket_id!r} is not valid: {error}") from None


def first_message(attachments: Iterable[Mapping[str, Any]]) -> str:
    """The text of a ticket's first plain-text attachment (its opening message)."""
    for attachment in attachments:
        if str(attachment.get("ContentType", "")).startswith("text/plain"):
            return str(attachment.get("Content") or "").strip()
    return ""


def quote(value: str) -> str:
    """A TicketSQL string literal."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def any_of(field: str, values: Sequence[str]) -> str:
    """``(field = 'a' OR field = 'b')``."""
    return "(" + " OR ".join(f"{field} = {quote(value)}" for value in values) + ")"


def unowned_query(queues: Sequence[str], statuses: Sequence[str], after_id: int) -> str:
    """TicketSQL for unowned tickets in ``queues`` with one of ``statuses``, ids past the cursor."""
    return (
        f"{any_of('Queue', queues)} AND {any_of('Status', statuses)} "
        f"AND Owner = {quote(NOBODY)} AND id > {after_id}"
    )


def owned_query(queues: Sequence[str]) -> str:
    """TicketSQL for the active, owned tickets in ``queues`` (each agent's load)."""
    return f"{any_of('Queue', queues)} AND Owner != {quote(NOBODY)} AND Status = '__Active__'"


def search_params(
    query: str, per_page: int, page: int = 1, fields: str = "Owner"
) -> dict[str, Any]:
    """Query parameters of ``GET /tickets``, ordered by id so keyset paging is stable."""
    return {
        "query": query,
        "orderby": "id",
        "order": "ASC",
        "per_page": per_page,
        "page": page,
        "fields": fields,
        "fields[Queue]": "Name",
        "fields[Requestor]": "EmailAddress",
    }


def parse_cursor(cursor: str | None) -> int:
    """The last ticket id already polled (0 before the first poll)."""
    if cursor is None or cursor == "":
        return 0
    try:
        return max(0, int(cursor))
    except ValueError:
        raise ValueError(f"not an RT poll cursor: {cursor!r} (expected a ticket id)") from None


def last_id(items: Iterable[Mapping[str, Any]], after: int) -> int:
    """The new cursor: the highest numeric ticket id in ``items``, else ``after``."""
    ids = [int(str(item.get("id"))) for item in items if str(item.get("id")).isdigit()]
    return max([after, *ids])


def loads_from_items(items: Iterable[Mapping[str, Any]]) -> dict[str, float]:
    """Open tickets per owner name, from search items that carry ``Owner``."""
    loads: dict[str, float] = {}
    for item in items:
        owner = owner_of(item)
        if owner is not None:
            loads[owner] = loads.get(owner, 0.0) + 1.0
    return loads


ALL_QUEUES = "*"


def owner_groups(items: Sequence[str], queues: Sequence[str]) -> dict[str, str]:
    """Queue -> owner group from ``Queue=Group`` items; a bare ``Group`` applies to every queue.

    Raises ``ValueError`` for a queue that is not routed or a queue named twice.
    """
    found: dict[str, str] = {}
    for item in items:
        queue, sep, group = item.partition("=")
        queue, group = (queue.strip(), group.strip()) if sep else (ALL_QUEUES, queue.strip())
        if not group or (queue != ALL_QUEUES and queue not in queues):
            raise ValueError(f"{item!r}: expected Queue=Group with a routed queue, or a group")
        if queue in found:
            raise ValueError(f"{item!r}: {queue} already has owner group {found[queue]!r}")
        found[queue] = group
    return found


def owner_group_of(queue: str, groups: Mapping[str, str]) -> str | None:
    """The group whose members own ``queue``'s tickets; None: use the queue's AdminCc."""
    return groups.get(queue, groups.get(ALL_QUEUES))


@dataclass(frozen=True, slots=True)
class Members:
    """A group's or role's direct members: user names and nested group ids."""

    users: tuple[str, ...]
    groups: tuple[str, ...]


def members_of(references: Iterable[Mapping[str, Any]]) -> Members:
    """Split ``[{"type": "user"|"group", "id": ...}]`` (group ``Members``, queue ``AdminCc``)."""
    users: list[str] = []
    groups: list[str] = []
    for reference in references:
        ident = _reference_id(reference)
        if ident is None:
            continue
        (groups if reference.get("type") == "group" else users).append(ident)
    return Members(tuple(users), tuple(groups))


def agent_from_json(user: Mapping[str, Any], groups: Iterable[str], max_load: float) -> Agent:
    """An ``Agent`` from ``GET /user/:name``; groups are the queues (and group) it may own in."""
    name = str(user.get("Name") or user.get("id") or "")
    fields = {str(f.get("name")): f.get("values") for f in _list(user.get("CustomFields"))}
    skills_text = " ".join(str(v) for v in fields.get(SKILLS_FIELD) or ())
    return Agent(
        id=name,
        name=str(user.get("RealName") or name),
        groups=frozenset(groups),
        skills=parse_skills(skills_text or None),
        capacity=Capacity(max_load=max_load),
    )


def _list(value: Any) -> list[Mapping[str, Any]]:
    return [item for item in value if isinstance(item, Mapping)] if isinstance(value, list) else []


# -- writes ----------------------------------------------------------------------------------
OWNER_CHANGED = re.compile(r"Owner changed from (?P<old>.+?) to (?P<new>.+)$")


@dataclass(frozen=True, slots=True)
class UpdateVerdict:
    """What RT's message array says about an update: ``changed``, ``unchanged`` or ``refused``."""

    outcome: str
    detail: str = ""


def owner_verdict(messages: Any, agent: str) -> UpdateVerdict:
    """Read the reply to ``PUT /ticket/:id {"Owner": agent}`` (HTTP 200 even when refused)."""
    lines = [str(m) for m in messages] if isinstance(messages, list) else [str(messages)]
    for line in lines:
        match = OWNER_CHANGED.search(line)
        if match and match["new"].strip() == agent:
            return UpdateVerdict("changed", line)
    if not lines:
        return UpdateVerdict("unchanged")
    return UpdateVerdict("refused", "; ".join(_without_ticket_prefix(line) for line in lines))


OWNER_REFUSALS = ("That user does not exist", "That user may not own tickets in that queue")
"""RT's words (RT::Ticket::SetOwner) when the owner themselves is refused: deleted or
disabled, or without the OwnTicket right in the queue any more (left the owner group)."""


def refuses_owner(detail: str) -> bool:
    """True when RT refused an owner change because of the chosen owner."""
    return any(words in detail for words in OWNER_REFUSALS)


def update_verdict(messages: Any, field: str) -> UpdateVerdict:
    """Read the reply to a one-field update: RT says ``<field> changed from`` when it worked."""
    lines = [str(m) for m in messages] if isinstance(messages, list) else [str(messages)]
    if not lines:
        return UpdateVerdict("unchanged")
    if any(f"{field} changed from" in line for line in lines):
        return UpdateVerdict("changed", "; ".join(lines))
    return UpdateVerdict("refused", "; ".join(_without_ticket_prefix(line) for line in lines))


def _without_ticket_prefix(line: str) -> str:
    return re.sub(r"^Ticket \d+: ", "", line)


def owner_body(agent: str) -> dict[str, str]:
    """Body of the owner update (RT wants the user name or numeric id, never an e-mail)."""
    return {"Owner": agent}


def queue_body(queue: str) -> dict[str, str]:
    """Body of the queue move."""
    return {"Queue": queue}


def comment_body(note: str) -> dict[str, str]:
    """Body of ``POST /ticket/:id/comment``: a private comment, never mailed to the requester."""
    return {"Content": note, "ContentType": "text/plain"}


def comment_search(ticket_id: str) -> list[dict[str, str]]:
    """``POST /transactions`` filters for the comments on one ticket."""
    return [
        {"field": "ObjectType", "value": "RT::Ticket"},
        {"field": "ObjectId", "value": ticket_id},
        {"field": "Type", "value": "Comment"},
    ]


def changed_since(raw: Mapping[str, Any], expected: datetime | None) -> bool:
    """True when the ticket was updated after ``expected`` (RT keeps whole seconds)."""
    updated = rt_time(raw.get("LastUpdated"))
    if expected is None or updated is None:
        return False
    return updated > expected.replace(microsecond=0)
