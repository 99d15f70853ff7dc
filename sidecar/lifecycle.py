"""Where a ticket stands in the sidecar, and the pure rules that move it on each new version.

States: ``pending`` (needs a decision), ``waiting`` (nobody can take it now), ``routed``
(decision made, write-back in the outbox), ``assigned`` (our write is in the help desk),
``human`` (a person or another tool owns it: hands off), ``reopened`` (came back with an
assignee; the sweep checks that assignee is available), ``shadow`` (dry-run decision
recorded), ``parked`` (cannot be written; ``reason`` says why), ``closed`` (solved).

Connectors put the help desk's status in ``Ticket.custom_fields["status"]`` and the first
agent reply time in ``custom_fields["first_reply_at"]`` (present but empty: no reply yet;
absent: the connector cannot tell, and the first-reply timer stays off for that ticket).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from connectors.base import FIRST_REPLY_FIELD, STATUS_FIELD
from router.model import Ticket

CLOSED_STATUSES = frozenset({"solved", "closed", "resolved", "deleted", "rejected"})
PAUSED_STATUSES = frozenset({"pending", "hold", "on-hold", "stalled", "waiting on customer"})

PENDING, WAITING, ROUTED, ASSIGNED = "pending", "waiting", "routed", "assigned"
HUMAN, REOPENED, SHADOW, PARKED, CLOSED = "human", "reopened", "shadow", "parked", "closed"
TO_DECIDE = (PENDING, WAITING)
"""States the router looks at on every pass."""


@dataclass(frozen=True, slots=True)
class Known:
    """What the store remembers of a ticket when a new version arrives."""

    state: str
    status: str | None
    our_agent: str | None


def version_key(moment: datetime) -> str:
    """A version's idempotency key: its update time in UTC, ISO 8601."""
    return moment.astimezone(UTC).isoformat()


def version_of(ticket: Ticket) -> str:
    """The idempotency key of one version: its ``updated_at`` (or creation time)."""
    return version_key(ticket.updated_at or ticket.created_at)


def status_of(ticket: Ticket) -> str | None:
    """The help desk's status word, lower case, when the connector supplied it."""
    value = ticket.custom_fields.get(STATUS_FIELD)
    return str(value).strip().lower() if value is not None else None


def first_reply_at(ticket: Ticket) -> datetime | None:
    """When an agent first replied, if the connector knows."""
    value = ticket.custom_fields.get(FIRST_REPLY_FIELD)
    if isinstance(value, datetime):
        return value
    if isinstance(value, str) and value:
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    return None


def reply_known(ticket: Ticket) -> bool:
    """True when the connector reports first replies (the field is present, maybe empty)."""
    return FIRST_REPLY_FIELD in ticket.custom_fields


def reopened(before: str | None, after: str | None) -> bool:
    """True when the status moved from closed or paused back to an active one."""
    if before is None or after is None:
        return False
    was_done = before in CLOSED_STATUSES or before in PAUSED_STATUSES
    return was_done and after not in CLOSED_STATUSES and after not in PAUSED_STATUSES


def next_state(known: Known | None, ticket: Ticket) -> str:
    """The state a new version of ``ticket`` puts it in, given what we knew before."""
    status = status_of(ticket)
    if status in CLOSED_STATUSES:
        return CLOSED
    if known is None:
        return HUMAN if ticket.assignee else PENDING
    if known.state in (ROUTED, SHADOW):
        return known.state  # the writer's conflict check (or the shadow report) decides
    if ticket.assignee and reopened(known.status, status):
        return REOPENED
    if ticket.assignee is None:
        return known.state if known.state in TO_DECIDE else PENDING
    if known.state in (ASSIGNED, REOPENED) and ticket.assignee == known.our_agent:
        return known.state
    return HUMAN
