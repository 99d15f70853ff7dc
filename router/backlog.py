"""Backlog spreading: deal a queue across agents in rounds instead of flooding one agent.

When agents come online to a backlog, a plain drain gives the emptiest agent ticket after
ticket until it is as loaded as the rest. Dealing in rounds lets each agent take at most
``per_round`` tickets per round, so the backlog is shared out the way a dealer deals cards.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from random import Random

from router.decision import Assignment, Decision
from router.model import Ticket
from router.roster import Roster

Decide = Callable[[Ticket, Roster, datetime, Random], Decision]


def deal(
    queue: Sequence[Ticket],
    roster: Roster,
    now: datetime,
    rng: Random,
    decide: Decide,
    per_round: int | None = 1,
) -> tuple[list[tuple[Ticket, Decision]], Roster]:
    """Decide every ticket of ``queue`` (already in queue order), dealing agents in rounds.

    Returns each ticket with its final decision, in queue order, and the roster after the
    assignments. ``per_round=None`` disables dealing (one pass in queue order).
    """
    if per_round is not None and per_round < 1:
        raise ValueError("per_round must be >= 1 or None")
    final: dict[str, Decision] = {}
    pending = list(queue)
    while pending:
        dealt: dict[str, int] = {}
        full: set[str] = set()
        retry: list[Ticket] = []
        for ticket in pending:
            view = roster.holding(full) if full else roster
            decision = decide(ticket, view, now, rng)
            final[ticket.id] = decision
            if isinstance(decision, Assignment):
                agent_id = decision.agent_id
                roster = roster.with_assignment(agent_id, decision.weight, now)
                dealt[agent_id] = dealt.get(agent_id, 0) + 1
                if per_round is not None and dealt[agent_id] >= per_round:
                    full.add(agent_id)
            elif "held" in decision.trace.rejections():
                # refused only this round; loads only grow within a drain, so a ticket
                # refused for any other reason would be refused again: no retry for it
                retry.append(ticket)
        if not dealt:
            break
        pending = retry
    return [(ticket, final[ticket.id]) for ticket in queue], roster
