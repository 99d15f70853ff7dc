"""The interface every help-desk connector implements, and the values it exchanges.

The sidecar talks to Zendesk, Freshdesk, Request Tracker and the sandbox only through
``Connector``; one contract test suite runs over every implementation.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol, runtime_checkable

from connectors.errors import ConnectorError, RetriableError
from connectors.outcomes import WriteOutcome, outcome_of
from connectors.transport import TransportStats
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
class Listed:
    """A ticket a listing names, with the version (``updated_at``) the listing shows."""

    ticket_id: str
    updated_at: datetime | None


@dataclass(frozen=True, kw_only=True, slots=True)
class UnassignedPage:
    """One page of the open unassigned tickets in the routed scope (``Connector.unassigned``).

    ``cursor`` is where the listing goes on; None when it has reached its end, or the end
    the help desk lets a listing reach (``capped``: Zendesk's search stops at 1,000 results,
    Freshdesk's at 300). A listing comes from a search index that trails writes by minutes,
    so it may still name a ticket just assigned and miss one just created: the reconciliation
    sweep compares versions with the store and reads what it does not know.
    """

    tickets: tuple[Listed, ...]
    cursor: str | None
    capped: bool = False


@dataclass(frozen=True, kw_only=True, slots=True)
class Holding:
    """One open ticket the help desk says an agent holds, as of ``updated_at``."""

    ticket_id: str
    agent_id: str
    updated_at: datetime | None


@dataclass(frozen=True, kw_only=True, slots=True)
class Holdings:
    """The open tickets per agent as the help desk's search index shows them.

    A search index trails writes (Zendesk: "up to a few minutes"), so the sidecar
    reconciles these with the assignments it made itself: a change younger than ``lag``
    may be missing here. ``complete`` is False when the search was capped (Zendesk 1,000,
    Freshdesk 300 results): then a ticket's absence proves nothing.
    """

    tickets: tuple[Holding, ...]
    complete: bool = True
    lag: timedelta = timedelta(minutes=10)

    def loads(self) -> dict[str, float]:
        """Open tickets per agent id, as the index counts them."""
        counts: dict[str, float] = {}
        for holding in self.tickets:
            counts[holding.agent_id] = counts.get(holding.agent_id, 0.0) + 1.0
        return counts


@dataclass(frozen=True, kw_only=True, slots=True)
class RosterSnapshot:
    """Agents as the help desk reports them, with their open-ticket load when known.

    ``holdings``, when the connector can list them, lets the sidecar reconcile a lagging
    search index with its own record of what it assigned; ``loads`` is the plain count.
    """

    agents: tuple[Agent, ...]
    loads: Mapping[str, float] = field(default_factory=dict)
    holdings: Holdings | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class WriteRequest:
    """Assign one ticket, but only if it still looks as it did when we read it.

    ``expected_updated_at`` is the ticket's ``updated_at`` when the decision was made;
    a connector that finds a later change raises (or reports) a conflict instead of
    overwriting a human. ``group`` is the group the decision puts the ticket in (None:
    leave it); ``note`` is an optional private note with the explanation.
    """

    ticket_id: str
    agent_id: str
    group: str | None = None
    expected_updated_at: datetime | None
    note: str | None = None

    @classmethod
    def of(
        cls,
        assignment: Assignment,
        *,
        expected_updated_at: datetime | None,
        note: str | None = None,
    ) -> WriteRequest:
        """The write that carries out ``assignment``."""
        return cls(
            ticket_id=assignment.ticket_id,
            agent_id=assignment.agent_id,
            group=assignment.group,
            expected_updated_at=expected_updated_at,
            note=note,
        )


@dataclass(frozen=True, kw_only=True, slots=True)
class WriteResult:
    """What happened to one write (``outcome``), with the help desk's words (``detail``).

    ``updated_at`` is the ticket's version after the write (or as a conflict found it) when
    the help desk said. ``fresh`` is the ticket as a conflict check re-read it in full, when
    it did: the caller decides on it instead of reading the ticket again. ``status`` is the
    HTTP status of a refusal, ``retry_after`` the seconds the help desk asked us to wait.
    """

    ticket_id: str
    outcome: WriteOutcome
    detail: str = ""
    updated_at: datetime | None = None
    fresh: Ticket | None = None
    status: int | None = None
    retry_after: float | None = None

    @classmethod
    def of_error(cls, ticket_id: str, error: ConnectorError) -> WriteResult:
        """The result of a write to ``ticket_id`` that raised ``error`` (``outcome_of``)."""
        wait = error.retry_after if isinstance(error, RetriableError) else None
        return cls(
            ticket_id=ticket_id,
            outcome=outcome_of(error),
            detail=str(error),
            status=error.status,
            retry_after=wait,
        )

    @property
    def ok(self) -> bool:
        """True when the assignment is in the help desk."""
        return self.outcome is WriteOutcome.WRITTEN


JobCarried = Callable[[Sequence[str], str], None]
"""Told, as soon as the help desk accepted a bulk job, which tickets it carries and the job's
reference. The caller records it: after a crash, or a job slower than the wait for it, the
tickets are not sent again while that job may still run (it would write them a second time)."""
StillOurs = Callable[[Sequence[str]], Collection[str]]
"""Asked right before a bulk submission with the ticket ids it would carry: those still ours
to send. A caller deposed meanwhile (a leader stalled past its lease) raises instead."""


def _every_id(ticket_ids: Sequence[str]) -> Collection[str]:
    return ticket_ids


def _told_nobody(ticket_ids: Sequence[str], job: str) -> None:
    return None


@dataclass(frozen=True, slots=True)
class BulkHooks:
    """What a bulk write asks and tells its caller while it works.

    The checks before it (freshness reads, retries) can take seconds; a leader stopped in
    that time and resumed after another took its write-backs over would send them a second
    time, so each submission first asks ``still_ours``; ``carried`` is told each job accepted.
    """

    still_ours: StillOurs = _every_id
    carried: JobCarried = _told_nobody


NO_HOOKS = BulkHooks()


def no_longer_ours(ticket_id: str) -> WriteResult:
    """The result of a write not sent because ``still_ours`` left it out: tried again later
    by whoever holds it now (the caller's own retry applies only to rows it still holds)."""
    return WriteResult(
        ticket_id=ticket_id, outcome=WriteOutcome.RETRY_LATER, detail="no longer ours to send"
    )


@runtime_checkable
class Connector(Protocol):
    """A help desk deskroute can read tickets from and write assignments to."""

    name: str
    bulk_threshold: int
    """Writes at or above this many are sent through the bulk endpoint."""
    notes_in_bulk: bool
    read_batch: int
    """Tickets ``read_many`` reads per request (Zendesk's ``show_many``: 100; 1 where the help
    desk has no batch read), so callers can tell what a read costs."""
    """True when ``assign_many`` carries each request's note in the bulk write itself; False
    when a note costs a request of its own (the caller may then post them later, ``add_note``)."""

    def poll(self, cursor: str | None) -> PollPage:
        """Tickets changed since ``cursor`` (None: start from the configured start time)."""
        ...

    def roster(self) -> RosterSnapshot:
        """Agents, their groups, availability and current load."""
        ...

    def unassigned(self, cursor: str | None) -> UnassignedPage:
        """One page of the open unassigned tickets in the scope the poll reads, whatever the
        poll cursor says (``cursor`` None: from the start). One request per page."""
        ...

    def fetch(self, ticket_id: str) -> Ticket:
        """Re-read one ticket (after a conflict, or before a write)."""
        ...

    def fetch_many(self, ticket_ids: Sequence[str]) -> dict[str, Ticket]:
        """Re-read several tickets, in as few requests as the help desk allows; tickets that
        cannot be read are left out. Raises ``RetriableError`` when the help desk is down."""
        ...

    def read_many(self, ticket_ids: Sequence[str]) -> dict[str, Ticket]:
        """Read several tickets in full, as ``fetch`` does (first reply, skills), for intake:
        in as few requests as the help desk allows (Zendesk: 100 a request); tickets that
        cannot be read are left out. Raises ``RetriableError`` when the help desk is down."""
        ...

    def assign(self, request: WriteRequest) -> WriteResult:
        """Write one assignment; raises ``RetriableError``/``FatalError`` for the caller."""
        ...

    def assign_many(
        self, requests: Sequence[WriteRequest], hooks: BulkHooks = NO_HOOKS
    ) -> list[WriteResult]:
        """Write many assignments through the bulk endpoint; one result per request.
        ``hooks`` is asked before each submission and told each job accepted (``BulkHooks``)."""
        ...

    def jobs_running(self, refs: Sequence[str]) -> set[str]:
        """Of the bulk jobs ``refs`` (as ``BulkHooks.carried`` was told them), those the help
        desk has not finished yet; a job it no longer knows is finished. Help desks whose
        bulk writes are synchronous return an empty set."""
        ...

    def add_note(self, ticket_id: str, text: str) -> None:
        """Post a private note on a ticket, sending once; raises the connector's errors (the
        caller keeps the note and retries it)."""
        ...

    def find_overwrites(self, requests: Sequence[WriteRequest]) -> dict[str, WriteResult]:
        """Among writes that landed, those that replaced a person's change made after our
        read (possible where the help desk's bulk write ignores the per-ticket guard): the
        person's values are put back and each is returned as a ``conflict``; a write that
        could not be checked now is returned ``retry_later`` (check it again later, never send it
        again). Help desks whose every write is guarded, or that keep no history to tell,
        return ``{}``."""
        ...

    def budget_left(self) -> float | None:
        """Requests the connector may send now without waiting for its rate budget.

        Read from the connector's own token bucket (corrected by the help desk's rate-limit
        headers), so it costs no request; None when the connector keeps no budget.
        """
        ...

    def traffic(self) -> TransportStats | None:
        """What went over the wire so far, by endpoint and answer (the metrics read it at
        scrape time); None when the connector does no HTTP."""
        ...
