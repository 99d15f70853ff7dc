"""Simulated tickets: built from validated per-category templates, run through business rules.

Also remembers each kind of ticket's routing profile (what decides who may take it) and
the delay after which its policy may judge it differently, so the model asks once per kind.
"""

from __future__ import annotations

import math
from collections.abc import Hashable
from datetime import datetime, timedelta

from router.engine import Router
from router.model import Priority, Ticket
from simulation.records import NAN, TicketRecord
from simulation.scenario import Scenario

PRIORITY = {member.name.lower(): member for member in Priority}

Routing = tuple[Hashable | None, float | None]


def profile(ticket: Ticket, router: Router) -> Hashable | None:
    """What decides a ticket's eligibility: same profile, same instant, same refusal.

    None when the ticket's eligibility changes while it waits (optional skills, revisits).
    """
    if ticket.optional_skills or router.revisit_after(ticket) is not None:
        return None
    return (
        ticket.group, ticket.pool, tuple(sorted(ticket.required_skills.items())),
        ticket.language, ticket.channel, ticket.type, ticket.weight,
    )


_set_attribute = object.__setattr__
_new_ticket = object.__new__


class Template:
    """A category's validated ticket, copied per arrival with that arrival's values."""

    __slots__ = ("fields", "fields_set")

    def __init__(self, ticket: Ticket) -> None:
        self.fields = dict(ticket.__dict__)
        self.fields_set = frozenset(ticket.model_fields_set | {
            "id", "created_at", "priority", "channel", "language", "sla_due_at"})

    def copy(self, ticket_id: str, created_at: datetime, priority: Priority, channel: str,
             language: str, sla_due_at: datetime | None) -> Ticket:
        """The template's ticket with this arrival's id, creation time, priority, channel,
        language and SLA deadline; ``model_copy(update=...)`` without the generic machinery.

        The one place the simulator builds tickets without validation, and why that is
        safe: the template was validated when the scenario was loaded, and the values are
        the arrival's own draws from that validated scenario (its priority, channel and
        language, the simulated clock), so validating every simulated ticket again would
        only cost time. The set of fields given is shared by every copy (a frozen ticket
        never changes it; ``model_copy`` copies it first).
        """
        ticket = _new_ticket(Ticket)
        fields = self.fields.copy()
        fields["id"] = ticket_id
        fields["created_at"] = created_at
        fields["priority"] = priority
        fields["channel"] = channel
        fields["language"] = language
        fields["sla_due_at"] = sla_due_at
        _set_attribute(ticket, "__dict__", fields)
        _set_attribute(ticket, "__pydantic_extra__", None)
        _set_attribute(ticket, "__pydantic_fields_set__", self.fields_set)
        _set_attribute(ticket, "__pydantic_private__", None)
        return ticket


class TicketMaker:
    """Builds the router's ``Ticket`` and the flat record for each arrival."""

    def __init__(self, scenario: Scenario, router: Router, replication: int) -> None:
        self.scenario, self.router, self.replication = scenario, router, replication
        self.rules = bool(router.rules.rules)
        self.policy = router.policy.name
        self._kinds: dict[tuple[str, str, str], Routing] = {}
        self._allowed = {
            priority: timedelta(minutes=minutes)
            for priority, minutes in scenario.sla_min.items() if minutes < math.inf
        }
        self._levels = {  # per priority name: the router's priority, SLA minutes and allowance
            name: (member, self.sla(name), self._allowed.get(name))
            for name, member in PRIORITY.items()
        }
        self._templates = {
            name: Template(Ticket(
                id="template", source="simulation", created_at=scenario.start, type=name,
                group=category.group,
                required_skills={category.skill: category.level} if category.skill else {},
            ))
            for name, category in scenario.traffic.categories.items()
        }

    def sla(self, priority: str) -> float:
        """Minutes to first assignment allowed for ``priority`` (inf when none is set)."""
        return self.scenario.sla_min.get(priority, math.inf)

    def _due(self, now: datetime, priority: str) -> datetime | None:
        """The SLA deadline of a ticket of ``priority`` created at ``now`` (None: no target)."""
        allowed = self._allowed.get(priority)
        return None if allowed is None else now + allowed

    def make(self, number: int, category: str, priority: str, language: str, channel: str,
             now: datetime, minute: float, reopen: bool) -> tuple[Ticket, TicketRecord]:
        """The arriving ticket (after business rules; the SLA follows its final priority)."""
        level, sla, allowed = self._levels[priority]
        ticket = self._templates[category].copy(
            f"{number}r" if reopen else str(number), now, level, channel, language,
            None if allowed is None else now + allowed,
        )
        if self.rules:
            ticket, _ = self.router.enrich(ticket, now)
            if ticket.priority.name.lower() != priority:
                priority = ticket.priority.name.lower()
                sla = self.sla(priority)
                ticket = ticket.model_copy(update={"sla_due_at": self._due(now, priority)})
        record = TicketRecord(  # positional, in field order: keywords cost twice as much
            ticket.id, category, priority, language, channel, ticket.group, minute, sla,
            NAN, None, NAN, NAN, False, NAN, False, reopen, NAN, self.policy, self.replication,
        )
        return ticket, record

    def routing(self, ticket: Ticket, kind: tuple[str, str, str], rewritten: bool) -> Routing:
        """The ticket's routing profile and re-check delay, cached per kind of ticket.

        Tickets of the same ``kind`` (category, language, channel) route alike, unless
        business rules or an escalation (``rewritten``) changed them.
        """
        if self.rules or rewritten:
            return profile(ticket, self.router), self.router.revisit_after(ticket)
        known = self._kinds.get(kind)
        if known is None:
            known = self._kinds[kind] = (
                profile(ticket, self.router), self.router.revisit_after(ticket)
            )
        return known
