"""Who may take a ticket: each eligibility filter, defined once.

A filter is one object that says, for the ticket and moment being screened:

- ``test``: its check for one agent (a function of the agent id, True when the agent
  passes), or None when it removes nobody here (no group on the ticket, no fair limit...);
- ``mask``: the same check for every agent of a large roster at once, as a NumPy array;
- ``momentary``: whether it depends on the moment (time, load, this round's holds) or on
  the ticket's routing fields and the agents alone, so that an eligibility plan may keep
  its result per kind of ticket (``router.plan``);
- ``reads``: the ticket fields it reads (what makes tickets one kind for plans);
- ``detail``: why an agent failed, for the trace; ``words``: the refusal sentence's words;
- ``index`` (optional): the agents a roster index says may pass, so a large roster is
  pruned without checking everyone.

``ELIGIBILITY_FILTERS`` lists them in the order they are applied and reported: the first
filter an agent fails is the one the trace names. The per-agent screen
(``router.eligibility.Screen``), the cached plan (``router.plan.Plan``) and the array
screen (``router.bulk.BulkScreen``) all loop over this one tuple. Adding a filter is one
class here, one entry in the tuple, and its tests.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from collections.abc import Set as AbstractSet
from typing import TYPE_CHECKING, ClassVar

import numpy as np
from numpy.typing import NDArray

from router.model import AgentStatus

if TYPE_CHECKING:
    from datetime import datetime

    from router.bulk import BulkScreen
    from router.eligibility import Screen
    from router.roster import Roster

Mask = NDArray[np.bool_]
AgentTest = Callable[[str], bool]
"""A filter's check for one agent id: True when the agent passes."""


class Filter(ABC):
    """One eligibility filter: its per-agent check, its array form and its time dependence."""

    name: ClassVar[str]
    """The name traces and ``DecisionTrace.rejections()`` use."""
    words: ClassVar[str]
    """What agents it removed are, in the refusal sentence ("3 not online")."""
    momentary: ClassVar[bool] = False
    """True when the outcome depends on the moment (time, load, holds), not only on the
    ticket's routing fields and the agents."""
    reads: ClassVar[tuple[str, ...]] = ()
    """The ticket fields it reads: tickets that agree on every filter's fields are one
    kind, screened alike (``router.plan.kind_key``)."""

    @abstractmethod
    def test(self, screen: Screen) -> AgentTest | None:
        """The check for one agent on ``screen`` (None: nobody is removed here)."""

    @abstractmethod
    def mask(self, bulk: BulkScreen, alive: Mask) -> Mask | None:
        """Who passes, for every agent in ``agent_ids`` order (None: everyone). ``alive``:
        who passed the earlier filters (a costly check may skip the others)."""

    def detail(self, agent_id: str, screen: Screen) -> str:
        """Why ``agent_id`` failed this filter, for the trace."""
        return self.words

    def index(self, screen: Screen) -> AbstractSet[str] | None:
        """The agents a roster index says may pass (None: this filter has no index)."""
        return None

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class Held(Filter):
    """Agents set aside for now: already dealt a ticket in this backlog round."""

    name, words, momentary = "held", "already dealt a ticket this round", True

    def test(self, screen: Screen) -> AgentTest | None:
        held = screen.roster.held
        return None if not held else lambda agent_id: agent_id not in held

    def mask(self, bulk: BulkScreen, alive: Mask) -> Mask | None:
        roster = bulk.roster
        if not roster.held:
            return None
        passing = np.ones(bulk.arrays.size, dtype=np.bool_)
        passing[[roster.position(a) for a in roster.held if a in roster]] = False
        return passing


class Pool(Filter):
    """An escalated ticket goes only to the agents and groups of its pool."""

    name, words, reads = "pool", "outside the escalation pool", ("pool",)

    def test(self, screen: Screen) -> AgentTest | None:
        pool, agents = screen.ticket.pool, screen.agents
        if not pool:
            return None
        return lambda agent_id: agent_id in pool or not agents[agent_id].groups.isdisjoint(pool)

    def mask(self, bulk: BulkScreen, alive: Mask) -> Mask | None:
        pool, roster = bulk.ticket.pool, bulk.roster
        if not pool:
            return None
        inside = np.zeros(bulk.arrays.size, dtype=np.bool_)
        for name in pool:
            inside |= bulk.arrays.group(name)
            if name in roster:
                inside[roster.position(name)] = True
        return inside

    def index(self, screen: Screen) -> AbstractSet[str] | None:
        pool, roster = screen.ticket.pool, screen.roster
        if not pool:
            return None
        members = {a for a in pool if a in roster}
        for group in pool:
            members |= roster.in_group(group)
        return members


class Group(Filter):
    """A ticket with a group (and no pool) goes only to that group's members."""

    name, words, reads = "group", "outside the ticket's group", ("group", "pool")

    def test(self, screen: Screen) -> AgentTest | None:
        ticket = screen.ticket
        if ticket.pool or ticket.group is None:
            return None
        return screen.roster.in_group(ticket.group).__contains__

    def detail(self, agent_id: str, screen: Screen) -> str:
        return f"not in group {screen.ticket.group}"

    def mask(self, bulk: BulkScreen, alive: Mask) -> Mask | None:
        ticket = bulk.ticket
        if ticket.pool or ticket.group is None:
            return None
        return bulk.arrays.group(ticket.group)

    def index(self, screen: Screen) -> AbstractSet[str] | None:
        ticket = screen.ticket
        if ticket.pool or ticket.group is None:
            return None
        return screen.roster.in_group(ticket.group)


class Skills(Filter):
    """Every skill the ticket needs now, at its minimum level (``Screen.required``)."""

    name, words = "skills", "lacking a required skill"
    reads = ("required_skills", "optional_skills")

    def test(self, screen: Screen) -> AgentTest | None:
        required, agents = screen.required, screen.agents
        if not required:
            return None
        if len(required) == 1:  # the usual case: no loop per agent
            ((skill, minimum),) = required.items()
            return lambda agent_id: agents[agent_id].skills.get(skill, 0) >= minimum
        needed = tuple(required.items())
        return lambda agent_id: _has_all(agents[agent_id].skills, needed)

    def detail(self, agent_id: str, screen: Screen) -> str:
        skills = screen.agents[agent_id].skills
        skill, minimum = next((s, m) for s, m in screen.required.items() if skills.get(s, 0) < m)
        return f"{skill} {skills.get(skill, 0)} < {minimum}"

    def mask(self, bulk: BulkScreen, alive: Mask) -> Mask | None:
        if not bulk.required:
            return None
        passing = np.ones(bulk.arrays.size, dtype=np.bool_)
        for skill, minimum in bulk.required.items():
            passing &= bulk.arrays.skill(skill) >= minimum
        return passing

    def index(self, screen: Screen) -> AbstractSet[str] | None:
        having: AbstractSet[str] | None = None
        for skill in screen.required:
            found = screen.roster.having_skill(skill)
            having = found if having is None else having & found
        return having


def _has_all(skills: Mapping[str, int], needed: tuple[tuple[str, int], ...]) -> bool:
    return all(skills.get(skill, 0) >= minimum for skill, minimum in needed)


class Status(Filter):
    """Only agents the help desk reports ``online``."""

    name, words = "status", "not online"

    def test(self, screen: Screen) -> AgentTest | None:
        agents, online = screen.agents, AgentStatus.ONLINE
        return lambda agent_id: agents[agent_id].status is online

    def detail(self, agent_id: str, screen: Screen) -> str:
        return screen.agents[agent_id].status.value

    def mask(self, bulk: BulkScreen, alive: Mask) -> Mask | None:
        return bulk.arrays.online


class OnShift(Filter):
    """Agents with a schedule must be on shift, off break and not on holiday at ``now``."""

    name, words, momentary = "schedule", "off shift", True

    def test(self, screen: Screen) -> AgentTest | None:
        roster, now = screen.roster, screen.now
        scheduled = roster.scheduled
        if not scheduled:
            return None
        return lambda agent_id: agent_id not in scheduled or roster.on_shift(agent_id, now)

    def detail(self, agent_id: str, screen: Screen) -> str:
        schedule = screen.agents[agent_id].schedule
        return "" if schedule is None else schedule.describe(screen.now)

    def mask(self, bulk: BulkScreen, alive: Mask) -> Mask | None:
        if not bulk.arrays.scheduled.size:
            return None
        return bulk.arrays.on_shift(bulk.roster, bulk.now)


class Language(Filter):
    """With ``require_language``, an agent who lists languages must list the ticket's."""

    name, words = "language", "not speaking the ticket's language"
    reads = ("language",)

    def test(self, screen: Screen) -> AgentTest | None:
        language, agents = screen.ticket.language, screen.agents
        if not (screen.rules.require_language and language):
            return None
        return lambda agent_id: _speaks(agents[agent_id].languages, language)

    def detail(self, agent_id: str, screen: Screen) -> str:
        return f"does not speak {screen.ticket.language}"

    def mask(self, bulk: BulkScreen, alive: Mask) -> Mask | None:
        language = bulk.ticket.language
        if not (bulk.rules.require_language and language):
            return None
        return ~bulk.arrays.has_languages | bulk.arrays.speaks(language)


def _speaks(languages: frozenset[str], language: str) -> bool:
    return not languages or language in languages


class Requester(Filter):
    """An agent never takes a ticket they requested themselves (an internal desk's staff
    file tickets too; ``Ticket.requester`` matched against agent ids)."""

    name, words, reads = "requester", "the ticket's own requester", ("requester",)

    def test(self, screen: Screen) -> AgentTest | None:
        requester = screen.ticket.requester
        if requester is None or requester not in screen.roster:
            return None
        return requester.__ne__

    def mask(self, bulk: BulkScreen, alive: Mask) -> Mask | None:
        requester, roster = bulk.ticket.requester, bulk.roster
        if requester is None or requester not in roster:
            return None
        passing = np.ones(bulk.arrays.size, dtype=np.bool_)
        passing[roster.position(requester)] = False
        return passing


class Capacity(Filter):
    """Spare capacity at least the weight the ticket takes from the agent."""

    name, words, momentary = "capacity", "at capacity", True
    reads = ("weight", "type", "channel")  # what ``Capacity.weight_of`` reads

    def test(self, screen: Screen) -> AgentTest | None:
        spare, weights = screen.roster.spare, screen.weights
        if weights is not None:  # a plan's weights for its agents, worked out once
            return lambda agent_id: spare(agent_id) >= weights[agent_id]
        agents, ticket = screen.agents, screen.ticket
        return lambda agent_id: spare(agent_id) >= agents[agent_id].capacity.weight_of(ticket)

    def detail(self, agent_id: str, screen: Screen) -> str:
        spare = screen.roster.spare(agent_id)
        weight = screen.agents[agent_id].capacity.weight_of(screen.ticket)
        return f"spare {spare:g} < weight {weight:g}"

    def mask(self, bulk: BulkScreen, alive: Mask) -> Mask | None:
        spare = bulk.arrays.max_load - bulk.dynamic.loads
        passing: Mask = spare >= bulk.arrays.weights(bulk.ticket)
        return passing


class FairLimit(Filter):
    """At most ``fair_limit`` assignments per agent within ``fair_window_s`` (Chatwoot)."""

    name, words, momentary = "fair_limit", "at the fair-distribution limit", True

    def test(self, screen: Screen) -> AgentTest | None:
        rules, roster = screen.rules, screen.roster
        limit = rules.fair_limit
        if limit is None:
            return None
        since = screen.fair_since
        return lambda agent_id: roster.assignments_since(agent_id, since) < limit

    def detail(self, agent_id: str, screen: Screen) -> str:
        rules = screen.rules
        return f"{rules.fair_limit} assignments in {rules.fair_window_s:g}s"

    def mask(self, bulk: BulkScreen, alive: Mask) -> Mask | None:
        limit = bulk.rules.fair_limit
        if limit is None:
            return None
        since = bulk.now.timestamp() - bulk.rules.fair_window_s
        passing = np.ones(bulk.arrays.size, dtype=np.bool_)
        ids, roster = bulk.roster.agent_ids, bulk.roster
        for n in np.flatnonzero(alive):  # only those still in the running: a loop per agent
            recent = roster.state(ids[n]).recent
            passing[n] = sum(1 for at in recent if at.timestamp() >= since) < limit
        return passing


class Reserve(Filter):
    """Trunk reservation: a ticket below ``reserve_for`` does not take an agent when that
    would leave fewer than ``reserve_agents`` agents free for ``reserve_for`` and higher.

    *Free* means online, on shift and with room for a one-unit ticket (spare capacity at
    least 1), whatever their skills or groups, and whether or not the backlog has dealt
    them a ticket this round. An agent passes when, after taking the ticket (its weight
    for them), at least the reserve is still free. The reserve is at most one fewer than
    the agents online and on shift, so a desk never idles its last agent for a class that
    may not come (a lone weekend agent still works the email). Tickets at ``reserve_for``
    or above are never held back. It depends on the whole roster, not only on the agent:
    one agent freeing capacity or leaving can change what the others may take
    (``Eligibility.roster_wide``).
    """

    name, words, momentary = "reserve", "kept free for higher priorities", True
    reads = ("priority",)

    def test(self, screen: Screen) -> AgentTest | None:
        rules, ticket = screen.rules, screen.ticket
        if not rules.reserve_agents or ticket.priority >= rules.reserve_for:
            return None  # only for these static reasons: a plan keeps the answer
        roster, agents = screen.roster, screen.agents
        staffed = staffed_agents(roster, screen.now)
        reserve = min(rules.reserve_agents, len(staffed) - 1)
        if reserve <= 0:
            return _anyone
        weights = screen.weights

        def passes(agent_id: str) -> bool:
            free = free_agents(roster, staffed)  # live: a working roster changes in place
            if free != reserve:
                return free > reserve  # one more assignment leaves enough, or none can
            if agent_id not in staffed or roster.spare(agent_id) < 1.0:
                return True  # not counted as free: taking the ticket costs the reserve nothing
            weight = (
                agents[agent_id].capacity.weight_of(ticket)
                if weights is None
                else weights[agent_id]
            )
            return roster.spare(agent_id) - weight >= 1.0

        return passes

    def detail(self, agent_id: str, screen: Screen) -> str:
        rules, roster = screen.rules, screen.roster
        staffed = staffed_agents(roster, screen.now)
        reserve = min(rules.reserve_agents, len(staffed) - 1)
        free = free_agents(roster, staffed)
        kept = rules.reserve_for.name.lower()
        return f"{free} free, {reserve} kept for {kept}"

    def mask(self, bulk: BulkScreen, alive: Mask) -> Mask | None:
        rules, ticket, arrays = bulk.rules, bulk.ticket, bulk.arrays
        if not rules.reserve_agents or ticket.priority >= rules.reserve_for:
            return None
        staffed = arrays.online
        if arrays.scheduled.size:
            staffed = staffed & arrays.on_shift(bulk.roster, bulk.now)
        reserve = min(rules.reserve_agents, int(np.count_nonzero(staffed)) - 1)
        spare = arrays.max_load - bulk.dynamic.loads
        room = staffed & (spare >= 1.0)
        free = int(np.count_nonzero(room))
        if reserve <= 0 or free != reserve:
            return None if reserve <= 0 or free > reserve else np.zeros(arrays.size, np.bool_)
        passing: Mask = ~room | (spare - arrays.weights(ticket) >= 1.0)
        return passing


def _anyone(agent_id: str) -> bool:
    """A check everyone passes (a reserve the desk's staffing leaves at zero now)."""
    return True


def staffed_agents(roster: Roster, now: datetime) -> frozenset[str]:
    """Agents online and on shift at ``now``: who could take a reserved ticket."""
    agents, online = roster.agents, AgentStatus.ONLINE
    return frozenset(
        a for a in roster.agent_ids if agents[a].status is online and roster.on_shift(a, now)
    )


def free_agents(roster: Roster, staffed: AbstractSet[str]) -> int:
    """How many of ``staffed`` have room for a one-unit ticket on ``roster``."""
    spare = roster.spare
    return sum(1 for a in roster.having_spare_capacity() if a in staffed and spare(a) >= 1.0)


HELD, CAPACITY = Held(), Capacity()

ELIGIBILITY_FILTERS: tuple[Filter, ...] = (
    HELD,
    Pool(),
    Group(),
    Skills(),
    Status(),
    OnShift(),
    Language(),
    Requester(),
    CAPACITY,
    FairLimit(),
    Reserve(),
)
"""Every filter, in the order applied and reported. The index filters (pool, group,
skills) come right after ``held``, so pruning a large roster through the index names the
same filter as checking each agent would."""

AGENT_FILTERS = tuple(f for f in ELIGIBILITY_FILTERS if not f.momentary)
"""The filters that read the ticket's routing fields and the agents alone (kept in plans)."""
MOMENTARY_FILTERS = tuple(f for f in ELIGIBILITY_FILTERS if f.momentary)
"""The filters a decision checks at its moment."""

KIND_FIELDS = tuple(dict.fromkeys(name for f in ELIGIBILITY_FILTERS for name in f.reads))
"""Every ticket field a filter reads: tickets that agree on these are screened alike."""
