"""The small search languages the sandbox understands (enough for the connectors and curl).

Zendesk: space-separated terms, all must hold: ``type:ticket``, ``status:open``,
``status<solved``, ``assignee:none``, ``group:none``, ``tags:x``.
Freshdesk: a double-quoted query of ``field:value`` terms joined by AND/OR (AND binds
tighter), fields ``status``, ``priority``, ``agent_id``, ``group_id`` (``null`` allowed).
"""

from __future__ import annotations

from sandbox.store import TicketRecord

ORDER = ("new", "open", "pending", "hold", "solved", "closed")
FD_STATUS = {"new": 2, "open": 2, "pending": 3, "hold": 3, "solved": 4, "closed": 5}
FD_PRIORITY = {"low": 1, "normal": 2, "high": 3, "urgent": 4}


def zendesk_matches(query: str, ticket: TicketRecord) -> bool:
    """True when ``ticket`` satisfies every term (unknown terms match everything)."""
    return all(_zendesk_term(term, ticket) for term in query.split())


def _zendesk_term(term: str, ticket: TicketRecord) -> bool:
    for op in ("<=", ">=", "<", ">", ":"):
        if op in term:
            field, value = term.split(op, 1)
            break
    else:
        return True
    if field == "type":
        return value == "ticket"
    if field == "status":
        return _compare(ORDER.index(ticket.status), op, ORDER.index(value)) \
            if value in ORDER else False
    if field in ("assignee", "group"):
        current = ticket.assignee_id if field == "assignee" else ticket.group_id
        return current is None if value == "none" else str(current) == value
    if field in ("tags", "tag"):
        return value in ticket.tags
    return True


def _compare(left: int, op: str, right: int) -> bool:
    return {"<": left < right, ">": left > right, "<=": left <= right, ">=": left >= right,
            ":": left == right}[op]


def freshdesk_matches(query: str, ticket: TicketRecord) -> bool:
    """True when ``ticket`` satisfies the OR of AND-groups of ``field:value`` terms."""
    text = query.strip().strip('"').replace("(", " ").replace(")", " ")
    return any(all(_freshdesk_term(term.strip(), ticket) for term in group.split(" AND "))
               for group in text.split(" OR "))


def _freshdesk_term(term: str, ticket: TicketRecord) -> bool:
    field, _, value = term.partition(":")
    value = value.strip().strip("'")
    current: int | None
    if field == "status":
        current = FD_STATUS[ticket.status]
    elif field == "priority":
        current = FD_PRIORITY.get(ticket.priority or "normal", 2)
    elif field == "agent_id":
        current = ticket.assignee_id
    elif field == "group_id":
        current = ticket.group_id
    else:
        return True
    if value == "null":
        return current is None
    return current is not None and str(current) == value
