"""A snapshot of the agents and their current load, with the indexes policies search.

What a ``Roster`` says never changes: ``with_assignment`` and friends return a new snapshot
that shares the agents' (static) ``AgentIndex`` with the old one, so draining a queue of
thousands of tickets costs one small dict copy per assignment, not a rebuild. Values worked
out from the agents alone on first use (policies' eligibility plans, the array screen's
arrays, the last on-shift answers) live in one explicitly mutable ``RosterCache`` that those
snapshots share; filling it never changes an answer. The one roster that changes is
``WorkingRoster``, which its single owner (the simulator) updates in place.
"""

from __future__ import annotations

import copy
from collections import deque
from collections.abc import Hashable, Iterable, Iterator, Mapping, Sequence
from collections.abc import Set as AbstractSet
from datetime import datetime
from types import MappingProxyType
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import NDArray

from router.model import Agent

RECENT_KEPT = 100
"""Assignment times remembered per agent: enough for Chatwoot's default fair limit (100/h)."""


class AgentState(NamedTuple):
    """The changing part of an agent: load in capacity units and recent assignment times.

    A named tuple rather than a frozen dataclass: one is built per assignment and release,
    and a tuple is the cheapest immutable value to build.
    """

    load: float = 0.0
    recent: tuple[datetime, ...] = ()

    def assigned(self, weight: float, at: datetime) -> AgentState:
        """State after taking ``weight`` units at ``at``."""
        recent = self.recent
        kept = recent if len(recent) < RECENT_KEPT else recent[1 - RECENT_KEPT :]
        return AgentState(self.load + weight, kept + (at,))  # noqa: RUF005  (one copy, not two)

    def released(self, weight: float) -> AgentState:
        """State after finishing work worth ``weight`` units."""
        return AgentState(_released(self.load, weight), self.recent)


def _released(load: float, weight: float) -> float:
    """Load after finishing work worth ``weight`` units (never below zero)."""
    return max(load - weight, 0.0)


def _latest(recent: Sequence[datetime], agent: Agent) -> datetime | None:
    """The later of our last assignment (``recent[-1]``) and the help desk's record."""
    known = agent.last_assigned_at
    if recent and (known is None or recent[-1] > known):
        return recent[-1]
    return known


def _count_since(recent: Iterable[datetime], since: datetime) -> int:
    """How many of ``recent`` are at or after ``since``."""
    return sum(1 for at in recent if at >= since)


class AgentIndex:
    """Static lookups over one set of agents, shared by every roster derived from it.

    Built once and never changed.
    """

    __slots__ = ("agents", "by_group", "by_skill", "ids", "limits", "pos", "scheduled")

    def __init__(self, agents: Mapping[str, Agent]) -> None:
        self.agents = agents
        self.ids: tuple[str, ...] = tuple(sorted(agents))
        self.pos: dict[str, int] = {agent_id: n for n, agent_id in enumerate(self.ids)}
        self.limits = {agent_id: agent.capacity.max_load for agent_id, agent in agents.items()}
        self.scheduled = frozenset(i for i, agent in agents.items() if agent.schedule is not None)
        by_group: dict[str, set[str]] = {}
        by_skill: dict[str, set[str]] = {}
        for agent in agents.values():
            for group in agent.groups:
                by_group.setdefault(group, set()).add(agent.id)
            for skill in agent.skills:
                by_skill.setdefault(skill, set()).add(agent.id)
        self.by_group = {key: frozenset(value) for key, value in by_group.items()}
        self.by_skill = {key: frozenset(value) for key, value in by_skill.items()}


class RosterCache:
    """Values worked out from one set of agents on first use, shared by every roster derived
    from it without changing an agent; a roster's only mutable part. Nothing here depends
    on load or time, except ``shifts``, which remembers each agent's last on-shift answer
    with the instant it was for."""

    __slots__ = ("arrays", "memos", "shifts")

    def __init__(self) -> None:
        self.arrays: Any = None
        """Per-agent arrays of the vectorised screen (``router.bulk.static_arrays``)."""
        self.memos: dict[object, dict[Hashable, Any]] = {}
        self.shifts: dict[str, tuple[datetime, bool]] = {}
        """Last (now, on shift) per agent: a queue drain asks the same instant many times."""

    def memo(self, owner: object) -> dict[Hashable, Any]:
        """``owner``'s memo of values derived from the agents alone (e.g. a policy's
        eligibility plans). ``owner`` is held by identity, so one object's memo never mixes
        with another's."""
        memo = self.memos.get(owner)
        if memo is None:
            memo = self.memos[owner] = {}
        return memo


class Roster:
    """Agents, their load and recent assignments at one moment.

    Immutable in what it says; ``cache`` holds values derived from the agents alone, and
    the load arrays (``dynamic``) are built on first use.
    """

    __slots__ = ("_cache", "_dynamic", "_held", "_index", "_spare", "_states")

    def __init__(
        self,
        agents: Iterable[Agent],
        loads: Mapping[str, float] | None = None,
        recent: Mapping[str, Iterable[datetime]] | None = None,
    ) -> None:
        by_id: dict[str, Agent] = {}
        for agent in agents:
            if agent.id in by_id:
                raise ValueError(f"agent {agent.id!r} appears twice in the roster")
            by_id[agent.id] = agent
        unknown = sorted(set(loads or {}) - by_id.keys())
        if unknown:
            raise ValueError(f"load given for unknown agents: {', '.join(unknown)}")
        self._index = AgentIndex(MappingProxyType(by_id))
        self._cache = RosterCache()
        self._states: dict[str, AgentState] = {}
        for agent_id in self._index.ids:
            load = float((loads or {}).get(agent_id, 0.0))
            if load < 0:
                raise ValueError(f"load of agent {agent_id!r} is negative")
            times = tuple(sorted((recent or {}).get(agent_id, ())))[-RECENT_KEPT:]
            self._states[agent_id] = AgentState(load, times)
        self._held: frozenset[str] = frozenset()
        self._spare: AbstractSet[str] = _with_spare(self._index, self._states)
        self._dynamic: Dynamic | None = None

    @classmethod
    def _derive(
        cls,
        index: AgentIndex,
        cache: RosterCache,
        states: dict[str, AgentState],
        held: frozenset[str],
        spare: AbstractSet[str] | None = None,
        dynamic: Dynamic | None = None,
    ) -> Roster:
        roster = cls.__new__(cls)
        roster._index, roster._cache = index, cache
        roster._states, roster._held = states, held
        roster._spare = _with_spare(index, states) if spare is None else spare
        roster._dynamic = dynamic
        return roster

    def _respared(self, agent_id: str, state: AgentState) -> AbstractSet[str]:
        """The spare-capacity index after ``agent_id`` moves to ``state`` (cheap if unchanged)."""
        has_spare = state.load < self._index.limits[agent_id]
        if has_spare == (agent_id in self._spare):
            return self._spare
        return self._spare | {agent_id} if has_spare else self._spare - {agent_id}

    # --- reading -----------------------------------------------------------------------

    @property
    def agents(self) -> Mapping[str, Agent]:
        """Agents by id (read-only)."""
        return self._index.agents

    @property
    def agent_ids(self) -> tuple[str, ...]:
        """Agent ids in sorted order: the deterministic order every policy walks."""
        return self._index.ids

    @property
    def held(self) -> frozenset[str]:
        """Agents set aside for now (e.g. already dealt a ticket in this backlog round)."""
        return self._held

    def __len__(self) -> int:
        return len(self._index.ids)

    def __iter__(self) -> Iterator[Agent]:
        return (self._index.agents[agent_id] for agent_id in self._index.ids)

    def __contains__(self, agent_id: object) -> bool:
        return agent_id in self._index.agents

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Roster):
            return NotImplemented
        return (
            dict(self.agents) == dict(other.agents)
            and self._states == other._states
            and self._held == other._held
        )

    __hash__ = None  # type: ignore[assignment]

    def __deepcopy__(self, memo: dict[int, object]) -> Roster:
        agents = {i: copy.deepcopy(a, memo) for i, a in self._index.agents.items()}
        states = {i: copy.deepcopy(s, memo) for i, s in self._states.items()}
        return Roster._derive(
            AgentIndex(MappingProxyType(agents)), RosterCache(), states, self._held
        )

    def __repr__(self) -> str:
        return f"Roster({len(self)} agents, load={self.total_load():g})"

    def state(self, agent_id: str) -> AgentState:
        """The agent's load and recent assignments."""
        return self._states[agent_id]

    def load(self, agent_id: str) -> float:
        """Capacity units the agent currently holds."""
        return self._states[agent_id].load

    def spare(self, agent_id: str) -> float:
        """Capacity units still free (may be negative when over-assigned by a human)."""
        return self._index.limits[agent_id] - self._states[agent_id].load

    def total_load(self) -> float:
        """Sum of all agents' load."""
        return sum(state.load for state in self._states.values())

    def last_assigned(self, agent_id: str) -> datetime | None:
        """Latest assignment we know of: ours (recent) or the help desk's own record."""
        return _latest(self._states[agent_id].recent, self._index.agents[agent_id])

    def assignments_since(self, agent_id: str, since: datetime) -> int:
        """How many of the remembered assignments happened at or after ``since``."""
        return _count_since(self._states[agent_id].recent, since)

    def on_shift(self, agent_id: str, now: datetime) -> bool:
        """True when the agent's schedule (if any) has them working at ``now``."""
        schedule = self._index.agents[agent_id].schedule
        if schedule is None:
            return True
        shifts = self._cache.shifts
        cached = shifts.get(agent_id)
        if cached is not None and cached[0] == now:
            return cached[1]
        working = shifts[agent_id] = (now, schedule.on_shift(now))
        return working[1]

    def in_group(self, group: str) -> frozenset[str]:
        """Ids of agents who belong to ``group``."""
        return self._index.by_group.get(group, frozenset())

    def having_skill(self, skill: str) -> frozenset[str]:
        """Ids of agents who have ``skill`` at any level."""
        return self._index.by_skill.get(skill, frozenset())

    def having_spare_capacity(self) -> AbstractSet[str]:
        """Ids of agents whose load is below their limit (the only ones who can take work)."""
        return self._spare

    @property
    def whole_loads(self) -> bool:
        """True when every agent's load is known to be a whole number of units (then an
        agent with spare capacity under a whole limit has room for a one-unit ticket).
        False means not known: a snapshot does not check."""
        return False

    def dynamic(self) -> Dynamic:
        """Loads and our last-assignment times as arrays in ``agent_ids`` order (built once,
        then carried forward cheaply by every derived snapshot)."""
        if self._dynamic is None:
            self._dynamic = Dynamic.build(self._index.ids, self._states)
        return self._dynamic

    def position(self, agent_id: str) -> int:
        """The agent's place in ``agent_ids`` (and in every per-agent array)."""
        return self._index.pos[agent_id]

    @property
    def scheduled(self) -> frozenset[str]:
        """Ids of agents who have a working schedule (everyone else is always on shift)."""
        return self._index.scheduled

    @property
    def cache(self) -> RosterCache:
        """Values derived from the agents alone, worked out on first use and shared by every
        snapshot derived without changing an agent (``with_agent`` starts afresh)."""
        return self._cache

    def working_copy(self) -> WorkingRoster:
        """A private copy that its one owner updates in place (see ``WorkingRoster``)."""
        return WorkingRoster._own(self)

    def with_assignment(self, agent_id: str, weight: float, at: datetime) -> Roster:
        """A snapshot in which ``agent_id`` took ``weight`` more units at ``at``."""
        states = dict(self._states)
        state = states[agent_id] = states[agent_id].assigned(weight, at)
        dynamic = self._dynamic and self._dynamic.changed(self._index.pos[agent_id], state)
        spare = self._respared(agent_id, state)
        return Roster._derive(self._index, self._cache, states, self._held, spare, dynamic)

    def with_release(self, agent_id: str, weight: float) -> Roster:
        """A snapshot in which ``agent_id`` finished work worth ``weight`` units."""
        states = dict(self._states)
        state = states[agent_id] = states[agent_id].released(weight)
        dynamic = self._dynamic and self._dynamic.changed(self._index.pos[agent_id], state)
        spare = self._respared(agent_id, state)
        return Roster._derive(self._index, self._cache, states, self._held, spare, dynamic)

    def with_agent(self, agent: Agent) -> Roster:
        """A snapshot with ``agent`` added or replaced (status, skills, schedule changes)."""
        agents = dict(self._index.agents)
        agents[agent.id] = agent
        states = dict(self._states)
        states.setdefault(agent.id, AgentState())
        index = AgentIndex(MappingProxyType(agents))
        return Roster._derive(index, RosterCache(), {i: states[i] for i in index.ids}, self._held)

    def holding(self, agent_ids: Iterable[str]) -> Roster:
        """A snapshot in which ``agent_ids`` are set aside (not eligible) as well."""
        held = self._held | frozenset(agent_ids)
        return Roster._derive(
            self._index, self._cache, self._states, held, self._spare, self._dynamic
        )


class WorkingRoster(Roster):
    """A roster updated in place by ``assign`` and ``release``, for a single owner.

    The simulator moves one roster along its clock, ticket after ticket, and keeps no older
    snapshot, so deriving a new immutable ``Roster`` per assignment and release would only
    cost time. Policies read a ``WorkingRoster`` exactly like any ``Roster`` (it is one);
    the owner must not change it while a decision is running, and nobody may keep what it
    returns (``having_spare_capacity`` and ``dynamic`` are live here) across a change.
    ``snapshot`` and the ``with_*`` / ``holding`` derivations give ordinary immutable
    rosters that share nothing it changes.

    Loads live in a dict and recent assignment times in a bounded deque per agent, so an
    assignment appends one time instead of copying the agent's history; the readers the
    policies call per agent are overridden to read them, and everything else reads the
    per-agent states built from them on demand.
    """

    __slots__ = ("_known", "_last", "_limits", "_loads", "_recent", "_whole")

    _spare: set[str]
    _loads: dict[str, float]
    _recent: dict[str, deque[datetime]]
    _known: dict[str, datetime | None]
    _last: dict[str, datetime | None]
    _limits: dict[str, float]
    _whole: bool

    @classmethod
    def _own(cls, roster: Roster) -> WorkingRoster:
        working = cls.__new__(cls)
        working._index, working._cache = roster._index, roster._cache
        working._held, working._dynamic = roster._held, None
        states = roster._states
        working._loads = {agent_id: state.load for agent_id, state in states.items()}
        working._recent = {
            agent_id: deque(state.recent, maxlen=RECENT_KEPT) for agent_id, state in states.items()
        }
        working._spare = set(roster._spare)
        agents = roster._index.agents
        working._known = {agent_id: agents[agent_id].last_assigned_at for agent_id in states}
        working._last = {
            agent_id: _latest(state.recent, agents[agent_id]) for agent_id, state in states.items()
        }
        working._limits = roster._index.limits
        working._whole = all(float(load).is_integer() for load in working._loads.values())
        return working

    @property
    def _states(self) -> dict[str, AgentState]:  # type: ignore[override]  # derived, not kept
        recent = self._recent
        return {i: AgentState(load, tuple(recent[i])) for i, load in self._loads.items()}

    def snapshot(self) -> Roster:
        """An immutable copy of the roster as it is now."""
        dynamic = self._dynamic and Dynamic(self._dynamic.loads.copy(), self._dynamic.last.copy())
        spare = frozenset(self._spare)
        return Roster._derive(self._index, self._cache, self._states, self._held, spare, dynamic)

    def assign(self, agent_id: str, weight: float, at: datetime) -> None:
        """``agent_id`` took ``weight`` more units at ``at`` (in place)."""
        if weight != 1.0:
            self._weighed(weight)
        self._recent[agent_id].append(at)
        known = self._known[agent_id]  # the last assignment is now ``_latest`` of the above
        self._last[agent_id] = at if known is None or at > known else known
        load = self._loads[agent_id] = self._loads[agent_id] + weight
        if load >= self._limits[agent_id]:
            self._spare.discard(agent_id)
        if self._dynamic is not None:
            self._dynamic.loads[self._index.pos[agent_id]] = load
            self._dynamic.last[self._index.pos[agent_id]] = at.timestamp()

    def release(self, agent_id: str, weight: float) -> None:
        """``agent_id`` finished work worth ``weight`` units (in place)."""
        if weight != 1.0:
            self._weighed(weight)
        load = self._loads[agent_id] - weight
        load = self._loads[agent_id] = load if load > 0.0 else 0.0  # never below zero
        if load < self._limits[agent_id]:
            self._spare.add(agent_id)
        if self._dynamic is not None:
            self._dynamic.loads[self._index.pos[agent_id]] = load

    # --- the readers policies call per agent, on the live values ------------------------

    def state(self, agent_id: str) -> AgentState:
        """The agent's load and recent assignments."""
        return AgentState(self._loads[agent_id], tuple(self._recent[agent_id]))

    def load(self, agent_id: str) -> float:
        """Capacity units the agent currently holds."""
        return self._loads[agent_id]

    def spare(self, agent_id: str) -> float:
        """Capacity units still free."""
        return self._limits[agent_id] - self._loads[agent_id]

    def total_load(self) -> float:
        """Sum of all agents' load."""
        return sum(self._loads.values())

    @property
    def whole_loads(self) -> bool:
        """True while every weight assigned or released (and every starting load) was whole."""
        return self._whole

    def _weighed(self, weight: float) -> None:
        """Note a weight other than one unit: a fractional one ends ``whole_loads``."""
        if not float(weight).is_integer():
            self._whole = False

    def last_assigned(self, agent_id: str) -> datetime | None:
        """Latest assignment we know of: ours (recent) or the help desk's own record."""
        return self._last[agent_id]

    def assignments_since(self, agent_id: str, since: datetime) -> int:
        """How many of the remembered assignments happened at or after ``since``."""
        return _count_since(self._recent[agent_id], since)

    def dynamic(self) -> Dynamic:
        """Loads and last-assignment times as arrays, kept up to date in place."""
        if self._dynamic is None:
            self._dynamic = Dynamic.build(self._index.ids, self._states)
        return self._dynamic

    # --- derivations go through an immutable snapshot -----------------------------------

    def with_assignment(self, agent_id: str, weight: float, at: datetime) -> Roster:
        """An immutable snapshot in which ``agent_id`` took ``weight`` more units at ``at``."""
        return self.snapshot().with_assignment(agent_id, weight, at)

    def with_release(self, agent_id: str, weight: float) -> Roster:
        """An immutable snapshot in which ``agent_id`` finished work worth ``weight`` units."""
        return self.snapshot().with_release(agent_id, weight)

    def with_agent(self, agent: Agent) -> Roster:
        """An immutable snapshot with ``agent`` added or replaced."""
        return self.snapshot().with_agent(agent)

    def holding(self, agent_ids: Iterable[str]) -> Roster:
        """An immutable snapshot with ``agent_ids`` set aside as well."""
        return self.snapshot().holding(agent_ids)


class Dynamic:
    """Per-agent load and last-assignment timestamp arrays (never modified once built, except
    a ``WorkingRoster``'s own)."""

    __slots__ = ("last", "loads")

    def __init__(self, loads: NDArray[np.float64], last: NDArray[np.float64]) -> None:
        self.loads, self.last = loads, last

    @classmethod
    def build(cls, ids: tuple[str, ...], states: Mapping[str, AgentState]) -> Dynamic:
        """Arrays from per-agent states."""
        loads = np.array([states[i].load for i in ids], dtype=np.float64)
        last = np.array(
            [states[i].recent[-1].timestamp() if states[i].recent else -np.inf for i in ids],
            dtype=np.float64,
        )
        return cls(loads, last)

    def changed(self, position: int, state: AgentState) -> Dynamic:
        """Copies with one agent's entries replaced by ``state``."""
        loads, last = self.loads.copy(), self.last
        loads[position] = state.load
        stamp = state.recent[-1].timestamp() if state.recent else -np.inf
        if last[position] != stamp:
            last = last.copy()
            last[position] = stamp
        return Dynamic(loads, last)


def _with_spare(index: AgentIndex, states: Mapping[str, AgentState]) -> frozenset[str]:
    limits = index.limits
    return frozenset(i for i in index.ids if states[i].load < limits[i])
