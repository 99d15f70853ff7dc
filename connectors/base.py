"""The interface every help-desk connector implements, and the values it exchanges.

The sidecar talks to Zendesk, Freshdesk, Request Tracker and the sandbox only through
``Connector``; one contract test suite runs over every implementation.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol, runtime_checkable

from router.decision import Assignment
from router.model import Agent, Ticket

STATUS_FIELD = "status"
"""``Ticket.custom_fields`` key of the help desk's status word (new, open, pending, solved...)."""
FIRST_REPLY_FIELD = "first_reply_at"
"""``Ticket.custom_fields`` key of the first agent reply (ISO 8601). Present but None: nobody
has replied yet. Absent: the connector cannot tell (the sidecar's first-reply timer stays off)."""


@dataclass(frozen=True, kw_only=True, slots=True)
class PollPage:
    """One page of changed tickets and the cursor to persist before asking for the next.

    ``done`` is True when the help desk said there is nothing more right now (Zendesk's
    ``end_of_stream``, a short Freshdesk page); the caller then waits for the next poll.
    """

    tickets: tuple[Ticket, ...]
    cursor: str | None
    done: bool


@dataclass(frozen=True, kw_only=True, slots=True)
class RosterSnapshot:
    """Agents as the help desk reports them, with their open-ticket load when known."""

    agents: tuple[Agent, ...]
    loads: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True, slots=True)
class WriteRequest:
    """Assign one ticket, but only if it still looks as it did when we read it.

    ``expected_updated_at`` is the ticket's ``updated_at`` when the decision was made;
    a connector that finds a later change raises (or reports) a conflict instead of
    overwriting a human. ``note`` is an optional private note with the explanation.
    """

    assignment: Assignment
    expected_updated_at: datetime | None
    note: str | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class WriteResult:
    """What happened to one write: ``ok``, ``conflict``, ``skipped`` or ``failed``."""

    ticket_id: str
    outcome: str
    detail: str = ""
    updated_at: datetime | None = None

    @property
    def ok(self) -> bool:
        """True when the assignment is in the help desk."""
        return self.outcome == "ok"


@runtime_checkable
class Connector(Protocol):
    """A help desk deskroute can read tickets from and write assignments to."""

    name: str
    bulk_threshold: int
    """Writes at or above this many are sent through the bulk endpoint."""

    def poll(self, cursor: str | None) -> PollPage:
        """Tickets changed since ``cursor`` (None: start from the configured start time)."""
        ...

    def roster(self) -> RosterSnapshot:
        """Agents, their groups, availability and current load."""
        ...

    def fetch(self, ticket_id: str) -> Ticket:
        """Re-read one ticket (after a conflict, or before a write)."""
        ...

    def fetch_many(self, ticket_ids: Sequence[str]) -> dict[str, Ticket]:
        """Re-read several tickets, in as few requests as the help desk allows; tickets that
        cannot be read are left out. Raises ``RetriableError`` when the help desk is down."""
        ...

    def assign(self, request: WriteRequest) -> WriteResult:
        """Write one assignment; raises ``RetriableError``/``FatalError`` for the caller."""
        ...

    def assign_many(self, requests: Sequence[WriteRequest]) -> list[WriteResult]:
        """Write many assignments through the bulk endpoint; one result per request."""
        ...

    def budget_left(self) -> float | None:
        """Requests the connector may send now without waiting for its rate budget.

        Read from the connector's own token bucket (corrected by the help desk's rate-limit
        headers), so it costs no request; None when the connector keeps no budget.
        """
        ...
