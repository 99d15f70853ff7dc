"""The vectorised screen for large rosters: the same filters as ``Screen``, on arrays.

Above ``EXPLAIN_EVERY_AGENT_UP_TO`` agents a policy screens the whole roster with NumPy
masks instead of a Python loop per agent. The filters, their order and the scores are
the ones ``router.eligibility.Screen`` applies one agent at a time (the contract suite and
``benchmarks/router_throughput.py`` check that both reach the same decisions); only the
trace differs: rejected agents are counted per filter, and the five best-scored eligible
agents are listed with their scores.
"""

from __future__ import annotations

from datetime import datetime

import numpy as np
from numpy.typing import NDArray

from router.eligibility import Eligibility, requirements
from router.model import AgentStatus, Ticket
from router.roster import Roster

Mask = NDArray[np.bool_]
Floats = NDArray[np.float64]
Indices = NDArray[np.intp]

SHORTLIST = 5
"""Eligible agents listed in a large roster's trace (the best-scored ones)."""


class StaticArrays:
    """Per-agent values that never change for one set of agents, in ``agent_ids`` order."""

    def __init__(self, roster: Roster) -> None:
        agents = [roster.agents[agent_id] for agent_id in roster.agent_ids]
        self.size = len(agents)
        self.max_load: Floats = np.array([a.capacity.max_load for a in agents], dtype=np.float64)
        self.online: Mask = np.array([a.status is AgentStatus.ONLINE for a in agents])
        self.known_last: Floats = np.array(
            [a.last_assigned_at.timestamp() if a.last_assigned_at else -np.inf for a in agents],
            dtype=np.float64,
        )
        self.has_languages: Mask = np.array([bool(a.languages) for a in agents])
        self.scheduled: Indices = np.array(
            [n for n, a in enumerate(agents) if a.schedule is not None], dtype=np.intp
        )
        self._agents = agents
        self._skills: dict[str, NDArray[np.int16]] = {}
        self._groups: dict[str, Mask] = {}
        self._languages: dict[str, Mask] = {}
        self._weights: dict[tuple[str | None, str, float | None], Floats] = {}
        self._shift: tuple[datetime, Mask] | None = None

    def skill(self, name: str) -> NDArray[np.int16]:
        """Each agent's level in ``name`` (0 when lacking it)."""
        if name not in self._skills:
            self._skills[name] = np.array(
                [a.skills.get(name, 0) for a in self._agents], dtype=np.int16
            )
        return self._skills[name]

    def group(self, name: str) -> Mask:
        """Membership of group ``name``."""
        if name not in self._groups:
            self._groups[name] = np.array([name in a.groups for a in self._agents])
        return self._groups[name]

    def speaks(self, language: str) -> Mask:
        """Who lists ``language``."""
        if language not in self._languages:
            self._languages[language] = np.array([language in a.languages for a in self._agents])
        return self._languages[language]

    def weights(self, ticket: Ticket) -> Floats:
        """Capacity units the ticket would take from each agent."""
        key = (ticket.type, ticket.channel, ticket.weight)
        if key not in self._weights:
            self._weights[key] = np.array(
                [a.capacity.weight_of(ticket) for a in self._agents], dtype=np.float64
            )
        return self._weights[key]

    def on_shift(self, roster: Roster, now: datetime) -> Mask:
        """Who is working at ``now`` (agents without a schedule always are)."""
        if self._shift is not None and self._shift[0] == now:
            return self._shift[1]
        working = np.ones(self.size, dtype=np.bool_)
        ids = roster.agent_ids
        for n in self.scheduled:
            working[n] = roster.on_shift(ids[n], now)
        self._shift = (now, working)
        return working


def static_arrays(roster: Roster) -> StaticArrays:
    """The roster's static arrays, built on first use and shared by derived snapshots."""
    arrays = roster.static_arrays
    if not isinstance(arrays, StaticArrays):
        arrays = StaticArrays(roster)
        roster.static_arrays = arrays
    return arrays


class BulkScreen:
    """The eligible agents of a large roster for one ticket, and who each filter removed."""

    def __init__(
        self, ticket: Ticket, roster: Roster, now: datetime, rules: Eligibility,
        counting: bool = True,
    ) -> None:
        self.ticket, self.roster = ticket, roster  # two at a time: four would build a tuple
        self.now, self.rules = now, rules
        self.counting = counting  # False (untraced choices): ``removed`` is left empty
        self.needs = requirements(ticket, rules, now)
        self.arrays = static_arrays(roster)
        self.dynamic = roster.dynamic()
        self.removed: dict[str, int] = {}
        self._alive_count = self.arrays.size
        self.eligible: Indices = self._screen()

    def _screen(self) -> Indices:
        arrays, ticket, roster = self.arrays, self.ticket, self.roster
        alive: Mask = np.ones(arrays.size, dtype=np.bool_)
        if roster.held:
            held = np.zeros(arrays.size, dtype=np.bool_)
            held[[roster.position(a) for a in roster.held if a in roster]] = True
            alive = self._keep("held", alive, ~held)
        if ticket.pool:
            inside = np.zeros(arrays.size, dtype=np.bool_)
            for name in ticket.pool:
                inside |= arrays.group(name)
                if name in roster:
                    inside[roster.position(name)] = True
            alive = self._keep("pool", alive, inside)
        elif ticket.group is not None:
            alive = self._keep("group", alive, arrays.group(ticket.group))
        for skill, minimum in self.needs.required.items():
            alive = self._keep("skills", alive, arrays.skill(skill) >= minimum)
        alive = self._keep("status", alive, arrays.online)
        if arrays.scheduled.size:
            alive = self._keep("schedule", alive, arrays.on_shift(roster, self.now))
        if self.rules.require_language and ticket.language:
            alive = self._keep(
                "language", alive, ~arrays.has_languages | arrays.speaks(ticket.language)
            )
        spare = arrays.max_load - self.dynamic.loads
        alive = self._keep("capacity", alive, spare >= arrays.weights(ticket))
        if self.rules.fair_limit is not None:
            alive = self._keep("fair_limit", alive, self._under_fair_limit(alive))
        return np.flatnonzero(alive)

    def _keep(self, name: str, alive: Mask, passing: Mask) -> Mask:
        kept = alive & passing
        if not self.counting:
            return kept
        count = int(np.count_nonzero(kept))
        if count < self._alive_count:
            self.removed[name] = self.removed.get(name, 0) + self._alive_count - count
            self._alive_count = count
        return kept

    def _under_fair_limit(self, alive: Mask) -> Mask:
        limit = self.rules.fair_limit
        assert limit is not None
        since = self.now.timestamp() - self.rules.fair_window_s
        passing = np.ones(self.arrays.size, dtype=np.bool_)
        ids = self.roster.agent_ids
        for n in np.flatnonzero(alive):
            recent = self.roster.state(ids[n]).recent
            passing[n] = sum(1 for at in recent if at.timestamp() >= since) < limit
        return passing

    # --- values choosers score with ---------------------------------------------------------

    def spare(self, idx: Indices) -> Floats:
        """Spare capacity units of agents ``idx``."""
        return self.arrays.max_load[idx] - self.dynamic.loads[idx]

    def spare_pct(self, idx: Indices) -> Floats:
        """Spare capacity as a percentage of each agent's limit (0 for a zero limit)."""
        limit = self.arrays.max_load[idx]
        spare = self.spare(idx)
        safe = np.where(limit > 0, limit, 1.0)
        pct: Floats = np.where(limit > 0, 100.0 * spare / safe, 0.0)
        return pct

    def idle(self, idx: Indices) -> Floats:
        """Seconds since each agent's last assignment (inf when never assigned)."""
        last = np.maximum(self.dynamic.last[idx], self.arrays.known_last[idx])
        idle: Floats = self.now.timestamp() - last
        return idle

    def level(self, skill: str, idx: Indices) -> Floats:
        """Each agent's level in ``skill``."""
        return self.arrays.skill(skill)[idx].astype(np.float64)


def best(keys: list[Floats], idx: Indices) -> int:
    """Position (into ``idx``) of the lexicographically largest key; ties to the lowest index."""
    rows = np.arange(idx.size)
    for key in keys:
        column = key[rows]
        rows = rows[column == column.max()]
        if rows.size == 1:
            break
    return int(rows[0])


def ranked(keys: list[Floats], idx: Indices, count: int) -> Indices:
    """Positions (into ``idx``) of the ``count`` best keys, best first, ties by lowest index."""
    order = np.lexsort((idx, *(-key for key in reversed(keys))))
    return order[:count]
