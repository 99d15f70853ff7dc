"""What the Zendesk routing endpoints serve: the skill catalog and business-hours schedules.

Skills (Zendesk's skill-based routing API): skill types are *attributes*, skills are
*attribute values*, an agent's or a ticket's skills are *instance values*; ids are UUID
strings. The sandbox's account has one attribute, "Skills", whose values are the agents'
skill names and the groups' names lower-cased (Zendesk skills are binary, so the sandbox's
levels do not show). A new ticket gets the skill of the group its Bitext category files it
under (``billing`` for an INVOICE ticket), as an admin's skill rule would apply it on
creation.

Schedules (Zendesk's Schedules API): intervals in minutes since Sunday midnight that never
span a calendar day, a time zone by Zendesk's own (Rails) name, holidays by date.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sandbox.store import Desk, TicketRecord
from sandbox.texts import CATEGORY_GROUPS

ROUTING_NAMESPACE = uuid.UUID("5f0c8a52-3d55-4c59-9d1b-6f1f4d7e2a10")
SKILLS_ATTRIBUTE = "Skills"
SCHEDULE_KINDS = ("24/7", "office")
SCHEDULE_BASE = 7_000_000
DAY = 24 * 60
OFFICE = (9 * 60, 17 * 60)
"""Office hours, Monday to Friday, in minutes after local midnight."""
OFFICE_TIME_ZONE = "Berlin"
"""Zendesk names time zones the Rails way: ``Berlin`` is Europe/Berlin."""
OFFICE_HOLIDAYS = (
    ("New Year's Day", 1, 1),
    ("Labour Day", 5, 1),
    ("Day of German Unity", 10, 3),
    ("Christmas Day", 12, 25),
    ("Second Day of Christmas", 12, 26),
)
EXTRA_SCHEDULES = ("Billing hours", "Shipping hours", "Orders hours", "Accounts hours")


def routing_id(*parts: object) -> str:
    """A stable UUID string for a routing object (the same names give the same id)."""
    return str(uuid.uuid5(ROUTING_NAMESPACE, "/".join(str(part) for part in parts)))


@dataclass(frozen=True, slots=True)
class TicketSkills:
    """The skills (attribute value names) on one ticket, and when they were set."""

    names: tuple[str, ...]
    created_at: datetime
    updated_at: datetime


def ticket_skill_names(tags: list[str]) -> tuple[str, ...]:
    """The skill a skill rule gives a new ticket: its category's group, lower-cased."""
    for tag in tags:
        group = CATEGORY_GROUPS.get(tag.upper())
        if group is not None:
            return (group.lower(),)
    return ()


class SkillCatalog:
    """The account's one skill type ("Skills"), its skills, and the skills on tickets."""

    def __init__(self, desk: Desk, created_at: datetime) -> None:
        self.desk, self.created_at = desk, created_at
        self.attribute_id = routing_id("attribute", SKILLS_ATTRIBUTE)
        self._tickets: dict[int, TicketSkills] = {}

    def names(self) -> list[str]:
        """Every skill name: the agents' skills and the groups' names, lower-cased."""
        with self.desk.lock:
            found = {name for agent in self.desk.agents.values() for name in agent.skills}
            found |= {group.lower() for group in self.desk.groups.values()}
        return sorted(found)

    def value_id(self, name: str) -> str:
        """The attribute value id of skill ``name``."""
        return routing_id("value", name)

    def names_by_id(self) -> dict[str, str]:
        """Skill name per attribute value id."""
        return {self.value_id(name): name for name in self.names()}

    def on_change(self, ticket: TicketRecord, event: str, changes: dict[str, Any]) -> None:
        """Desk listener: a new ticket gets its skill, as a skill rule would give it."""
        if event == "ticket.created":
            self._tickets[ticket.id] = TicketSkills(
                ticket_skill_names(ticket.tags), ticket.created_at, ticket.created_at
            )

    def ticket_skills(self, ticket: TicketRecord) -> TicketSkills:
        """The skills on ``ticket`` (none when it was made before the rule existed)."""
        with self.desk.lock:
            return self._tickets.get(ticket.id) or TicketSkills(
                (), ticket.created_at, ticket.created_at
            )

    def set_ticket_skills(self, ticket: TicketRecord, value_ids: list[str]) -> TicketSkills:
        """Replace the ticket's skills; unknown value ids are ignored, as Zendesk does."""
        known = self.names_by_id()
        names = tuple(dict.fromkeys(known[v] for v in value_ids if v in known))
        with self.desk.lock:
            before = self.ticket_skills(ticket)
            found = TicketSkills(names, before.created_at, self.desk.clock())
            self._tickets[ticket.id] = found
            return found


@dataclass(frozen=True, slots=True)
class Interval:
    """Business hours in minutes since Sunday midnight (never past the day's end)."""

    start_time: int
    end_time: int


@dataclass(frozen=True, slots=True)
class Holiday:
    """A day (or days) outside business hours."""

    id: int
    name: str
    start_date: date
    end_date: date


@dataclass(frozen=True, slots=True)
class Schedule:
    """One business-hours schedule of the account."""

    id: int
    name: str
    time_zone: str
    intervals: tuple[Interval, ...]
    holidays: tuple[Holiday, ...]
    created_at: datetime


def weekly_intervals(kind: str) -> tuple[Interval, ...]:
    """``24/7``: every day whole; ``office``: Monday to Friday, 09:00 to 17:00."""
    if kind == "24/7":
        return tuple(Interval(day * DAY, (day + 1) * DAY) for day in range(7))
    if kind == "office":
        return tuple(Interval(day * DAY + OFFICE[0], day * DAY + OFFICE[1]) for day in range(1, 6))
    raise ValueError(f"unknown schedule {kind!r} (known: {', '.join(SCHEDULE_KINDS)})")


def holidays(kind: str, year: int) -> tuple[Holiday, ...]:
    """An office's public holidays this year and next; a 24/7 desk works through them."""
    if kind != "office":
        return ()
    days = [
        (name, date(y, month, day))
        for y in (year, year + 1)
        for name, month, day in OFFICE_HOLIDAYS
    ]
    return tuple(Holiday(index, name, day, day) for index, (name, day) in enumerate(days, 1))


def schedules(count: int, kind: str, created_at: datetime) -> tuple[Schedule, ...]:
    """The account's ``count`` schedules, all holding the ``kind`` of hours."""
    zone = OFFICE_TIME_ZONE if kind == "office" else "UTC"
    names = ("Default", *EXTRA_SCHEDULES)
    if count > len(names):
        raise ValueError(f"the sandbox names at most {len(names)} schedules")
    return tuple(
        Schedule(
            SCHEDULE_BASE + index,
            names[index],
            zone,
            weekly_intervals(kind),
            holidays(kind, created_at.year),
            created_at,
        )
        for index in range(count)
    )
