"""Ranking eligible agents: the policy's score, then the one tie-break every path uses.

An agent's ranking key is its score (the policy's ``Scorer``) followed by its idle time,
seconds since its last assignment (``NEVER`` when never assigned); the highest key wins
and equal keys go to the smallest agent id. ``ranking_key`` and ``best_of`` are the
per-agent form, ``idle_array`` and ``best_row`` / ``ranked_rows`` the array form for large
rosters (whose agents are in ``agent_ids`` order, so the lowest position is the smallest
id). Traced decisions, untraced choices and the array screen all rank with these.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import TYPE_CHECKING

import numpy as np

from router.roster import Roster

if TYPE_CHECKING:
    from router.bulk import BulkScreen, Floats, Indices
    from router.eligibility import Screen

NEVER = math.inf
"""Idle time of an agent never assigned: longer than any real idle time."""

Key = tuple[float, ...]


def idle_seconds(roster: Roster, agent_id: str, now: datetime) -> float:
    """Seconds since the agent's last assignment (``NEVER`` when never assigned)."""
    last = roster.last_assigned(agent_id)
    return NEVER if last is None else (now - last).total_seconds()


def ranking_key(score: Key, roster: Roster, agent_id: str, now: datetime) -> Key:
    """The agent's ranking key: its score, then its idle time."""
    return (*score, idle_seconds(roster, agent_id, now))


def outranks(key: Key, agent_id: str, best_key: Key, best_id: str) -> bool:
    """True when (``key``, ``agent_id``) ranks above (``best_key``, ``best_id``)."""
    return key > best_key or (key == best_key and agent_id < best_id)


def best_of(agent_ids: Iterable[str], key: Callable[[str], Key]) -> str | None:
    """The best-ranked of ``agent_ids`` by ``key`` (None when there are none)."""
    best_id: str | None = None
    best_key: Key = ()
    for agent_id in agent_ids:
        candidate = key(agent_id)
        if best_id is None or outranks(candidate, agent_id, best_key, best_id):
            best_id, best_key = agent_id, candidate
    return best_id


def best_scored(
    agent_ids: Iterable[str], score: Callable[[str, Screen], Key], screen: Screen
) -> str | None:
    """The best-ranked of ``agent_ids`` by ``score`` on ``screen`` then idle time: what
    ``best_of`` with ``ranking_key`` picks, for the few agents the simulator ranks per
    ticket. At one ``now``, longer idle is exactly an earlier last assignment (never
    assigned first), so ties in score compare last assignments instead of working out
    seconds (a datetime subtraction and a float per agent)."""
    last_assigned = screen.roster.last_assigned
    best_id: str | None = None
    best_score: Key = ()
    best_last: datetime | None = None
    for agent_id in agent_ids:
        key = score(agent_id, screen)
        if best_id is None or key > best_score:
            best_id, best_score, best_last = agent_id, key, last_assigned(agent_id)
        elif key == best_score:  # a tie (the usual case): the longer idle, then the smaller id
            last = last_assigned(agent_id)
            if last == best_last:
                if agent_id < best_id:
                    best_id = agent_id
            elif last is None or (best_last is not None and last < best_last):
                best_id, best_last = agent_id, last
    return best_id


def idle_array(bulk: BulkScreen, idx: Indices) -> Floats:
    """``idle_seconds`` for agents ``idx`` of a large roster."""
    last = np.maximum(bulk.dynamic.last[idx], bulk.arrays.known_last[idx])
    idle: Floats = bulk.now.timestamp() - last
    return idle


def best_row(keys: list[Floats], idx: Indices) -> int:
    """Position (into ``idx``) of the lexicographically largest key; ties to the lowest
    position (the smallest agent id)."""
    rows = np.arange(idx.size)
    for key in keys:
        column = key[rows]
        rows = rows[column == column.max()]
        if rows.size == 1:
            break
    return int(rows[0])


def ranked_rows(keys: list[Floats], idx: Indices, count: int) -> Indices:
    """Positions (into ``idx``) of the ``count`` best keys, best first, ties to the lowest
    position."""
    order: Indices = np.lexsort((idx, *(-key for key in reversed(keys))))
    return order[:count]
