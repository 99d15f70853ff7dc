"""Follow-through: which routed tickets to take back and route again, and why (pure).

A ticket we assigned is moved when its assignee went offline or on leave, when it came
back (reopened) to an assignee who is unavailable, or when nobody replied within the
first-reply time allowed for its priority. Each ticket moves at most ``max_moves`` times.

An assignee must have been unavailable for the cause's grace period before a ticket is
taken from them (a short break or a flaky status is not a reason to move work):
``Absences`` remembers since when each agent has been seen unavailable. It lives in the
leader's memory, so a new leader starts the grace afresh: moves come later, never sooner.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from config.settings import FollowThroughSettings
from router.model import AgentStatus, Priority
from router.roster import Roster
from sidecar import lifecycle
from sidecar.store.tickets import TicketRow

OFFLINE, REOPENED, NO_REPLY = "offline", "reopened", "no_reply"


@dataclass(frozen=True, slots=True)
class Move:
    """Take ``row``'s ticket from ``agent_id`` and route it again because of ``cause``."""

    row: TicketRow
    agent_id: str | None
    cause: str


@dataclass(slots=True)
class Absences:
    """Since when each agent has been seen unavailable (by the follow-through job)."""

    since: dict[str, datetime] = field(default_factory=dict)

    def observe(self, roster: Roster, now: datetime) -> None:
        """Forget the agents available at ``now`` (their next absence starts afresh)."""
        for agent_id in [a for a in self.since if available(roster, a, now)]:
            del self.since[agent_id]

    def away_for(self, agent_id: str, now: datetime) -> timedelta:
        """How long ``agent_id``, unavailable at ``now``, has been seen unavailable."""
        return now - self.since.setdefault(agent_id, now)


def grace_periods(settings: FollowThroughSettings) -> dict[str, timedelta]:
    """How long an assignee must be unavailable before each cause moves a ticket."""
    return {
        OFFLINE: timedelta(minutes=settings.offline_grace_minutes),
        REOPENED: timedelta(minutes=settings.reopened_grace_minutes),
    }


def reply_limits(settings: FollowThroughSettings) -> dict[Priority, timedelta]:
    """First-reply limit per priority (priorities whose timer is off, 0, are left out)."""
    minutes = {
        Priority.URGENT: settings.first_reply_minutes_urgent,
        Priority.HIGH: settings.first_reply_minutes_high,
        Priority.NORMAL: settings.first_reply_minutes_normal,
        Priority.LOW: settings.first_reply_minutes_low,
    }
    return {p: timedelta(minutes=m) for p, m in minutes.items() if m > 0}


def available(roster: Roster, agent_id: str | None, now: datetime) -> bool:
    """True when the agent is known, online and on shift."""
    if agent_id is None or agent_id not in roster:
        return False
    online = roster.agents[agent_id].status is AgentStatus.ONLINE
    return online and roster.on_shift(agent_id, now)


@dataclass(frozen=True, slots=True)
class FollowUp:
    """What the follow-through job does at one moment."""

    moves: list[Move]
    """Tickets to take back and route again."""
    graced: frozenset[str]
    """Tickets whose move waits out a grace period (a reopened one stays reopened)."""


def moves_due(
    rows: Sequence[TicketRow],
    roster: Roster,
    now: datetime,
    settings: FollowThroughSettings,
    absences: Absences,
) -> FollowUp:
    """The follow-through moves due at ``now`` among assigned and reopened tickets
    (``absences`` is brought up to date with ``roster`` first)."""
    absences.observe(roster, now)
    limits, grace = reply_limits(settings), grace_periods(settings)
    moves: list[Move] = []
    graced: set[str] = set()
    for row in rows:
        if row.moves >= settings.max_reassignments:
            continue
        cause = _cause(row, roster, now, settings, limits)
        agent = row.ticket.assignee or row.our_agent
        if cause in grace and agent is not None and absences.away_for(agent, now) < grace[cause]:
            graced.add(row.ticket.id)
        elif cause is not None:
            moves.append(Move(row, agent, cause))
    return FollowUp(moves, frozenset(graced))


def _cause(
    row: TicketRow,
    roster: Roster,
    now: datetime,
    settings: FollowThroughSettings,
    limits: dict[Priority, timedelta],
) -> str | None:
    agent = row.our_agent if row.state == lifecycle.ASSIGNED else row.ticket.assignee
    if row.state == lifecycle.REOPENED:
        return None if available(roster, agent, now) else REOPENED
    if row.state != lifecycle.ASSIGNED or not roster.agents:
        return None
    if settings.reassign_unavailable and not available(roster, agent, now):
        return OFFLINE
    limit = limits.get(row.ticket.priority)
    since = row.assigned_at
    if limit is None or since is None or not lifecycle.reply_known(row.ticket):
        return None
    if lifecycle.first_reply_at(row.ticket) is not None:
        return None
    return NO_REPLY if now - since >= limit else None
