"""Reading the sandbox's audit log back as a ledger: who assigned each ticket, and what went wrong.

The audit log is appended under the desk's lock, so replaying it in order gives the exact
sequence of assignee changes. ``tally`` replays it and counts, for the tickets customers
created (the eligible ones):

- ``lost``: nobody (router or person) assigned it by the end, or the router's assignment
  has no decision row in its store (a write nobody can explain);
- ``double``: the router assigned it more than once without a reason: a second first
  assignment, a repeated write naming the assignee it already has, or more follow-through
  moves than ``max_moves``;
- ``overwrote_human``: router writes that replaced an assignee a person had set.

A router write that replaces the router's own earlier assignee is a follow-through *move*
(the agent went offline, the first reply is late): counted in ``moves``, not as double.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sandbox.store import CUSTOMER, REPEATED_ASSIGNMENT

ROUTER, HUMAN = "router", "human"


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
    unassigned: list[int] = field(default_factory=list)
    undecided: list[int] = field(default_factory=list)
    doubled: list[int] = field(default_factory=list)
    overwritten: list[int] = field(default_factory=list)

    def result_line(self) -> str:
        """``RESULT tickets=<n> lost=<n> double=<n> overwrote_human=<n>``."""
        return (f"RESULT tickets={self.tickets} lost={self.lost} double={self.double} "
                f"overwrote_human={self.overwrote_human}")

    @property
    def clean(self) -> bool:
        """True when nothing was lost, doubled or taken from a person."""
        return self.lost == self.double == self.overwrote_human == 0


@dataclass
class _Ticket:
    holder: str | None = None
    """Who set the current assignee: ``router``, ``human`` or None (unassigned)."""
    assignee: int | None = None
    firsts: int = 0
    moves: int = 0
    repeated: int = 0
    router_agents: set[int] = field(default_factory=set)


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
    overwrites: dict[int, int] = {}
    for entry in audit:
        ticket_id = entry.get("ticket_id")
        if ticket_id is None:
            continue  # an agent's availability, not a ticket
        if entry["event"] == "ticket.created":
            if entry["actor"] == CUSTOMER:
                tickets[ticket_id] = _Ticket()
            continue
        ticket = tickets.get(ticket_id)
        if ticket is None:
            continue
        by_router = entry["actor"] == router_actor
        if entry["event"] == REPEATED_ASSIGNMENT:
            ticket.repeated += by_router
            continue
        changes = entry.get("changes") or {}
        if "assignee_id" not in changes:
            continue
        if by_router and ticket.holder == HUMAN:
            overwrites[ticket_id] = overwrites.get(ticket_id, 0) + 1
        if by_router:
            if ticket.holder is None:
                ticket.firsts += 1
            elif ticket.holder == ROUTER:
                ticket.moves += 1
            if changes["assignee_id"] is not None:
                ticket.router_agents.add(int(changes["assignee_id"]))
        ticket.assignee = changes["assignee_id"]
        if ticket.assignee is None:
            ticket.holder = None
        else:
            ticket.holder = ROUTER if by_router else HUMAN
    return _count(tickets, overwrites, decisions, max_moves)


def _count(tickets: dict[int, _Ticket], overwrites: dict[int, int],
           decisions: Mapping[str, set[str]], max_moves: int) -> Tally:
    result = Tally(tickets=len(tickets), overwrote_human=sum(overwrites.values()))
    result.overwritten = sorted(overwrites)
    lost: set[int] = set()
    for ticket_id, ticket in sorted(tickets.items()):
        result.moves += ticket.moves
        if ticket.firsts:
            result.by_router += 1
        elif ticket.holder == HUMAN:
            result.by_human += 1
        if ticket.holder is None:
            result.unassigned.append(ticket_id)
            lost.add(ticket_id)
        decided = decisions.get(str(ticket_id), set())
        if any(str(agent) not in decided for agent in ticket.router_agents):
            result.undecided.append(ticket_id)
            lost.add(ticket_id)
        if ticket.firsts > 1 or ticket.repeated or ticket.moves > max_moves:
            result.doubled.append(ticket_id)
    result.lost, result.double = len(lost), len(result.doubled)
    return result
