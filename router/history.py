"""A finished ticket as the history export format records it (docs/history-format.md).

A plain value, like ``router.model.Ticket``: the help desks' exports produce it
(``connectors.history`` reads and writes the JSON lines), the simulator replays it and fits
scenarios from it, the classifier trains on it.
"""

from __future__ import annotations

from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from router.model import Priority, Ticket

FORMAT_VERSION = 1


class HistoryRecord(BaseModel):
    """A finished ticket with its final routing and the timestamps replay and training need."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    id: str = Field(min_length=1)
    source: str = "local"
    subject: str = ""
    body: str = ""
    requester: str | None = None
    organization: str | None = None
    tags: list[str] = Field(default_factory=list)
    priority: str = "normal"
    type: str | None = None
    channel: str = "email"
    language: str | None = None
    brand: str | None = None
    status: str = "solved"
    group: str | None = Field(default=None, description="final group")
    assignee: str | None = Field(default=None, description="final assignee")
    created_at: AwareDatetime
    first_assigned_at: AwareDatetime | None = None
    first_reply_at: AwareDatetime | None = None
    solved_at: AwareDatetime | None = None
    reopens: int | None = Field(
        default=None, ge=0, description="times reopened (Zendesk metric set), if known"
    )

    @classmethod
    def of_ticket(cls, ticket: Ticket, status: str, **outcome: Any) -> HistoryRecord:
        """The record of a finished ``ticket`` as a connector mapped it: its own fields,
        with ``status`` and the ``outcome`` fields (timestamps, counts) the help desk gave."""
        return cls(
            id=ticket.id,
            source=ticket.source,
            subject=ticket.subject,
            body=ticket.body,
            requester=ticket.requester,
            organization=ticket.organization,
            tags=sorted(ticket.tags),
            priority=ticket.priority.name.lower(),
            type=ticket.type,
            channel=ticket.channel,
            status=status,
            group=ticket.group,
            assignee=ticket.assignee,
            created_at=ticket.created_at,
            **outcome,
        )

    def ticket(self) -> Ticket:
        """The ticket as it arrived (unassigned, without its final group)."""
        return Ticket(
            id=self.id,
            source=self.source,
            subject=self.subject,
            body=self.body,
            requester=self.requester,
            organization=self.organization,
            tags=frozenset(self.tags),
            priority=Priority.parse(self.priority),
            type=self.type,
            channel=self.channel,
            language=self.language,
            brand=self.brand,
            created_at=self.created_at,
        )
