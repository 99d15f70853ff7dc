"""Where a ticket stands in the sidecar, and the pure rules that move it.

States (``TicketState``; the values are what the store keeps): ``pending`` (needs a
decision), ``waiting`` (nobody can take it now), ``routed`` (decision made, write-back in
the outbox), ``assigned`` (our write is in the help desk), ``human`` (a person or another
tool owns it: hands off), ``reopened`` (came back with an assignee; the sweep checks that
assignee is available), ``shadow`` (dry-run decision recorded), ``parked`` (cannot be
written; ``reason`` says why), ``closed`` (solved).

Every change of state goes through here: a new version of a ticket moves it by
``next_state``; a decision, a write's outcome and the sweep move it by ``move``, which
refuses (``TransitionError``) a change ``TRANSITIONS`` does not list. The store applies
both (sidecar/store/tickets.py: ``store_version``, ``set_state``).

Connectors put the help desk's status in ``Ticket.custom_fields["status"]`` and the first
agent reply time in ``custom_fields["first_reply_at"]`` (present but empty: no reply yet;
absent: the connector cannot tell, and the first-reply timer stays off for that ticket).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from connectors.base import FIRST_REPLY_FIELD, STATUS_FIELD
from router.model import Ticket

CLOSED_STATUSES = frozenset({"solved", "closed", "resolved", "deleted", "rejected"})
PAUSED_STATUSES = frozenset({"pending", "hold", "on-hold", "stalled", "waiting on customer"})


class TicketState(StrEnum):
    """Where a ticket stands with us (the module docstring says what each means)."""

    PENDING = "pending"
    WAITING = "waiting"
    ROUTED = "routed"
    ASSIGNED = "assigned"
    HUMAN = "human"
    REOPENED = "reopened"
    SHADOW = "shadow"
    PARKED = "parked"
    CLOSED = "closed"


PENDING, WAITING, ROUTED = TicketState.PENDING, TicketState.WAITING, TicketState.ROUTED
ASSIGNED, HUMAN, REOPENED = TicketState.ASSIGNED, TicketState.HUMAN, TicketState.REOPENED
SHADOW, PARKED, CLOSED = TicketState.SHADOW, TicketState.PARKED, TicketState.CLOSED
TO_DECIDE = (PENDING, WAITING)
"""States the router looks at on every pass."""
OURS = (ASSIGNED, REOPENED)
"""States follow-through looks at: our assignment stands (or came back reopened)."""

_NEW_VERSION = frozenset({PENDING, HUMAN, REOPENED, CLOSED})
"""Where any new version may take a ticket that is not ``routed`` or ``shadow``."""
_DECIDED = frozenset({WAITING, SHADOW, ROUTED})
"""What a decision (or follow-through's move) records."""
_SETTLED = frozenset({ASSIGNED, HUMAN, CLOSED, PARKED, PENDING})
"""What a write's outcome leaves: done (ours, or unproven: human/closed), parked, or back
to pending (a conflict, an agent the help desk refused)."""

TRANSITIONS: Mapping[TicketState, frozenset[TicketState]] = {
    PENDING: _NEW_VERSION | _DECIDED,
    WAITING: _NEW_VERSION | _DECIDED,
    ROUTED: _SETTLED,
    SHADOW: frozenset({CLOSED}),
    ASSIGNED: _NEW_VERSION | _DECIDED,
    REOPENED: _NEW_VERSION | _DECIDED | {ASSIGNED},
    HUMAN: _NEW_VERSION,
    PARKED: _NEW_VERSION,
    CLOSED: _NEW_VERSION | _SETTLED,
}
"""The changes of state allowed, from each state (staying put is always allowed).

A ``closed`` ticket may still be settled by the writer: a write sent before the close
landed and is recorded; the next version closes it again."""


class TransitionError(Exception):
    """A change of state that ``TRANSITIONS`` does not allow."""

    def __init__(self, ticket_id: str, current: str, wanted: str) -> None:
        super().__init__(f"ticket {ticket_id}: {current} cannot become {wanted}")
        self.ticket_id, self.current, self.wanted = ticket_id, current, wanted


def allowed(current: TicketState, wanted: TicketState) -> bool:
    """True when a ticket in ``current`` may move to ``wanted``."""
    return wanted == current or wanted in TRANSITIONS[current]


def sources_of(wanted: TicketState) -> tuple[TicketState, ...]:
    """The states a ticket may move to ``wanted`` from (for a guarded update)."""
    return tuple(state for state in TicketState if allowed(state, wanted))


def move(ticket_id: str, current: str, wanted: TicketState) -> TicketState:
    """``wanted``, when a ticket in ``current`` may move there; else ``TransitionError``."""
    if not allowed(TicketState(current), wanted):
        raise TransitionError(ticket_id, current, wanted)
    return wanted


@dataclass(frozen=True, slots=True)
class Known:
    """What the store remembers of a ticket when a new version arrives."""

    state: TicketState
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


def next_state(known: Known | None, ticket: Ticket) -> TicketState:
    """The state a new version of ``ticket`` puts it in, given what we knew before (always
    one ``TRANSITIONS`` allows)."""
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
