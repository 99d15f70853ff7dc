"""The sandbox's in-memory help desk: tickets, agents, groups, bulk jobs and an audit log.

One desk serves both API faces (Zendesk and Freshdesk render the same tickets in their
own wire shapes). Every change goes through ``update_ticket``/``set_availability`` so the
audit log records who made it, and listeners (webhooks) hear about it.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sandbox.directory import Directory
from sandbox.history import (
    NO_RECIPIENTS,
    AuditSlot,
    Comment,
    Origin,
    Recipients,
    TicketHistory,
    channel_of,
)

FINISHED = frozenset({"solved", "closed"})
REPEATED_ASSIGNMENT = "ticket.assignment_repeated"
"""Audit event of a write naming the assignee the ticket already has (changes nothing)."""
CUSTOMER = "customer"
"""The actor name of requesters; every other actor is an agent, a person or the API user."""
Listener = Callable[["TicketRecord", str, dict[str, Any]], None]


def utcnow() -> datetime:
    """Now, in UTC, to whole seconds (both vendors' timestamp resolution)."""
    return datetime.now(UTC).replace(microsecond=0)


class DeskError(Exception):
    """A change the desk refuses; ``kind`` is conflict, invalid, not_found or frozen."""

    def __init__(self, kind: str, message: str, field_name: str | None = None) -> None:
        super().__init__(message)
        self.kind, self.field_name = kind, field_name


@dataclass
class TicketRecord:
    """One ticket as the desk stores it (vendor-neutral)."""

    id: int
    subject: str
    description: str
    created_at: datetime
    updated_at: datetime
    seq: int
    status: str = "new"
    priority: str | None = "normal"
    type: str | None = None
    channel: str = "email"
    requester_id: int = 0
    group_id: int | None = None
    assignee_id: int | None = None
    tags: list[str] = field(default_factory=list)
    initially_assigned_at: datetime | None = None
    first_reply_at: datetime | None = None
    solved_at: datetime | None = None
    notes: list[Comment] = field(default_factory=list)
    """Every comment in order, the description first (``Desk.history`` writes them)."""
    spam: bool = False
    deleted: bool = False


@dataclass
class AgentRecord:
    """One agent: identity, groups, skills and whether they take new work."""

    id: int
    name: str
    email: str
    group_ids: set[int] = field(default_factory=set)
    skills: dict[str, int] = field(default_factory=dict)
    available: bool = True
    language: str = "en"
    availability_version: int = 1
    """Goes up by one at every availability change (the Agent Availability API's version)."""
    availability_changed_at: datetime | None = None


@dataclass
class JobRecord:
    """An asynchronous bulk update and, once finished, its per-ticket results."""

    id: str
    vendor: str
    total: int
    created_at: datetime
    status: str = "queued"
    results: list[dict[str, Any]] = field(default_factory=list)
    updated_at: datetime | None = None


class Desk:
    """Thread-safe state of the sandbox help desk."""

    bulk_safe_update: bool = True
    """Whether bulk jobs honour per-ticket safe-update stamps (the account profile decides:
    Zendesk documents ``safe_update`` for the single-ticket update only)."""

    def __init__(self, *, clock: Callable[[], datetime] = utcnow) -> None:
        self.lock = threading.RLock()
        self.clock = clock
        self.tickets: dict[int, TicketRecord] = {}
        self.agents: dict[int, AgentRecord] = {}
        self.groups: dict[int, str] = {}
        self.jobs: dict[str, JobRecord] = {}
        self.audit: list[dict[str, Any]] = []
        self.listeners: list[Listener] = []
        self.directory = Directory(clock)
        self.history = TicketHistory()
        self._ticket_ids = itertools.count(1)
        self._seq = itertools.count(1)
        self._job_ids = itertools.count(1)

    # -- set-up ----------------------------------------------------------------------------
    def add_group(self, group_id: int, name: str) -> None:
        """Create a group."""
        with self.lock:
            self.groups[group_id] = name
            self.directory.stamp(self.directory.groups, group_id)

    def add_agent(self, agent: AgentRecord) -> None:
        """Create an agent."""
        with self.lock:
            self.agents[agent.id] = agent
            self.directory.stamp(self.directory.agents, agent.id)

    # -- tickets ---------------------------------------------------------------------------
    def create_ticket(self, actor: str, **fields: Any) -> TicketRecord:
        """Create a ticket from vendor-neutral fields; returns it."""
        with self.lock:
            now = fields.pop("created_at", None) or self.clock()
            ticket = TicketRecord(
                id=next(self._ticket_ids),
                created_at=now,
                updated_at=now,
                seq=next(self._seq),
                **fields,
            )
            self.tickets[ticket.id] = ticket
            self._record(actor, "ticket.created", ticket, {"subject": ticket.subject})
            return ticket

    def ticket(self, ticket_id: int) -> TicketRecord:
        """The ticket, or ``DeskError('not_found')``."""
        with self.lock:
            found = self.tickets.get(ticket_id)
            if found is None:
                raise DeskError("not_found", f"ticket {ticket_id} not found")
            return found

    def update_ticket(
        self,
        ticket_id: int,
        changes: dict[str, Any],
        actor: str,
        expected: datetime | None = None,
    ) -> TicketRecord:
        """Apply ``changes``; ``expected`` is a safe-update stamp (stale: conflict)."""
        with self.lock:
            ticket = self.ticket(ticket_id)
            if expected is not None and ticket.updated_at > expected:
                raise DeskError("conflict", "ticket was updated since the given updated_stamp")
            if ticket.spam or ticket.deleted:
                raise DeskError("frozen", "ticket is spam or deleted")
            self._validate(ticket, changes)
            applied = {k: v for k, v in changes.items() if getattr(ticket, k) != v}
            if not applied:
                if changes.get("assignee_id") is not None:
                    self._repeated(actor, ticket, changes["assignee_id"])
                return ticket
            before = {k: getattr(ticket, k) for k in applied}
            self._apply(ticket, applied)
            self._record(actor, _event_name(applied), ticket, applied, before)
            return ticket

    def _validate(self, ticket: TicketRecord, changes: dict[str, Any]) -> None:
        if ticket.status == "closed" and set(changes) - {"tags", "subject", "priority"}:
            raise DeskError("invalid", "closed tickets cannot be changed", "status")
        group_id = changes.get("group_id", ticket.group_id)
        if group_id is not None and group_id not in self.groups:
            raise DeskError("invalid", f"group {group_id} does not exist", "group_id")
        assignee = changes.get("assignee_id")
        if assignee is None:
            return
        agent = self.agents.get(assignee)
        if agent is None:
            raise DeskError("invalid", f"assignee {assignee} is not an agent", "assignee_id")
        if group_id is not None and group_id not in agent.group_ids:
            raise DeskError("invalid", "Assignee is not a member of the group", "assignee_id")

    def _apply(self, ticket: TicketRecord, applied: dict[str, Any]) -> None:
        now = self.clock()
        for key, value in applied.items():
            setattr(ticket, key, value)
        if applied.get("assignee_id") is not None:
            ticket.initially_assigned_at = ticket.initially_assigned_at or now
            if ticket.status == "new":
                ticket.status = "open"
        if applied.get("status") in FINISHED:
            ticket.solved_at = ticket.solved_at or now
        ticket.updated_at = _later(now, ticket.updated_at)
        ticket.seq = next(self._seq)

    def add_note(
        self,
        ticket_id: int,
        body: str,
        actor: str,
        private: bool = True,
        *,
        kind: str = "comment",
        recipients: Recipients = NO_RECIPIENTS,
    ) -> Comment:
        """Add a comment or private note (it also updates the ticket); returns it.

        A public comment by anyone but the customer is an agent's reply: the first one sets
        ``first_reply_at`` (Zendesk's reply time, Freshdesk's ``first_responded_at``).
        ``kind`` says how it was written: ``comment`` (Zendesk), ``reply`` or ``note``.
        """
        with self.lock:
            ticket = self.ticket(ticket_id)
            now = self.clock()
            if not private and actor != CUSTOMER:
                ticket.first_reply_at = ticket.first_reply_at or now
            ticket.updated_at, ticket.seq = _later(now, ticket.updated_at), next(self._seq)
            comment = self.history.add_comment(
                ticket,
                self.origin(actor, ticket),
                body,
                public=not private,
                kind=kind,
                recipients=recipients,
            )
            self._record(actor, "ticket.comment_added", ticket, {"private": private})
            return comment

    def changed_after(self, seq: int, limit: int) -> list[TicketRecord]:
        """Tickets whose last change is after ``seq``, oldest change first."""
        with self.lock:
            found = sorted((t for t in self.tickets.values() if t.seq > seq), key=lambda t: t.seq)
            return found[:limit]

    # -- agents ----------------------------------------------------------------------------
    def set_availability(self, agent_id: int, available: bool, actor: str) -> None:
        """Switch an agent on or off for new work."""
        with self.lock:
            agent = self.agents.get(agent_id)
            if agent is None:
                raise DeskError("not_found", f"agent {agent_id} not found")
            if agent.available != available:
                agent.available = available
                agent.availability_version += 1
                agent.availability_changed_at = self.clock()
                self.audit.append(
                    {
                        "at": self.clock().isoformat(),
                        "actor": actor,
                        "event": "agent.availability_changed",
                        "agent_id": agent_id,
                        "changes": {"available": available},
                    }
                )

    # -- bulk jobs -------------------------------------------------------------------------
    def new_job(self, vendor: str, total: int) -> JobRecord:
        """Register a queued bulk job."""
        with self.lock:
            job = JobRecord(
                id=f"{next(self._job_ids):08x}{vendor[:2]}",
                vendor=vendor,
                total=total,
                created_at=self.clock(),
            )
            self.jobs[job.id] = job
            return job

    def start_job(
        self,
        vendor: str,
        work: list[tuple[int, dict[str, Any]]],
        actor: str,
        delay: float,
        expected: dict[int, datetime] | None = None,
    ) -> JobRecord:
        """Queue a bulk job that runs ``delay`` seconds from now, in the background;
        ``expected`` holds per-ticket safe-update stamps (see ``run_job``)."""
        job = self.new_job(vendor, len(work))
        timer = threading.Timer(delay, self.run_job, (job, work, actor, expected))
        timer.daemon = True
        timer.start()
        return job

    def run_job(
        self,
        job: JobRecord,
        work: Iterable[tuple[int, dict[str, Any]]],
        actor: str,
        expected: dict[int, datetime] | None = None,
    ) -> None:
        """Apply every ``(ticket_id, changes)``; one bad ticket never stops the job.

        A ticket with a stamp in ``expected`` that changed since is refused as a conflict,
        like a single safe update (the stamp is checked when the job reaches the ticket),
        but only on a desk whose ``bulk_safe_update`` is on; otherwise stamps are ignored.
        """
        with self.lock:
            job.status = "working"
        stamps = (expected or {}) if self.bulk_safe_update else {}
        for ticket_id, changes in work:
            try:
                self.update_ticket(ticket_id, changes, actor, stamps.get(ticket_id))
                job.results.append({"id": ticket_id, "success": True, "status": "Updated"})
            except DeskError as error:
                job.results.append(
                    {"id": ticket_id, "success": False, "error": error.kind, "details": str(error)}
                )
        with self.lock:
            job.status, job.updated_at = "completed", self.clock()

    # -- audit -----------------------------------------------------------------------------
    def origin(self, actor: str, ticket: TicketRecord) -> Origin:
        """Who ``actor`` is (a user id) and the channel their change comes through."""
        with self.lock:
            by_name = {a.name: a.id for a in self.agents.values()}
            by_email = {a.email: a.id for a in self.agents.values()}
        author = self.directory.author_id(actor, ticket.requester_id, by_name, by_email)
        return Origin(actor=actor, author_id=author, channel=channel_of(actor, ticket.channel))

    @contextmanager
    def one_audit(
        self, ticket_id: int, actor: str, client: str | None = None
    ) -> Iterator[AuditSlot]:
        """Writes to one ticket inside this block make one audit (one API request); the
        block holds the desk's lock. ``DeskError('not_found')`` for an unknown ticket."""
        with self.lock:
            ticket = self.ticket(ticket_id)
            with self.history.one_audit(ticket, self.origin(actor, ticket), client) as slot:
                yield slot

    def _record(
        self,
        actor: str,
        event: str,
        ticket: TicketRecord,
        changes: dict[str, Any],
        before: dict[str, Any] | None = None,
    ) -> None:
        entry = {
            "at": self.clock().isoformat(),
            "actor": actor,
            "event": event,
            "ticket_id": ticket.id,
            "changes": _jsonable(changes),
        }
        if before is not None:
            entry["before"] = _jsonable(before)
        self.audit.append(entry)
        if event == "ticket.created":
            self.directory.requester(ticket.requester_id, ticket.created_at)
        self.history.record(ticket, self.origin(actor, ticket))
        for listener in list(self.listeners):
            listener(ticket, event, changes)

    def _repeated(self, actor: str, ticket: TicketRecord, assignee_id: int) -> None:
        """An assignment to the agent who already has the ticket: nothing changes, but a
        repeated write is a fact the chaos ledger counts (no listener hears it)."""
        self.audit.append(
            {
                "at": self.clock().isoformat(),
                "actor": actor,
                "event": REPEATED_ASSIGNMENT,
                "ticket_id": ticket.id,
                "changes": {},
                "requested": {"assignee_id": assignee_id},
            }
        )


def _later(now: datetime, previous: datetime) -> datetime:
    """Every change moves ``updated_at`` forward, even twice in one second (stamps are seconds)."""
    return max(now, previous + timedelta(seconds=1))


def _event_name(changes: dict[str, Any]) -> str:
    if "assignee_id" in changes:
        return "ticket.agent_assignment_changed"
    if "group_id" in changes:
        return "ticket.group_assignment_changed"
    if "status" in changes:
        return "ticket.status_changed"
    return "ticket.updated"


def _jsonable(changes: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in changes.items()}
