"""An in-memory help desk implementing ``Connector``, and a clock the test moves by hand."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from connectors.base import (
    NO_HOOKS,
    BulkHooks,
    Holding,
    Holdings,
    Listed,
    PollPage,
    RosterSnapshot,
    UnassignedPage,
    WriteRequest,
    WriteResult,
)
from connectors.errors import ConnectorError, RetriableError, SkippableError
from connectors.outcomes import WriteOutcome
from router.model import Agent, AgentStatus, Ticket

T0 = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


class FakeClock:
    """A clock that only moves when told to."""

    def __init__(self, start: datetime = T0) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> datetime:
        """Move forward and return the new time."""
        self.now += timedelta(seconds=seconds)
        return self.now


@dataclass
class FakeDesk:
    """A help desk in memory: tickets, agents, a change log to poll, and injectable faults.

    Every write checks ``expected_updated_at`` like Zendesk's safe update; ``faults`` is a
    queue of exceptions raised by the next write calls; ``writes`` logs each assignment.
    """

    clock: FakeClock
    bulk_threshold: int = 5
    name: str = "fake"
    notes_in_bulk: bool = True
    """False: like Freshdesk, a note is a request of its own (the writer posts them later)."""
    read_batch: int = 100
    unassigned_page: int = 50
    """Tickets per page of the open unassigned listing."""
    unassigned_calls: int = 0
    tickets: dict[str, Ticket] = field(default_factory=dict)
    agents: dict[str, Agent] = field(default_factory=dict)
    changes: list[str] = field(default_factory=list)
    faults: list[ConnectorError] = field(default_factory=list)
    writes: list[tuple[str, str]] = field(default_factory=list)
    notes: list[tuple[str, str]] = field(default_factory=list)
    """(ticket, text) of every note: those sent with a write and those posted alone."""
    note_faults: list[ConnectorError] = field(default_factory=list)
    bulk_calls: int = 0
    reads: list[int] = field(default_factory=list)
    """Tickets per read call: 1 for ``fetch``, the batch size for ``fetch_many``."""
    bulk_stamps: bool = True
    """False: bulk results carry no ``updated_at``, as Zendesk's job results."""
    lose_response: bool = False
    reread_on_conflict: bool = False
    """True: a conflict comes back with the ticket as re-read (``WriteResult.fresh``), as
    Zendesk's connector reads it after a 409."""
    down: bool = False
    budget: float | None = None
    """What ``budget_left`` reports (None: this desk keeps no rate budget)."""
    overwrites: dict[str, str] = field(default_factory=dict)
    """Ticket id -> the person's assignee a landed write replaced (``find_overwrites``)."""
    overwrite_checks: list[list[str]] = field(default_factory=list)
    check_faults: list[ConnectorError] = field(default_factory=list)
    """Raised, one per call, by the next ``find_overwrites`` calls."""
    index: Holdings | None = None
    """Set by ``freeze_index``: the roster's open tickets come from a search index that
    stopped catching up at that moment."""

    # --- test controls ------------------------------------------------------------------

    def add_agent(self, agent_id: str, **fields: object) -> Agent:
        """Put an agent on the roster."""
        fields.setdefault("name", agent_id.title())
        agent = Agent(id=agent_id, **fields)  # type: ignore[arg-type]
        self.agents[agent_id] = agent
        return agent

    def set_status(self, agent_id: str, status: AgentStatus) -> None:
        """An agent goes online, away or offline."""
        self.agents[agent_id] = self.agents[agent_id].evolve(status=status)

    def new_ticket(self, ticket_id: str, **fields: object) -> Ticket:
        """A customer opens a ticket."""
        now = self.clock()
        ticket = Ticket(id=ticket_id, source=self.name, created_at=now, updated_at=now, **fields)  # type: ignore[arg-type]
        return self._save(ticket)

    def old_ticket(self, ticket_id: str, **fields: object) -> Ticket:
        """A ticket opened before the poll's lookback: in the desk, not in the change log the
        poll reads (as a new store's first poll starts ``start_lookback_minutes`` back)."""
        then = self.clock() - timedelta(days=2)
        ticket = Ticket(id=ticket_id, source=self.name, created_at=then, updated_at=then, **fields)  # type: ignore[arg-type]
        self.tickets[ticket_id] = ticket
        return ticket

    def human_edit(self, ticket_id: str, **changes: object) -> Ticket:
        """A person changes a ticket (e.g. assigns it) outside deskroute."""
        return self._save(self.tickets[ticket_id].evolve(updated_at=self._tick(), **changes))

    def freeze_index(self) -> None:
        """From now on the roster reads open tickets from an index frozen as they are now."""
        self.index = Holdings(
            tickets=tuple(
                Holding(ticket_id=t.id, agent_id=t.assignee, updated_at=t.updated_at)
                for t in self.tickets.values()
                if t.assignee is not None
            )
        )

    def load_of(self, agent_id: str) -> float:
        """Open tickets assigned to the agent."""
        return float(sum(1 for t in self.tickets.values() if t.assignee == agent_id))

    def _tick(self) -> datetime:
        latest = max((t.updated_at for t in self.tickets.values() if t.updated_at), default=None)
        now = self.clock()
        return now if latest is None or now > latest else latest + timedelta(microseconds=1)

    def _save(self, ticket: Ticket) -> Ticket:
        self.tickets[ticket.id] = ticket
        self.changes.append(ticket.id)
        return ticket

    # --- Connector ----------------------------------------------------------------------

    def poll(self, cursor: str | None) -> PollPage:
        """Tickets changed since the position ``cursor`` names, 50 per page."""
        start = int(cursor or 0)
        ids = self.changes[start : start + 50]
        page = tuple(self.tickets[i] for i in dict.fromkeys(ids))
        end = start + len(ids)
        return PollPage(tickets=page, cursor=str(end), done=end >= len(self.changes))

    def unassigned(self, cursor: str | None) -> UnassignedPage:
        """Open unassigned tickets by id, ``unassigned_page`` a page (the cursor is an
        offset); ``unassigned_calls`` counts the pages read."""
        self.unassigned_calls += 1
        if self.down:
            raise RetriableError("help desk unavailable", status=503)
        start = int(cursor or 0)
        waiting = sorted(
            (t for t in self.tickets.values()
             if t.assignee is None and t.custom_fields.get("status") not in ("solved", "closed")),
            key=lambda t: int(t.id) if t.id.isdigit() else 0,
        )  # fmt: skip
        page = waiting[start : start + self.unassigned_page]
        end = start + len(page)
        return UnassignedPage(
            tickets=tuple(Listed(ticket_id=t.id, updated_at=t.updated_at) for t in page),
            cursor=str(end) if end < len(waiting) else None,
        )

    def roster(self) -> RosterSnapshot:
        """Agents and their open-ticket counts (from a lagging index when ``index_behind``)."""
        agents = tuple(self.agents.values())
        if self.index is not None:
            return RosterSnapshot(agents=agents, loads=self.index.loads(), holdings=self.index)
        return RosterSnapshot(agents=agents, loads={a.id: self.load_of(a.id) for a in agents})

    def fetch(self, ticket_id: str) -> Ticket:
        """The current ticket."""
        self.reads.append(1)
        if ticket_id not in self.tickets:
            raise SkippableError(f"ticket {ticket_id} not found", status=404)
        return self.tickets[ticket_id]

    def fetch_many(self, ticket_ids: Sequence[str]) -> dict[str, Ticket]:
        """The current tickets among ``ticket_ids``."""
        self.reads.append(len(ticket_ids))
        return {i: self.tickets[i] for i in ticket_ids if i in self.tickets}

    def read_many(self, ticket_ids: Sequence[str]) -> dict[str, Ticket]:
        """The current tickets among ``ticket_ids``, 100 per read (as Zendesk's show_many)."""
        found: dict[str, Ticket] = {}
        for start in range(0, len(ticket_ids), 100):
            if self.down:
                raise RetriableError("help desk unavailable", status=503)
            found.update(self.fetch_many(ticket_ids[start : start + 100]))
        return found

    def assign(self, request: WriteRequest) -> WriteResult:
        """Safe update of one ticket."""
        if self.down:
            raise RetriableError("help desk unavailable", status=503)
        if self.faults:
            raise self.faults.pop(0)
        return self._write(request)

    def assign_many(
        self, requests: Sequence[WriteRequest], hooks: BulkHooks = NO_HOOKS
    ) -> list[WriteResult]:
        """Bulk update: one call, one result per request (synchronous: no job)."""
        self.bulk_calls += 1
        if self.down:
            raise RetriableError("help desk unavailable", status=503)
        if self.faults:
            raise self.faults.pop(0)
        results = [self._write(request) for request in requests]
        if self.bulk_stamps:
            return results
        return [
            WriteResult(ticket_id=r.ticket_id, outcome=r.outcome, detail=r.detail) for r in results
        ]

    def add_note(self, ticket_id: str, text: str) -> None:
        """A private note on its own."""
        if self.note_faults:
            raise self.note_faults.pop(0)
        if ticket_id not in self.tickets:
            raise SkippableError(f"ticket {ticket_id} not found", status=404)
        self.notes.append((ticket_id, text))

    def jobs_running(self, refs: Sequence[str]) -> set[str]:
        """Bulk writes here are synchronous: no job is ever running."""
        return set()

    def find_overwrites(self, requests: Sequence[WriteRequest]) -> dict[str, WriteResult]:
        """Writes the test marked as having raced a person: the person's assignee is put back."""
        self.overwrite_checks.append([r.ticket_id for r in requests])
        if self.check_faults:
            raise self.check_faults.pop(0)
        found: dict[str, WriteResult] = {}
        for request in requests:
            ticket_id = request.ticket_id
            person = self.overwrites.pop(ticket_id, None)
            if person is not None:
                restored = self.human_edit(ticket_id, assignee=person)
                found[ticket_id] = WriteResult(
                    ticket_id=ticket_id,
                    outcome=WriteOutcome.CONFLICT,
                    detail="raced a person",
                    updated_at=restored.updated_at,
                )
        return found

    def budget_left(self) -> float | None:
        """The rate budget the test set."""
        return self.budget

    def traffic(self) -> None:
        """No HTTP: nothing to count."""
        return None

    def _write(self, request: WriteRequest) -> WriteResult:
        ticket_id = request.ticket_id
        current = self.tickets.get(ticket_id)
        if current is None:
            return WriteResult(ticket_id=ticket_id, outcome=WriteOutcome.PARKED, detail="not found")
        expected = request.expected_updated_at
        if expected is not None and current.updated_at and current.updated_at > expected:
            fresh = self.fetch(ticket_id) if self.reread_on_conflict else None
            return WriteResult(
                ticket_id=ticket_id, outcome=WriteOutcome.CONFLICT, detail="stale", fresh=fresh
            )
        updated = self.human_edit(ticket_id, assignee=request.agent_id)
        self.writes.append((ticket_id, request.agent_id))
        if request.note:
            self.notes.append((ticket_id, request.note))
        if self.lose_response:
            raise RetriableError("connection reset after the write")
        return WriteResult(
            ticket_id=ticket_id, outcome=WriteOutcome.WRITTEN, updated_at=updated.updated_at
        )
