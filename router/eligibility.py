"""Who may take a ticket: the shared filters' settings and the per-agent screen.

The filters themselves are defined once each in ``router.filters``; a ``Screen`` applies
them, in their fixed order, to one ticket at one moment, agent by agent. The first filter
an agent fails is the reason recorded in the trace.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from router.filters import ELIGIBILITY_FILTERS, AgentTest, Filter
from router.model import Agent, Priority, Ticket
from router.pydantic_fast import fields_of
from router.roster import Roster

FILTERS = tuple(f.name for f in ELIGIBILITY_FILTERS)
"""Filter names, in the order they are applied (and reported)."""

EXPLAIN_EVERY_AGENT_UP_TO = 64
"""Rosters up to this size are checked agent by agent; larger ones are pruned by index first."""


@dataclass(frozen=True, kw_only=True, slots=True)
class Eligibility:
    """Settings every policy shares: the shared filters', and continuity's.

    ``optional_skills_timeout_s``: ``None`` makes optional skills a preference only (scored,
    never required); a number makes them required until the ticket has waited that long,
    then they are dropped (Salesforce's ``dropAdditionalSkillsTimeout``, Zendesk's skills
    timeout). ``fair_limit``: at most this many assignments per agent within
    ``fair_window_s`` (Chatwoot's fair distribution). ``continuity_window_h``: not a
    filter but a preference applied after them (``router.continuity``): the ticket's
    previous agent, if they handled the requester within this many hours and pass every
    filter now, is chosen; ``None`` (the default) turns it off. ``reserve_agents``:
    trunk reservation (``router.filters.Reserve``): a ticket below ``reserve_for`` is
    refused by an agent when taking it would leave fewer than this many agents free for
    ``reserve_for`` and higher; 0 (the default) turns it off.
    """

    require_language: bool = False
    optional_skills_timeout_s: float | None = None
    fair_limit: int | None = None
    fair_window_s: float = 3600.0
    continuity_window_h: float | None = None
    reserve_agents: int = 0
    reserve_for: Priority = Priority.URGENT

    def __post_init__(self) -> None:
        # a name ("urgent") or number from a policy file, kept as the priority it names
        object.__setattr__(self, "reserve_for", Priority.parse(self.reserve_for))
        reserve = self.reserve_agents
        if isinstance(reserve, bool) or not isinstance(reserve, int) or reserve < 0:
            raise ValueError(f"reserve_agents must be a whole number >= 0, not {reserve!r}")
        if self.continuity_window_h is not None and not self.continuity_window_h > 0:
            raise ValueError("continuity_window_h must be > 0 (or unset to turn it off)")
        if self.optional_skills_timeout_s is not None and self.optional_skills_timeout_s < 0:
            raise ValueError("optional_skills_timeout_s must be >= 0")
        if self.fair_limit is not None and self.fair_limit < 1:
            raise ValueError("fair_limit must be >= 1")
        if self.fair_window_s <= 0:
            raise ValueError("fair_window_s must be > 0")

    @property
    def roster_wide(self) -> bool:
        """True when a filter weighs an agent against the rest of the roster (the reserve):
        one agent freeing capacity, or leaving, may change what the others may take."""
        return self.reserve_agents > 0


@dataclass(frozen=True, kw_only=True, slots=True)
class Requirements:
    """The skills a ticket needs at this moment, after timed relaxation."""

    required: Mapping[str, int] = field(default_factory=dict)
    preferred: Mapping[str, int] = field(default_factory=dict)
    relaxed: tuple[str, ...] = ()


def requirements(ticket: Ticket, rules: Eligibility, now: datetime) -> Requirements:
    """Required skills now: the ticket's own, plus optional ones until their timeout."""
    optional = ticket.optional_skills
    timeout = rules.optional_skills_timeout_s
    if not optional or timeout is None:
        return Requirements(required=ticket.required_skills, preferred=optional)
    if ticket.waited(now) >= timedelta(seconds=timeout):
        return Requirements(
            required=ticket.required_skills, preferred=optional, relaxed=tuple(sorted(optional))
        )
    merged = dict(optional)
    for skill, level in ticket.required_skills.items():
        merged[skill] = max(level, merged.get(skill, 0))
    return Requirements(required=merged, preferred=optional)


def relaxes_after(rules: Eligibility, ticket: Ticket) -> float | None:
    """Seconds of waiting after which ``ticket``'s optional skills stop being required."""
    timeout = rules.optional_skills_timeout_s
    return timeout if ticket.optional_skills and timeout is not None else None


def fair_window_start(rules: Eligibility, now: datetime) -> datetime:
    """Where the fair-distribution window starts at ``now`` (``now`` when there is no limit)."""
    return now - timedelta(seconds=rules.fair_window_s) if rules.fair_limit is not None else now


class Screen:
    """One ticket at one moment, screened agent by agent with the shared filters.

    Built once per decision (and per moment of a plan's checks); the filters' checks are
    worked out on first use, so a screen used only for scores costs a few attribute sets.
    ``weights``: the capacity units the ticket takes from each agent, when a plan knows them.
    """

    __slots__ = ("_needs", "_required", "_tests", "now", "roster", "rules", "ticket", "weights")

    def __init__(
        self,
        ticket: Ticket,
        roster: Roster,
        now: datetime,
        rules: Eligibility,
        weights: Mapping[str, float] | None = None,
    ) -> None:
        self.ticket = ticket  # one statement each: several at once would build a tuple
        self.roster = roster
        self.now = now
        self.rules = rules
        self.weights = weights
        self._needs: Requirements | None = None
        self._required: Mapping[str, int] | None = None
        self._tests: list[tuple[Filter, AgentTest]] | None = None

    @property
    def agents(self) -> Mapping[str, Agent]:
        """The roster's agents by id."""
        return self.roster.agents

    @property
    def required(self) -> Mapping[str, int]:
        """The skills the ticket needs at ``now`` (its own, plus optional ones until their
        timeout), worked out on first use."""
        required = self._required
        if required is None:
            fields = fields_of(self.ticket)
            if fields["optional_skills"] and self.rules.optional_skills_timeout_s is not None:
                required = self.needs.required
            else:  # no timed relaxation: the ticket's own, no Requirements needed
                required = fields["required_skills"]
            self._required = required
        return required

    @property
    def needs(self) -> Requirements:
        """The ticket's skill requirements at ``now`` (built on first use)."""
        if self._needs is None:
            self._needs = requirements(self.ticket, self.rules, self.now)
        return self._needs

    @property
    def fair_since(self) -> datetime:
        """Where the fair-distribution window starts at ``now``."""
        return fair_window_start(self.rules, self.now)

    def tests(
        self, filters: Iterable[Filter] = ELIGIBILITY_FILTERS
    ) -> list[tuple[Filter, AgentTest]]:
        """The per-agent checks of those of ``filters`` that may remove someone here."""
        return [(f, test) for f in filters if (test := f.test(self)) is not None]

    def reject(self, agent_id: str) -> tuple[str, str] | None:
        """The first filter ``agent_id`` fails and a short detail, or None when eligible."""
        tests = self._tests
        if tests is None:
            tests = self._tests = self.tests()
        for check, passes in tests:
            if not passes(agent_id):
                return check.name, check.detail(agent_id, self)
        return None

    def passes(self, agent_id: str) -> bool:
        """True when ``agent_id`` passes every filter (``reject`` without the detail)."""
        tests = self._tests
        if tests is None:
            tests = self._tests = self.tests()
        return all(passes(agent_id) for _, passes in tests)

    def candidates(self) -> tuple[list[str], dict[str, int]]:
        """Agent ids worth checking one by one, and how many each index filter pruned."""
        if len(self.roster) <= EXPLAIN_EVERY_AGENT_UP_TO:
            return list(self.roster.agent_ids), {}
        pool, pruned = self._indexed()
        return list(self.roster.agent_ids if pool is None else pool), pruned

    def shortlist(self) -> list[str]:
        """Agents the indexes cannot rule out and who have spare capacity, for untraced
        choices: every agent left out would fail a filter anyway."""
        spare = self.roster.having_spare_capacity()
        pool, _ = self._indexed()
        return list(spare if pool is None else pool & spare)

    def _indexed(self) -> tuple[AbstractSet[str] | None, dict[str, int]]:
        """Agents left by the filters' indexes (None: everyone) and how many each pruned."""
        size = len(self.roster)
        pruned: dict[str, int] = {}
        pool: AbstractSet[str] | None = None
        for check in ELIGIBILITY_FILTERS:
            found = check.index(self)
            if found is None:
                continue
            before = size if pool is None else len(pool)
            pool = found if pool is None else pool & found
            if len(pool) < before:
                pruned[check.name] = before - len(pool)
        return pool, pruned
