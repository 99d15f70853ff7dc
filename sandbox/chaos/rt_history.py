"""Request Tracker's ticket history as the sandbox's audit entries, for ``sandbox.ledger``.

REST 2 lists a ticket's transactions (``GET /ticket/:id/history``) with their ``Type``,
``Field``, ``OldValue``, ``NewValue`` and ``Creator``. An owner change is a transaction
on the field ``Owner`` whose values are user ids (``Set`` through the API, ``Take``,
``Give``, ``Steal``, ``Untake``, ``Force``); RT adds a ``SetWatcher`` twin for each,
which is not a second change. Transaction ids grow in commit order, so sorting by them
replays the desk's order, as the sandbox's audit log does.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sandbox.store import CUSTOMER

OWNER_TYPES = frozenset({"Set", "Take", "Give", "Steal", "Untake", "Force"})
NOBODY = "Nobody"


@dataclass(frozen=True)
class RtUsers:
    """Who is who in the history: the customers' account, deskroute's, and user names by id."""

    customer: str
    """The RT user that writes customers' tickets in (the chaos run's creator)."""
    router: str
    """The RT user of deskroute's token."""
    names: Mapping[str, str]
    """User id (as RT stores it in ``OldValue``/``NewValue``) -> user name."""

    def actor(self, creator: str) -> str:
        """The audit actor of a transaction by ``creator``."""
        if creator == self.customer:
            return CUSTOMER
        return f"api:{creator}" if creator == self.router else f"human:{creator}"

    def owner(self, user_id: str) -> str | None:
        """The owner's name, None for RT's ``Nobody`` (unowned)."""
        name = self.names.get(str(user_id), str(user_id))
        return None if name in (NOBODY, "", "0") else name


def user_ids(transactions: Iterable[Mapping[str, Any]]) -> set[str]:
    """The user ids owner changes refer to (to look their names up once)."""
    return {
        str(value)
        for t in transactions
        if _is_owner_change(t)
        for value in (t.get("OldValue"), t.get("NewValue"))
        if value not in (None, "")
    }


def audit_entries(
    ticket_id: int, transactions: Iterable[Mapping[str, Any]], people: RtUsers
) -> list[dict[str, Any]]:
    """The ticket's creation, owner and status changes as audit entries, oldest first."""
    entries = []
    for transaction in sorted(transactions, key=lambda t: int(t["id"])):
        entry = _entry(ticket_id, transaction, people)
        if entry is not None:
            entries.append(entry)
    return entries


def _entry(
    ticket_id: int, transaction: Mapping[str, Any], people: RtUsers
) -> dict[str, Any] | None:
    kind = transaction.get("Type")
    base = {
        "at": transaction.get("Created"),
        "ticket_id": ticket_id,
        "actor": people.actor(_creator(transaction)),
        "rt_transaction": transaction["id"],
    }
    if kind == "Create":
        return {**base, "event": "ticket.created", "changes": {}}
    if _is_owner_change(transaction):
        return {
            **base,
            "event": "ticket.agent_assignment_changed",
            "changes": {"assignee_id": people.owner(transaction.get("NewValue") or "")},
            "before": {"assignee_id": people.owner(transaction.get("OldValue") or "")},
        }
    if kind == "Status":
        return {
            **base,
            "event": "ticket.status_changed",
            "changes": {"status": transaction.get("NewValue")},
        }
    return None


def _is_owner_change(transaction: Mapping[str, Any]) -> bool:
    return transaction.get("Type") in OWNER_TYPES and transaction.get("Field") == "Owner"


def _creator(transaction: Mapping[str, Any]) -> str:
    """The creator's name: REST 2 gives an object reference ``{"id": name, ...}``."""
    creator = transaction.get("Creator")
    return str(creator.get("id")) if isinstance(creator, Mapping) else str(creator)
