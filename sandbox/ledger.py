"""Reading a help desk's audit log back as a ledger: who assigned each ticket, and what went wrong.

The sandbox appends its audit log under the desk's lock, and Request Tracker's history is
turned into the same entries (``sandbox.chaos.rt_history``), so replaying it in order gives
the exact sequence of assignee changes. ``tally`` replays it and counts, for the tickets
customers created (the eligible ones):

- ``lost``: nobody (router or person) assigned it by the end, or the router's assignment
  has no decision row in its store (a write nobody can explain);
- ``double``: the router assigned it more than once without a reason: a second first
  assignment, a repeated write naming the assignee it already has on a ticket the router
  had assigned, or more follow-through moves than ``max_moves``;
- ``overwrote_human``: router writes that replaced an assignee a person had set and were
  not put back;
- ``restored``: router writes that replaced a person's assignee (a bulk write that raced
  the person) where the router's next assignee write on that ticket, before anyone else
  changed it, put back exactly the assignee it had replaced.

A router write that replaces the router's own earlier assignee is a follow-through *move*
(the agent went offline, the first reply is late): counted in ``moves``, not as double.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sandbox.store import CUSTOMER, REPEATED_ASSIGNMENT

ROUTER, HUMAN = "router", "human"
Agent = int | str
"""An assignee: a numeric id on the sandbox's faces, a user name on Request Tracker."""


@dataclass
class Tally:
    """The counts of one replayed audit log (ticket ids in the lists, first few only)."""

    tickets: int = 0
    by_router: int = 0
    by_human: int = 0
    moves: int = 0
    lost: int = 0
    double: int = 0
    overwrote_human: int = 0
    restored: int = 0
    unassigned: list[int] = field(default_factory=list)
    undecided: list[int] = field(default_factory=list)
    doubled: list[int] = field(default_factory=list)
    overwritten: list[int] = field(default_factory=list)
    restored_tickets: list[int] = field(default_factory=list)

    def result_line(self) -> str:
        """``RESULT tickets=<n> lost=<n> double=<n> overwrote_human=<n> restored=<n>``.

        The first four fields are the original line's; ``restored`` was appended after them.
        """
        return (
            f"RESULT tickets={self.tickets} lost={self.lost} double={self.double} "
            f"overwrote_human={self.overwrote_human} restored={self.restored}"
        )

    @property
    def clean(self) -> bool:
        """True when nothing was lost, doubled or taken from a person (restored is fine)."""
        return self.lost == self.double == self.overwrote_human == 0


@dataclass
class _Ticket:
    holder: str | None = None
    """Who set the current assignee: ``router``, ``human`` or None (unassigned)."""
    assignee: Agent | None = None
    firsts: int = 0
    moves: int = 0
    repeated: int = 0
    overwrites: int = 0
    restored: int = 0
    replaced: Agent | None = None
    """The person's assignee our last write replaced, until our next write puts it back."""
    router_agents: set[str] = field(default_factory=set)


def tally(
    audit: Iterable[Mapping[str, Any]],
    *,
    router_actor: str,
    decisions: Mapping[str, set[str]],
    max_moves: int,
) -> Tally:
    """Replay ``audit`` (in order); ``router_actor`` is the router's API user
    (``api:<email>``), ``decisions`` maps ticket id to the agents its store decided on."""
    tickets: dict[int, _Ticket] = {}
    for entry in audit:
        ticket_id = entry.get("ticket_id")
        if ticket_id is None:
            continue  # an agent's availability, not a ticket
        if entry["event"] == "ticket.created":
            if entry["actor"] == CUSTOMER:
                tickets[ticket_id] = _Ticket()
            continue
        ticket = tickets.get(ticket_id)
        if ticket is not None:
            _replay(ticket, entry, entry["actor"] == router_actor)
    for ticket in tickets.values():
        _settle_overwrite(ticket)
    return _count(tickets, decisions, max_moves)


def _replay(ticket: _Ticket, entry: Mapping[str, Any], by_router: bool) -> None:
    """Apply one audit entry of an eligible ticket."""
    if entry["event"] == REPEATED_ASSIGNMENT:
        # a write naming the assignee a person chose is our first write, not a second one
        ticket.repeated += by_router and ticket.firsts > 0
        return
    changes = entry.get("changes") or {}
    if "assignee_id" not in changes:
        return
    assignee = changes["assignee_id"]
    if by_router and _restores(ticket, assignee):
        ticket.restored, ticket.replaced = ticket.restored + 1, None
        ticket.assignee, ticket.holder = assignee, HUMAN
        return
    _settle_overwrite(ticket)
    if by_router:
        _router_write(ticket, assignee)
    ticket.assignee = assignee
    ticket.holder = None if assignee is None else ROUTER if by_router else HUMAN


def _restores(ticket: _Ticket, assignee: Agent | None) -> bool:
    """True when this router write puts back the person's assignee our last write replaced."""
    return ticket.replaced is not None and ticket.holder == ROUTER and assignee == ticket.replaced


def _settle_overwrite(ticket: _Ticket) -> None:
    """An overwrite whose chance to be put back has passed counts."""
    if ticket.replaced is not None:
        ticket.overwrites, ticket.replaced = ticket.overwrites + 1, None


def _router_write(ticket: _Ticket, assignee: Agent | None) -> None:
    """Count a router write that changes the assignee: first, move or over a person."""
    if ticket.holder == HUMAN:
        ticket.replaced = ticket.assignee
    elif ticket.holder is None:
        ticket.firsts += 1
    else:
        ticket.moves += 1
    if assignee is not None:
        ticket.router_agents.add(str(assignee))


def _count(tickets: dict[int, _Ticket], decisions: Mapping[str, set[str]], max_moves: int) -> Tally:
    result = Tally(tickets=len(tickets))
    lost: set[int] = set()
    for ticket_id, ticket in sorted(tickets.items()):
        result.moves += ticket.moves
        result.overwrote_human += ticket.overwrites
        result.restored += ticket.restored
        if ticket.firsts:
            result.by_router += 1
        elif ticket.holder == HUMAN:
            result.by_human += 1
        if ticket.holder is None:
            result.unassigned.append(ticket_id)
            lost.add(ticket_id)
        if ticket.router_agents - decisions.get(str(ticket_id), set()):
            result.undecided.append(ticket_id)
            lost.add(ticket_id)
        if ticket.firsts > 1 or ticket.repeated or ticket.moves > max_moves:
            result.doubled.append(ticket_id)
        if ticket.overwrites:
            result.overwritten.append(ticket_id)
        if ticket.restored:
            result.restored_tickets.append(ticket_id)
    result.lost, result.double = len(lost), len(result.doubled)
    return result
