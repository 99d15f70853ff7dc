"""Simulated tickets: built from validated per-category templates, run through business rules.

Also describes each kind of ticket (``Kind``): the router's pick specialised to it, its
routing profile (what decides who may take it) and the delay after which its policy may
judge it differently, so the model asks the router once per kind, not once per ticket.
"""

from __future__ import annotations

import math
from collections.abc import Hashable
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from router.decision import Choice
from router.engine import Router
from router.model import Priority, Ticket
from router.policies.base import ChooseFn
from router.pydantic_fast import copy_of, fields_of
from router.queue import SortKey
from router.roster import Roster
from simulation.agent_fit import WorkFactors
from simulation.customers import VIP_TAG, Customer, CustomerMemory, LastService
from simulation.records import TicketRecord
from simulation.scenario import Scenario
from simulation.traffic import Arrival

PRIORITY = {member.name.lower(): member for member in Priority}
VIP_TAGS = frozenset({VIP_TAG})


class Kind(NamedTuple):
    """What every ticket of one kind shares in the model."""

    choose: ChooseFn
    """The router's untraced pick, specialised to this kind (``Router.chooser_for``)."""
    profile: Hashable | None
    """Same profile, same instant, same refusal (None: decide each such ticket afresh)."""
    revisits: tuple[float, ...]
    """Waits (seconds) after which the policy may decide such a ticket differently."""
    matches: dict[str, float] | None
    """Each agent's proficiency on such tickets, as learnt (None: work it out each time)."""
    factors: dict[str, WorkFactors] | None = None
    """Each agent's work factors on such tickets (``simulation.agent_fit``), as learnt."""


def profile(ticket: Ticket, router: Router) -> Hashable | None:
    """What decides a ticket's eligibility: same profile, same instant, same refusal.

    None when the ticket's eligibility changes while it waits (optional skills, revisits).
    """
    if ticket.optional_skills or router.revisit_after(ticket) is not None:
        return None
    return routing_fields(ticket)


def routing_fields(ticket: Ticket) -> Hashable:
    """Every field a kind depends on: tickets that agree on these route alike."""
    return (
        ticket.group,
        ticket.pool,
        tuple(sorted(ticket.required_skills.items())),
        tuple(sorted(ticket.optional_skills.items())),
        ticket.language,
        ticket.channel,
        ticket.type,
        ticket.weight,
    )


class Template:
    """The validated ticket of one category, language and channel, copied per arrival with
    that arrival's id, time and priority; and the kind those copies share."""

    __slots__ = ("fields", "fields_set", "group", "kind")

    def __init__(self, ticket: Ticket, kind: Kind) -> None:
        self.fields = dict(fields_of(ticket))
        self.group, self.kind = ticket.group, kind
        # a set, as pydantic keeps it (``model_copy`` copies it, then adds to the copy)
        self.fields_set = ticket.model_fields_set | {"id", "created_at", "priority", "sla_due_at"}

    def copy(
        self, ticket_id: str, created_at: datetime, priority: Priority, sla_due_at: datetime | None
    ) -> Ticket:
        """The template's ticket with this arrival's id, creation time, priority and SLA
        deadline; ``model_copy(update=...)`` without the generic machinery.

        The one place the simulator builds tickets without validation, and why that is
        safe: the template was validated when it was made from the scenario, and the values
        are the arrival's own draws from that validated scenario (its priority, the
        simulated clock), so validating every simulated ticket again would only cost time.
        The set of fields given is shared by every copy (a frozen ticket never changes it;
        ``model_copy`` copies it first).
        """
        fields = self.fields.copy()
        fields["id"] = ticket_id
        fields["created_at"] = created_at
        fields["priority"] = priority
        fields["sla_due_at"] = sla_due_at
        return copy_of(Ticket, fields, self.fields_set)  # pydantic's internals: the adapter

    def copy_for(self, ticket: Ticket, customer: Customer, last: LastService | None) -> Ticket:
        """``ticket`` (a ``copy``) written by ``customer``: its id as ``requester``, the
        ``vip`` tag for a VIP, the shop's context (``Ticket.customer``, which the rules'
        ``customer`` conditions read as they read a live one), its recent contacts (which
        the ``repeat_contact`` signal reads) and who served the customer last, if anyone
        did.

        Unvalidated for the reason ``copy`` gives: a string id, a frozenset of one
        lower-case tag, a context validated when it was drawn, a positive count, an agent id
        of the model's roster and the simulated clock's aware datetime are what validation
        would have kept.
        """
        fields = dict(fields_of(ticket))
        given: dict[str, Any] = {"requester": customer.id}
        if customer.vip:
            given["tags"] = VIP_TAGS
        if customer.context is not None:  # a validated CustomerContext (simulation.customers)
            given["customer"] = customer.context
        if customer.recent_contacts:  # a positive count, as the sidecar's store gives it
            given["recent_contacts"] = customer.recent_contacts
        if last is not None:
            given["previous_agent"], given["previous_agent_at"] = last
        fields.update(given)
        return copy_of(Ticket, fields, self.fields_set | given.keys())

    def saying(self, ticket: Ticket, text: str) -> Ticket:
        """``ticket`` (a ``copy``) with the customer's ``text`` as its body (unvalidated for
        the reason ``copy`` gives: a string from the shipped dataset)."""
        fields = dict(fields_of(ticket))
        fields["body"] = text
        return copy_of(Ticket, fields, ticket.model_fields_set | {"body"})


class SimTicket:
    """One ticket in the model: the router's ``Ticket``, its kind, its record, the arrival's
    draws, and where the model has it (waiting in the backlog, served)."""

    __slots__ = (
        "arrival",
        "choice",
        "key",
        "kind",
        "klass",
        "profile",
        "record",
        "reopen_chance",
        "state",
        "ticket",
    )

    choice: Choice  # set when the work starts
    reopen_chance: float  # set when the work starts, when agent fit is in use
    key: SortKey  # key and klass: set by the backlog when the ticket starts waiting
    klass: str
    state: str  # waiting -> served | abandoned; set when the ticket waits or is served

    def __init__(self, ticket: Ticket, kind: Kind, record: TicketRecord, arrival: Arrival) -> None:
        self.ticket = ticket  # one statement each: four at once would build a tuple first
        self.kind = kind
        self.record = record
        self.arrival = arrival
        self.profile: Hashable | None = kind.profile
        """Its kind's routing profile: same profile, same instant, same refusal (the
        backlog reads it for every waiting ticket it walks past)."""


class TicketMaker:
    """Builds the router's ``Ticket``, its kind and the flat record for each arrival."""

    def __init__(
        self, scenario: Scenario, router: Router, roster: Roster, replication: int
    ) -> None:
        self.scenario, self.router, self.roster = scenario, router, roster
        self.replication = replication
        self.enriches = bool(router.rules.rules) or router.language.detect
        """The router changes tickets before its policy sees them (business rules, language
        detection: ``Router.enrich``, as on the sidecar); otherwise a template's kind holds."""
        self.policy = router.policy.name
        # per priority name: the router's priority, SLA minutes and allowance (None: no target)
        self._levels: dict[str, tuple[Priority, float, timedelta | None]] = {}
        for name, member in PRIORITY.items():
            sla = scenario.sla_min.get(name, math.inf)
            self._levels[name] = (member, sla, timedelta(minutes=sla) if sla < math.inf else None)
        self._templates: dict[tuple[str, str, str], Template] = {}
        self._rewritten: dict[Hashable, Kind] = {}  # kinds of tickets the rules rewrote
        self.memory = CustomerMemory() if scenario.traffic.customers is not None else None
        """Who served each customer last (the model tells it; None: no customers)."""
        self.roster_wide = router.roster_wide
        """The policy keeps a reserve: priority decides refusals too (``profile_of``)."""

    def make(self, arrival: Arrival, now: datetime, minute: float, reopen: bool) -> SimTicket:
        """The arriving ticket (after business rules; the SLA follows its final priority),
        with its kind and its record.

        Tickets with the same category, language and channel are copies of one template
        that differ only in id, times and priority, so they route alike and share a kind;
        tickets the business rules rewrote share one when their routing fields agree.
        """
        category, priority = arrival.category, arrival.priority
        language, channel = arrival.language, arrival.channel
        level, sla, allowed = self._levels[priority]
        template = self._templates.get((category, language, channel)) or self._template(
            category, language, channel
        )
        ticket_id = f"{arrival.number}r" if reopen else str(arrival.number)
        ticket = template.copy(ticket_id, now, level, None if allowed is None else now + allowed)
        memory = self.memory  # None unless the scenario has customers: nothing to read
        customer = None if memory is None else arrival.customer
        if customer is not None and memory is not None:
            ticket = template.copy_for(ticket, customer, memory.last(customer.id))
        if arrival.text is not None:
            ticket = template.saying(ticket, arrival.text)
        if self.enriches:
            ticket, priority, sla = self._enriched(ticket, now, priority, sla)
            group, kind = ticket.group, self._rewritten_kind(ticket)
        else:
            group, kind = template.group, template.kind
        record = TicketRecord(  # positional: the values known on arrival, in field order
            ticket_id, category, priority, language, channel, group, minute, sla, reopen,
            self.policy, self.replication,
        )  # fmt: skip
        if customer is not None:
            record.customer = customer.id
            if customer.context is not None:
                record.value_tier = customer.value_tier
                if customer.ships_at is not None:
                    record.ships_at = customer.ships_at
        job = SimTicket(ticket, kind, record, arrival)
        if self.roster_wide:
            job.profile = self.profile_of(ticket, kind)
        return job

    def profile_of(self, ticket: Ticket, kind: Kind) -> Hashable | None:
        """``ticket``'s routing profile: its kind's, plus its priority when the policy keeps
        a reserve (the reserve refuses a normal ticket an urgent one of its kind gets)."""
        if kind.profile is None or not self.roster_wide:
            return kind.profile
        return (kind.profile, ticket.priority)

    def _template(self, category: str, language: str, channel: str) -> Template:
        """The template of a category's tickets in ``language`` from ``channel`` (validated
        here, once), with the kind its copies share (unless business rules rewrite them)."""
        spec = self.scenario.traffic.categories[category]
        ticket = Ticket(
            id="template",
            source="simulation",
            created_at=self.scenario.start,
            type=category,
            group=spec.group,
            language=language,
            channel=channel,
            required_skills={spec.skill: spec.level} if spec.skill else {},
        )
        kind = self.kind(ticket, shared=True)
        template = self._templates[category, language, channel] = Template(ticket, kind)
        return template

    def _enriched(
        self, ticket: Ticket, now: datetime, priority: str, sla: float
    ) -> tuple[Ticket, str, float]:
        """The ticket after the business rules, its priority name and SLA minutes.

        A rule that changes the priority changes the record's SLA target (the level the
        desk promises at that priority), not the deadline the help desk stamped on the
        ticket when it arrived: the live sidecar's rules do not move it either, and the
        queue order reads it.
        """
        ticket, _ = self.router.enrich(ticket, now)
        if ticket.priority.name.lower() != priority:
            priority = ticket.priority.name.lower()
            _, sla, _ = self._levels[priority]
        return ticket, priority, sla

    def kind(self, ticket: Ticket, shared: bool = False) -> Kind:
        """``ticket``'s kind on the model's roster (``shared``: with a memory of skill
        matches, for the kind a template's copies share).

        A kind spans priorities (a template's copies differ in priority), which no filter
        reads unless the policy keeps a reserve (``Router.roster_wide``); then the pick is
        not specialised to the kind's first ticket (``Router.choose``, which finds each
        ticket's own plan), and the profile adds the priority (``profile_of``)."""
        router = self.router
        return Kind(
            router.choose if self.roster_wide else router.chooser_for(ticket, self.roster),
            profile(ticket, router),
            router.revisits(ticket),
            {} if shared else None,
            {} if shared else None,
        )

    def _rewritten_kind(self, ticket: Ticket) -> Kind:
        """The kind of a ticket the business rules rewrote, shared with the tickets that
        agree with it on every routing field."""
        key = routing_fields(ticket)
        kind = self._rewritten.get(key)
        if kind is None:
            kind = self._rewritten[key] = self.kind(ticket, shared=True)
        return kind
