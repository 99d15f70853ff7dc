"""Shadow mode's load: what each agent would carry had our dry-run picks been written.

A shadow decision writes nothing, so the help desk's loads never show it: read alone,
every next decision sees the same lightly loaded agent and piles onto them (one agent got
17 of 33 shadow picks). Shadow decisions read this load instead: the help desk's, with
each open shadow ticket moved from whoever a person gave it to (if anyone) onto the agent
we picked, i.e. our pick in place of theirs, as if we were live. The real loads (the
store's ``agent_load`` table, the metrics) are never changed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from router.model import Agent
from sidecar.store import TicketRow


def shadow_loads(
    loads: Mapping[str, float], open_shadow: Iterable[TicketRow], agents: Mapping[str, Agent]
) -> dict[str, float]:
    """``loads`` with every open shadow ticket counted on our pick instead of its holder.

    ``open_shadow``: the tickets in state ``shadow`` (decided in dry run, not closed);
    ``agents``: the roster by id (each ticket weighs what its agent's capacity says).
    Agents off the roster are left out; no load goes below zero.
    """
    shifted = dict(loads)
    for row in open_shadow:
        ticket = row.ticket
        ours, holder = row.our_agent, ticket.assignee
        if ours == holder:
            continue  # the person chose our pick: the help desk's load already counts it
        if ours is not None and ours in agents:
            shifted[ours] = shifted.get(ours, 0.0) + agents[ours].capacity.weight_of(ticket)
        if holder is not None and holder in agents:
            taken = agents[holder].capacity.weight_of(ticket)
            shifted[holder] = max(0.0, shifted.get(holder, 0.0) - taken)
    return shifted
