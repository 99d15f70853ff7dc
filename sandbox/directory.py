"""Who is who at the sandbox desk: the API user, requesters, record stamps and authors.

Both vendors send real ``created_at``/``updated_at`` on users, agents, groups and group
memberships (never null), so the desk stamps each record when it is seeded or first seen.
The API user is an administrator outside every group: it can read and write everything,
but it is not a routable agent (no group membership, not in ``Desk.agents``). Every change
at the desk has an author, a real user id: the API user for ``api:`` actors, the agent for
``human:<name>`` actors, the ticket's requester for the customer, and Zendesk's system user
(-1, as its audit logs name automatic changes) for a person the desk does not know.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from sandbox.accounts import SANDBOX_EMAIL

API_USER_ID = 1_000_000_001
"""The sandbox's API user (``SANDBOX_EMAIL``): an administrator, never an assignee."""
SYSTEM_USER_ID = -1
"""Zendesk's id for changes made by the system rather than a person."""
MEMBERSHIP_BASE = 370_000_000
REQUESTER_FLOOR = 9_500_000
"""New requesters named by e-mail get ids above this (the seeded ones sit below it)."""
EMAIL_DOMAIN = "customers.invalid"


def email_of(requester_id: int) -> str:
    """The e-mail address of a requester id: the desk's and the shop's (``shop_book``)."""
    return f"customer{requester_id}@{EMAIL_DOMAIN}"


@dataclass(frozen=True, kw_only=True, slots=True)
class Stamps:
    """When a record was created and last updated."""

    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, kw_only=True, slots=True)
class Person:
    """A user who is not a routable agent: the API administrator or a requester."""

    id: int
    name: str
    email: str
    role: str
    """``admin`` or ``end-user``."""
    stamps: Stamps


@dataclass(frozen=True, kw_only=True, slots=True)
class Membership:
    """An agent's membership of a group (Zendesk's group_membership record)."""

    id: int
    user_id: int
    group_id: int
    default: bool
    stamps: Stamps


class Directory:
    """Stamps and people of one desk; the desk's lock guards every call."""

    def __init__(self, clock: Callable[[], datetime]) -> None:
        self.clock = clock
        now = clock()
        self.api_user = Person(
            id=API_USER_ID,
            name="Sandbox Admin",
            email=SANDBOX_EMAIL,
            role="admin",
            stamps=Stamps(created_at=now, updated_at=now),
        )
        self.groups: dict[int, Stamps] = {}
        self.agents: dict[int, Stamps] = {}
        self.requesters: dict[int, Person] = {}
        self._memberships: dict[tuple[int, int], Membership] = {}
        self._membership_ids = itertools.count(MEMBERSHIP_BASE + 1)

    def stamp(self, records: dict[int, Stamps], record_id: int) -> Stamps:
        """The record's stamps, created now on first sight."""
        if record_id not in records:
            now = self.clock()
            records[record_id] = Stamps(created_at=now, updated_at=now)
        return records[record_id]

    def requester(self, requester_id: int, since: datetime | None = None) -> Person:
        """The end-user behind a requester id, named after it; on first sight it is created
        at ``since`` (their first ticket's creation) or now."""
        if requester_id == self.api_user.id:
            return self.api_user  # a ticket the API user opened for itself
        if requester_id not in self.requesters:
            created = since or self.clock()
            self.requesters[requester_id] = Person(
                id=requester_id,
                name=f"Customer {requester_id}",
                email=email_of(requester_id),
                role="end-user",
                stamps=Stamps(created_at=created, updated_at=created),
            )
        return self.requesters[requester_id]

    def requester_for_email(self, email: str, since: datetime | None = None) -> Person:
        """The end-user with this e-mail address, created (with a new id) if none has it."""
        found = next((p for p in self.requesters.values() if p.email == email), None)
        if found is not None:
            return found
        created = since or self.clock()
        person = Person(
            id=max(self.requesters, default=REQUESTER_FLOOR) + 1,
            name=email,
            email=email,
            role="end-user",
            stamps=Stamps(created_at=created, updated_at=created),
        )
        self.requesters[person.id] = person
        return person

    def memberships(self, group_ids: Mapping[int, Iterable[int]]) -> list[Membership]:
        """Memberships of ``{agent id: group ids}``, oldest first; a pair seen for the first
        time is stamped now and one no longer there is dropped (stable ids in between)."""
        wanted = {(user, group) for user, groups in group_ids.items() for group in groups}
        for pair in sorted(wanted - self._memberships.keys()):
            user, group = pair
            now = self.clock()
            self._memberships[pair] = Membership(
                id=next(self._membership_ids),
                user_id=user,
                group_id=group,
                default=group == min(group_ids[user]),
                stamps=Stamps(created_at=now, updated_at=now),
            )
        for pair in set(self._memberships) - wanted:
            del self._memberships[pair]
        return sorted(self._memberships.values(), key=lambda m: m.id)

    def author_id(
        self,
        actor: str,
        requester_id: int,
        agents_by_name: Mapping[str, int],
        agents_by_email: Mapping[str, int],
    ) -> int:
        """The user id behind an actor name (see the module docstring)."""
        kind, _, name = actor.partition(":")
        if actor == "customer":
            return requester_id
        if kind == "api":
            return agents_by_email.get(name, API_USER_ID)
        if kind == "human":
            return agents_by_name.get(name, SYSTEM_USER_ID)
        return SYSTEM_USER_ID
