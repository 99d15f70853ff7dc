"""Per-ticket history at the sandbox desk: audits and comments, with authors.

Zendesk answers every ticket change with an audit: who (``author_id``, a real user id),
when, through which channel (``via``), and ``events`` -- ``Create`` for each field a new
ticket starts with, ``Change`` with ``value`` and ``previous_value`` for each field a later
write changed (also the desk's own consequences, such as new -> open on assignment), and
``Comment`` for each comment. The audits of a ticket stay in order; a bulk job's changes are
audits of the API user who submitted it. Follows developer.zendesk.com/api-reference/
ticketing/tickets/ticket_audits/ and the audit events reference; ids in event values are
strings, as in recorded create/update answers.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sandbox.store import TicketRecord

AUDITED = (
    "subject",
    "requester_id",
    "status",
    "priority",
    "type",
    "group_id",
    "assignee_id",
    "tags",
)
"""Ticket fields whose creation and changes the audits record, in event order."""
ID_FIELDS = frozenset({"requester_id", "group_id", "assignee_id"})
AUDIT_BASE, EVENT_BASE, COMMENT_BASE = 50_000_000_000, 60_000_000_000, 70_000_000_000
ZENDESK_CHANNELS = {"phone": "voice", "portal": "web"}


@dataclass(frozen=True, kw_only=True, slots=True)
class Origin:
    """Who makes a change and through which channel (``via.channel``)."""

    actor: str
    author_id: int
    channel: str


@dataclass(frozen=True, kw_only=True, slots=True)
class Recipients:
    """Addresses a comment was sent to (Freshdesk conversations carry them)."""

    to_emails: tuple[str, ...] = ()
    cc_emails: tuple[str, ...] = ()
    bcc_emails: tuple[str, ...] = ()


NO_RECIPIENTS = Recipients()


@dataclass(frozen=True, kw_only=True, slots=True)
class Comment:
    """One comment: the description, a public reply or a private note."""

    id: int
    ticket_id: int
    audit_id: int
    author_id: int
    actor: str
    body: str
    public: bool
    kind: str
    """``description``, ``comment`` (Zendesk), ``reply`` or ``note`` (Freshdesk)."""
    channel: str
    created_at: datetime
    recipients: Recipients = NO_RECIPIENTS

    @property
    def private(self) -> bool:
        """Freshdesk's name for a comment that is not public."""
        return not self.public

    @property
    def incoming(self) -> bool:
        """True when the requester wrote it (Freshdesk's ``incoming``)."""
        return self.actor == "customer"


@dataclass(frozen=True, kw_only=True, slots=True)
class AuditEvent:
    """One event of an audit; ``comment`` only on ``Comment`` events."""

    id: int
    type: str
    field_name: str | None = None
    value: Any = None
    previous_value: Any = None
    comment: Comment | None = None


@dataclass(kw_only=True, slots=True)
class Audit:
    """Everything one write did to one ticket."""

    id: int
    ticket_id: int
    created_at: datetime
    origin: Origin
    client: str | None = None
    events: list[AuditEvent] = field(default_factory=list)


@dataclass(slots=True)
class AuditSlot:
    """An open grouping of writes to one ticket into one audit (one API request)."""

    ticket: TicketRecord
    origin: Origin
    client: str | None
    audit: Audit | None = None


class TicketHistory:
    """Audits and comments of every ticket; the desk's lock guards every call."""

    def __init__(self) -> None:
        self.audits: dict[int, list[Audit]] = {}
        self._state: dict[int, dict[str, Any]] = {}
        self._slot: AuditSlot | None = None
        self._audit_ids = itertools.count(AUDIT_BASE + 1)
        self._event_ids = itertools.count(EVENT_BASE + 1)
        self._comment_ids = itertools.count(COMMENT_BASE + 1)

    @contextmanager
    def one_audit(
        self, ticket: TicketRecord, origin: Origin, client: str | None = None
    ) -> Iterator[AuditSlot]:
        """Group the writes made inside into one audit of ``ticket``, as one Zendesk update
        request makes one audit; an update that changed nothing still gets an empty one."""
        slot = AuditSlot(ticket, origin, client)
        self._slot = slot
        try:
            yield slot
        finally:
            self._slot = None
        if slot.audit is None:
            slot.audit = self._new_audit(ticket, origin, client)

    def of(self, ticket_id: int) -> list[Audit]:
        """The ticket's audits, oldest first."""
        return list(self.audits.get(ticket_id, ()))

    def record(self, ticket: TicketRecord, origin: Origin) -> Audit | None:
        """Audit what changed in ``ticket`` since the last record (all of it when new)."""
        now = {name: _copy(getattr(ticket, name)) for name in AUDITED}
        before = self._state.get(ticket.id)
        self._state[ticket.id] = now
        if before is None:
            return self._created(ticket, origin, now)
        changed = [name for name in AUDITED if now[name] != before[name]]
        if not changed:
            return None
        audit = self._audit_for(ticket, origin)
        audit.events.extend(
            AuditEvent(
                id=next(self._event_ids),
                type="Change",
                field_name=name,
                value=_wire(name, now[name]),
                previous_value=_wire(name, before[name]),
            )
            for name in changed
        )
        return audit

    def add_comment(
        self,
        ticket: TicketRecord,
        origin: Origin,
        body: str,
        *,
        public: bool,
        kind: str,
        recipients: Recipients = NO_RECIPIENTS,
    ) -> Comment:
        """Add a comment to the ticket (and its ``Comment`` event to an audit)."""
        return self._comment(
            ticket,
            self._audit_for(ticket, origin),
            origin,
            body,
            public=public,
            kind=kind,
            recipients=recipients,
        )

    def _comment(
        self,
        ticket: TicketRecord,
        audit: Audit,
        origin: Origin,
        body: str,
        *,
        public: bool,
        kind: str,
        recipients: Recipients = NO_RECIPIENTS,
    ) -> Comment:
        comment = Comment(
            id=next(self._comment_ids),
            ticket_id=ticket.id,
            audit_id=audit.id,
            author_id=origin.author_id,
            actor=origin.actor,
            body=body,
            public=public,
            kind=kind,
            channel=origin.channel,
            created_at=audit.created_at,
            recipients=recipients,
        )
        audit.events.append(AuditEvent(id=next(self._event_ids), type="Comment", comment=comment))
        ticket.notes.append(comment)
        return comment

    def _created(self, ticket: TicketRecord, origin: Origin, values: dict[str, Any]) -> Audit:
        audit = self._audit_for(ticket, origin)
        # the description is the first comment, written in the requester's name
        describer = Origin(actor="customer", author_id=ticket.requester_id, channel=origin.channel)
        self._comment(ticket, audit, describer, ticket.description, public=True, kind="description")
        audit.events.extend(
            AuditEvent(
                id=next(self._event_ids),
                type="Create",
                field_name=name,
                value=_wire(name, values[name]),
            )
            for name in AUDITED
        )
        return audit

    def _audit_for(self, ticket: TicketRecord, origin: Origin) -> Audit:
        slot = self._slot
        if slot is not None and slot.ticket.id == ticket.id:
            if slot.audit is None:
                slot.audit = self._new_audit(ticket, slot.origin, slot.client)
            return slot.audit
        return self._new_audit(ticket, origin, None)

    def _new_audit(self, ticket: TicketRecord, origin: Origin, client: str | None) -> Audit:
        audit = Audit(
            id=next(self._audit_ids),
            ticket_id=ticket.id,
            created_at=ticket.updated_at,
            origin=origin,
            client=client,
        )
        self.audits.setdefault(ticket.id, []).append(audit)
        return audit


def channel_of(actor: str, ticket_channel: str) -> str:
    """Zendesk's ``via.channel`` of a change: ``api`` for API users, ``web`` for people at
    their desks, the ticket's own channel for its requester."""
    if actor.startswith("api:") or actor == "api":
        return "api"
    if actor.startswith("human:"):
        return "web"
    if actor == "customer":
        return ZENDESK_CHANNELS.get(ticket_channel, ticket_channel)
    return "system"


def _copy(value: Any) -> Any:
    return list(value) if isinstance(value, list) else value


def _wire(name: str, value: Any) -> Any:
    """An event value as Zendesk writes it: ids as strings, tags as a list, null as null."""
    if value is None:
        return None
    if name in ID_FIELDS:
        return str(value)
    return value
