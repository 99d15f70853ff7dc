"""The vectorised screen for large rosters: the same filter objects as ``Screen``, on arrays.

Above ``EXPLAIN_EVERY_AGENT_UP_TO`` agents a policy screens the whole roster with NumPy
masks instead of a Python loop per agent: each filter of ``router.filters`` gives its
array form (``Filter.mask``), in the same order the per-agent screen applies them, and the
scores and tie-break are the same (the contract suite and
``benchmarks/router_throughput.py`` check that both reach the same decisions); only the
trace differs: rejected agents are counted per filter, and the five best-scored eligible
agents are listed with their scores.
"""

from __future__ import annotations

from datetime import datetime

import numpy as np
from numpy.typing import NDArray

from router.eligibility import Eligibility, requirements
from router.filters import ELIGIBILITY_FILTERS, Mask
from router.model import AgentStatus, Ticket
from router.roster import Roster

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
        self.online: Mask = np.array(
            [a.status is AgentStatus.ONLINE for a in agents], dtype=np.bool_
        )
        self.known_last: Floats = np.array(
            [a.last_assigned_at.timestamp() if a.last_assigned_at else -np.inf for a in agents],
            dtype=np.float64,
        )
        self.has_languages: Mask = np.array([bool(a.languages) for a in agents], dtype=np.bool_)
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
            self._groups[name] = np.array([name in a.groups for a in self._agents], dtype=np.bool_)
        return self._groups[name]

    def speaks(self, language: str) -> Mask:
        """Who lists ``language``."""
        if language not in self._languages:
            self._languages[language] = np.array(
                [language in a.languages for a in self._agents], dtype=np.bool_
            )
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
    """The roster's static arrays, built on first use and kept in its cache (shared by
    derived snapshots)."""
    cache = roster.cache
    arrays = cache.arrays
    if not isinstance(arrays, StaticArrays):
        arrays = cache.arrays = StaticArrays(roster)
    return arrays


class BulkScreen:
    """The eligible agents of a large roster for one ticket, and who each filter removed."""

    def __init__(
        self,
        ticket: Ticket,
        roster: Roster,
        now: datetime,
        rules: Eligibility,
        counting: bool = True,
    ) -> None:
        self.ticket, self.roster = ticket, roster  # two at a time: four would build a tuple
        self.now, self.rules = now, rules
        self.counting = counting  # False (untraced choices): ``removed`` is left empty
        self.needs = requirements(ticket, rules, now)
        self.required = self.needs.required
        self.arrays = static_arrays(roster)
        self.dynamic = roster.dynamic()
        self.removed: dict[str, int] = {}
        self._alive_count = self.arrays.size
        self.eligible: Indices = self._screen()

    def _screen(self) -> Indices:
        alive: Mask = np.ones(self.arrays.size, dtype=np.bool_)
        for check in ELIGIBILITY_FILTERS:
            passing = check.mask(self, alive)
            if passing is not None:
                alive = self._keep(check.name, alive, passing)
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

    def level(self, skill: str, idx: Indices) -> Floats:
        """Each agent's level in ``skill``."""
        return self.arrays.skill(skill)[idx].astype(np.float64)
