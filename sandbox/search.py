"""The sandbox's search: the index it answers from, and the small query languages.

The index lags the desk: Zendesk's search page says new records take up to a few minutes
to be indexed, and Freshdesk's filter API says updates take a few minutes to get indexed.
``SearchIndex`` answers from every ticket as it was ``lag`` seconds ago: a ticket created
within the window is missing, a ticket assigned within it still shows its old assignee.

Zendesk: space-separated terms, all must hold: ``type:ticket``, ``status:open``,
``status<solved``, ``assignee:none``, ``group:none``, ``tags:x``; results ordered by
``sort_by`` (``created_at``, ``updated_at``, ``priority``, ``status``, ``ticket_type``) and
``sort_order`` (``asc``/``desc``, default ``desc``), else by id for "relevance"
(developer.zendesk.com/api-reference/ticketing/ticket-management/search/).
Freshdesk: a double-quoted query of ``field:value`` terms joined by AND/OR with
parentheses (AND binds tighter), fields ``status``, ``priority``, ``agent_id``,
``group_id`` (``null`` allowed), as developer.freshdesk.com/api/#filter_tickets shows
(``"agent_id:null AND (status:2 OR status:3)"``).
"""

from __future__ import annotations

import copy
import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sandbox.store import Desk, TicketRecord

HISTORY = 32
"""Versions kept per ticket inside the lag window (more changes than this in one window:
the oldest are dropped, so such a ticket lags a little less)."""


@dataclass(frozen=True, slots=True)
class _Version:
    at: float
    ticket: TicketRecord


class SearchIndex:
    """Tickets as the search endpoints see them: each as it was ``lag`` seconds ago.

    A desk listener keeps a short history per ticket (the versions younger than the lag,
    and the newest one older than it); ``lag`` 0 keeps none and answers from the desk.
    """

    def __init__(
        self,
        desk: Desk,
        lag: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        depth: int = HISTORY,
    ) -> None:
        if lag < 0:
            raise ValueError("search lag must be >= 0 seconds")
        self.desk, self.lag, self._clock, self._depth = desk, lag, clock, depth
        self._versions: dict[int, deque[_Version]] = {}

    def on_change(self, ticket: TicketRecord, event: str, changes: dict[str, Any]) -> None:
        """Desk listener (called under the desk's lock): remember this version of ticket."""
        if self.lag <= 0:
            return
        now = self._clock()
        versions = self._versions.setdefault(ticket.id, deque())
        versions.append(_Version(now, _frozen_copy(ticket)))
        cutoff = now - self.lag
        while len(versions) > 1 and versions[1].at <= cutoff:
            versions.popleft()  # superseded before the window: nobody can see it any more
        while len(versions) > self._depth:
            versions.popleft()

    def settle(self) -> None:
        """Count every version so far as indexed (the tickets an account already had)."""
        with self.desk.lock:
            for ticket_id, versions in self._versions.items():
                self._versions[ticket_id] = deque([_Version(-math.inf, versions[-1].ticket)])

    def tickets(self) -> list[TicketRecord]:
        """Every ticket the index knows, as it was ``lag`` seconds ago (copies when lagged)."""
        with self.desk.lock:
            if self.lag <= 0:
                return list(self.desk.tickets.values())
            cutoff = self._clock() - self.lag
            found: list[TicketRecord] = []
            for ticket_id, ticket in self.desk.tickets.items():
                versions = self._versions.get(ticket_id)
                seen = ticket if versions is None else _as_of(versions, cutoff)
                if seen is not None:
                    found.append(seen)
            return found


def _as_of(versions: deque[_Version], cutoff: float) -> TicketRecord | None:
    """The newest version recorded at or before ``cutoff`` (None: not indexed yet)."""
    for version in reversed(versions):
        if version.at <= cutoff:
            return version.ticket
    return None


def _frozen_copy(ticket: TicketRecord) -> TicketRecord:
    """A copy later changes to the live ticket cannot reach (lists copied too)."""
    found = copy.copy(ticket)
    found.tags, found.notes = list(ticket.tags), list(ticket.notes)
    return found


ORDER = ("new", "open", "pending", "hold", "solved", "closed")
FD_STATUS = {"new": 2, "open": 2, "pending": 3, "hold": 3, "solved": 4, "closed": 5}
FD_PRIORITY = {"low": 1, "normal": 2, "high": 3, "urgent": 4}


def zendesk_matches(query: str, ticket: TicketRecord) -> bool:
    """True when ``ticket`` satisfies every term (unknown terms match everything)."""
    return all(_zendesk_term(term, ticket) for term in query.split())


def _zendesk_term(term: str, ticket: TicketRecord) -> bool:
    for op in ("<=", ">=", "<", ">", ":"):
        if op in term:
            field, value = term.split(op, 1)
            break
    else:
        return True
    if field == "type":
        return value == "ticket"
    if field == "status":
        return (
            _compare(ORDER.index(ticket.status), op, ORDER.index(value))
            if value in ORDER
            else False
        )
    if field in ("assignee", "group"):
        current = ticket.assignee_id if field == "assignee" else ticket.group_id
        return current is None if value == "none" else str(current) == value
    if field in ("tags", "tag"):
        return value in ticket.tags
    return True


def _compare(left: int, op: str, right: int) -> bool:
    return {
        "<": left < right,
        ">": left > right,
        "<=": left <= right,
        ">=": left >= right,
        ":": left == right,
    }[op]


SORT_KEYS: dict[str, Callable[[TicketRecord], Any]] = {
    "created_at": lambda t: (t.created_at, t.id),
    "updated_at": lambda t: (t.updated_at, t.id),
    "priority": lambda t: (("low", "normal", "high", "urgent").index(t.priority or "normal"), t.id),
    "status": lambda t: (ORDER.index(t.status), t.id),
    "ticket_type": lambda t: (t.type or "", t.id),
}


def zendesk_order(
    found: list[TicketRecord], sort_by: str | None, sort_order: str | None
) -> list[TicketRecord]:
    """Search results in the order Zendesk's ``sort_by``/``sort_order`` ask for (no
    ``sort_by``: relevance, which the sandbox gives as id order)."""
    key = SORT_KEYS.get(sort_by or "")
    if key is None:
        return sorted(found, key=lambda t: t.id)
    return sorted(found, key=key, reverse=(sort_order or "desc") != "asc")


class QueryError(ValueError):
    """A Freshdesk filter query the sandbox cannot read (unbalanced parentheses, a dangling
    AND/OR): the real API answers such a query 400 ``invalid_value``."""


def freshdesk_matches(query: str, ticket: TicketRecord) -> bool:
    """True when ``ticket`` satisfies the query: ``field:value`` terms joined by AND and
    OR (AND binds tighter), grouped with parentheses. Raises ``QueryError``."""
    tokens = query.strip().strip('"').replace("(", " ( ").replace(")", " ) ").split()
    result, rest = _any_of(tokens, ticket)
    if rest:
        raise QueryError(f"unexpected {' '.join(rest)!r}")
    return result


def _any_of(tokens: list[str], ticket: TicketRecord) -> tuple[bool, list[str]]:
    """OR of AND-groups, up to a closing parenthesis or the end."""
    result, rest = _all_of(tokens, ticket)
    while rest and rest[0] == "OR":
        more, rest = _all_of(rest[1:], ticket)
        result = result or more
    return result, rest


def _all_of(tokens: list[str], ticket: TicketRecord) -> tuple[bool, list[str]]:
    result, rest = _operand(tokens, ticket)
    while rest and rest[0] == "AND":
        more, rest = _operand(rest[1:], ticket)
        result = result and more
    return result, rest


def _operand(tokens: list[str], ticket: TicketRecord) -> tuple[bool, list[str]]:
    if not tokens or tokens[0] in ("AND", "OR", ")"):
        raise QueryError("a term is missing")
    if tokens[0] == "(":
        result, rest = _any_of(tokens[1:], ticket)
        if not rest or rest[0] != ")":
            raise QueryError("a parenthesis is not closed")
        return result, rest[1:]
    return _freshdesk_term(tokens[0], ticket), tokens[1:]


def _freshdesk_term(term: str, ticket: TicketRecord) -> bool:
    field, _, value = term.partition(":")
    value = value.strip().strip("'")
    current: int | None
    if field == "status":
        current = FD_STATUS[ticket.status]
    elif field == "priority":
        current = FD_PRIORITY.get(ticket.priority or "normal", 2)
    elif field == "agent_id":
        current = ticket.assignee_id
    elif field == "group_id":
        current = ticket.group_id
    else:
        return True
    if value == "null":
        return current is None
    return current is not None and str(current) == value
