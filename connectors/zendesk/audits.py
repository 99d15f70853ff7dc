"""Did our bulk write replace a person's change? Read from a ticket's audits (pure).

First the cheap sign, one read per 100 tickets: a ticket's metric set counts the
assignments it had (``assignee_stations``) and its groups (``group_stations``). Since our
check before the write, a ticket nobody else touched gained at most our one assignment; more
means someone else assigned it too, and only then are its audits read (``suspect``).

Zendesk documents ``safe_update`` + ``updated_stamp`` for the single-ticket update; nothing
says ``update_many`` honours it per ticket. So after a bulk job the connector reads each
written ticket's audits (developer.zendesk.com/api-reference/ticketing/tickets/ticket_audits/):
every change is an audit with its ``author_id``, ``created_at`` and ``Change`` events that
carry ``field_name``, ``value`` and ``previous_value``. A person's change raced our write
when an audit by someone else, made after the version we decided on, changed the assignee
or the group before our own audit. Our audit's ``previous_value`` then holds exactly what
the person had set: that is what goes back.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from connectors.values import parse_time

OWNER_FIELDS = ("assignee_id", "group_id")
"""The fields by which a person takes a ticket, and the only ones our write changes."""

Audit = Mapping[str, Any]


@dataclass(frozen=True, kw_only=True, slots=True)
class Overwrite:
    """Our write raced a person's choice: the values to put back, and who chose them.

    ``restore`` is empty when there is nothing to put back: the person had chosen the very
    agent we wrote (our write then changed nothing), or someone has decided the ticket's
    owner again since our write. Either way the ticket is theirs.
    """

    ticket_id: str
    restore: Mapping[str, int | None]
    """Owner fields and the values they had just before our write."""
    person: str
    """The author id of the racing change."""
    stamp: datetime | None
    """The ``updated_stamp`` that guards putting the values back: the ticket's last audit,
    ours or a later comment or status change (the agent we wrote may already be working it;
    that does not settle who owns the ticket, so the person's choice still goes back)."""


@dataclass(frozen=True, slots=True)
class Stations:
    """How many assignees and groups a ticket has had, from its metric set."""

    assignee: int
    group: int


NONE_YET = Stations(assignee=0, group=0)


def stations_of(metric_set: Mapping[str, Any] | None) -> Stations | None:
    """The counts of a metric set; None when it is missing or does not carry them."""
    if not metric_set:
        return None
    try:
        return Stations(
            assignee=int(metric_set["assignee_stations"]), group=int(metric_set["group_stations"])
        )
    except (KeyError, TypeError, ValueError):
        return None


def suspect(before: Stations | None, after: Stations | None) -> bool:
    """True unless the ticket gained at most one assignee and one group since ``before``
    (unknown: since it was created, as for a ticket we assign first). Unknown after: yes."""
    if after is None:
        return True
    base = before or NONE_YET
    return after.assignee - base.assignee > 1 or after.group - base.group > 1


def _changes(audit: Audit) -> dict[str, Any]:
    """Field -> event of the audit's ``Change`` events on owner fields."""
    return {
        str(event.get("field_name")): event
        for event in audit.get("events") or []
        if isinstance(event, Mapping)
        and event.get("type") == "Change"
        and event.get("field_name") in OWNER_FIELDS
    }


def _same(value: Any, expected: str) -> bool:
    return value is not None and str(value) == expected


def _our_audit(audits: Sequence[Audit], me: str, agent_id: str) -> int | None:
    """Index of our latest audit that set the assignee to ``agent_id``."""
    for index in range(len(audits) - 1, -1, -1):
        audit = audits[index]
        change = _changes(audit).get("assignee_id")
        if str(audit.get("author_id")) == me and change and _same(change.get("value"), agent_id):
            return index
    return None


def _as_id(value: Any) -> int | None:
    """Audit values come as numbers or as strings of digits; None stays None."""
    if value is None or value == "":
        return None
    return int(str(value))


def find_overwrite(
    ticket_id: str, audits: Sequence[Audit], *, me: str, agent_id: str, read_at: datetime | None
) -> Overwrite | None:
    """The overwrite hidden in ``audits`` (oldest first), or None when our write (by user
    ``me``, assigning ``agent_id``) replaced nothing a person did after ``read_at``."""
    if read_at is None:
        return None
    ours = _our_audit(audits, me, agent_id)
    if ours is None:
        return _same_choice(ticket_id, audits, me=me, agent_id=agent_id, read_at=read_at)
    racing = _racing(audits[:ours], me, read_at)
    if not racing:
        return None
    person = str(racing[-1].get("author_id"))
    if any(_changes(audit) for audit in audits[ours + 1 :]):
        return Overwrite(ticket_id=ticket_id, restore={}, person=person, stamp=None)
    restore = {
        field: _as_id(event.get("previous_value"))
        for field, event in _changes(audits[ours]).items()
    }
    return Overwrite(
        ticket_id=ticket_id,
        restore=restore,
        person=person,
        stamp=parse_time(audits[-1].get("created_at")),
    )


def _racing(audits: Sequence[Audit], me: str, read_at: datetime) -> list[Audit]:
    """Audits by someone else, after our read, that changed an owner field."""
    return [
        audit
        for audit in audits
        if str(audit.get("author_id")) != me
        and _changes(audit)
        and (parse_time(audit.get("created_at")) or read_at) > read_at
    ]


def _same_choice(
    ticket_id: str, audits: Sequence[Audit], *, me: str, agent_id: str, read_at: datetime
) -> Overwrite | None:
    """A person assigned the agent we were writing, after our read: our write changed
    nothing (no audit of ours shows it), but the choice is the person's."""
    for audit in reversed(_racing(audits, me, read_at)):
        change = _changes(audit).get("assignee_id")
        if change and _same(change.get("value"), agent_id):
            return Overwrite(
                ticket_id=ticket_id, restore={}, person=str(audit.get("author_id")), stamp=None
            )
    return None


def restore_body(overwrite: Overwrite) -> dict[str, Any]:
    """``PUT tickets/{id}`` body putting the person's values back, guarded by our write's
    stamp (if they or anyone changed the ticket again since, Zendesk answers 409 and the
    ticket is theirs anyway), with a private note saying what happened."""
    ticket: dict[str, Any] = dict(overwrite.restore)
    if overwrite.stamp is not None:
        ticket |= {
            "safe_update": True,
            "updated_stamp": overwrite.stamp.strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
    ticket["comment"] = {
        "public": False,
        "body": (
            "deskroute: a bulk assignment raced a change made here by a person; their "
            "assignment has been put back and deskroute leaves this ticket to people."
        ),
    }
    return {"ticket": ticket}
