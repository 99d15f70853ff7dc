"""Continuity for live tickets: who last handled each requester, from our own decisions.

Before the router decides, a ticket with a requester is given ``previous_agent`` and
``previous_agent_at``: the agent of the last assignment this sidecar recorded for that
requester on that help desk, and when it decided it. The store reads those in one query
per routing pass (``DecisionStore.last_assignments``); filling them in is the pure
function below. Whether they matter is the policy's ``continuity_window_h``
(``router.continuity``); a ticket that already names a previous agent (from the help desk
or a rule) keeps it.

The same pass gives each such ticket ``recent_contacts``: how many other tickets of its
requester we decided within the repeat-contact window (``DecisionStore.tickets_since``),
which the ``repeat_contact`` signal reads (``router.signals``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from router.model import Ticket
from sidecar.store.decisions import LastAssignment, Requester


def requesters_of(tickets: Iterable[Ticket]) -> set[Requester]:
    """The (help desk, requester) of every ticket that has a requester and no previous agent."""
    return {
        (ticket.source, ticket.requester)
        for ticket in tickets
        if ticket.requester is not None and ticket.previous_agent is None
    }


def all_requesters(tickets: Iterable[Ticket]) -> set[Requester]:
    """The (help desk, requester) of every ticket that has a requester."""
    return {(t.source, t.requester) for t in tickets if t.requester is not None}


def with_recent_contacts(
    tickets: Sequence[Ticket], seen: Mapping[Requester, frozenset[str]]
) -> list[Ticket]:
    """``tickets`` with ``recent_contacts``: how many other tickets of the same requester
    ``seen`` holds (those we decided within the window; the ticket itself never counts)."""
    return [_with_recent_contacts(ticket, seen) for ticket in tickets]


def _with_recent_contacts(ticket: Ticket, seen: Mapping[Requester, frozenset[str]]) -> Ticket:
    if ticket.requester is None:
        return ticket
    others = seen.get((ticket.source, ticket.requester), frozenset()) - {ticket.id}
    if ticket.recent_contacts == len(others):
        return ticket
    return ticket.model_copy(update={"recent_contacts": len(others)})  # a count: valid


def with_previous_agents(
    tickets: Sequence[Ticket], last: Mapping[Requester, LastAssignment]
) -> list[Ticket]:
    """``tickets`` with ``previous_agent`` / ``previous_agent_at`` from ``last`` (our latest
    assignment per requester) where a ticket names no previous agent yet."""
    return [_with_previous_agent(ticket, last) for ticket in tickets]


def _with_previous_agent(ticket: Ticket, last: Mapping[Requester, LastAssignment]) -> Ticket:
    if ticket.requester is None or ticket.previous_agent is not None:
        return ticket
    found = last.get((ticket.source, ticket.requester))
    if found is None:
        return ticket
    enriched: Ticket = ticket.evolve(previous_agent=found.agent_id, previous_agent_at=found.at)
    return enriched
