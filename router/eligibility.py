"""Who may take a ticket: the filters every policy applies, in one fixed order.

The first filter an agent fails is the reason recorded in the trace. The order puts the
filters an index can answer (pool, group, skills) first, so pruning a large roster through
the index names the same filter as checking each agent would.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from router.model import Agent, AgentStatus, Ticket
from router.roster import Roster

FILTERS = (
    "held",
    "pool",
    "group",
    "skills",
    "status",
    "schedule",
    "language",
    "capacity",
    "fair_limit",
)
"""Filter names, in the order they are applied (and reported)."""

EXPLAIN_EVERY_AGENT_UP_TO = 64
"""Rosters up to this size are checked agent by agent; larger ones are pruned by index first."""


@dataclass(frozen=True, kw_only=True, slots=True)
class Eligibility:
    """Settings of the shared filters.

    ``optional_skills_timeout_s``: ``None`` makes optional skills a preference only (scored,
    never required); a number makes them required until the ticket has waited that long,
    then they are dropped (Salesforce's ``dropAdditionalSkillsTimeout``, Zendesk's skills
    timeout). ``fair_limit``: at most this many assignments per agent within
    ``fair_window_s`` (Chatwoot's fair distribution).
    """

    require_language: bool = False
    optional_skills_timeout_s: float | None = None
    fair_limit: int | None = None
    fair_window_s: float = 3600.0

    def __post_init__(self) -> None:
        if self.optional_skills_timeout_s is not None and self.optional_skills_timeout_s < 0:
            raise ValueError("optional_skills_timeout_s must be >= 0")
        if self.fair_limit is not None and self.fair_limit < 1:
            raise ValueError("fair_limit must be >= 1")
        if self.fair_window_s <= 0:
            raise ValueError("fair_window_s must be > 0")


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


def at_fair_limit(roster: Roster, agent_id: str, since: datetime, limit: int | None) -> bool:
    """True when the agent already had ``limit`` assignments since ``since`` (None: no limit)."""
    return limit is not None and roster.assignments_since(agent_id, since) >= limit


def fair_window_start(rules: Eligibility, now: datetime) -> datetime:
    """Where the fair-distribution window starts at ``now`` (``now`` when there is no limit)."""
    return now - timedelta(seconds=rules.fair_window_s) if rules.fair_limit is not None else now


_new_screen = object.__new__


class Screen:
    """Applies the filters for one ticket at one moment; built once per decision."""

    __slots__ = (
        "_needs", "agents", "check_language", "explain", "fair_since", "held", "now",
        "required", "roster", "rules", "ticket",
    )

    def __init__(self, ticket: Ticket, roster: Roster, now: datetime, rules: Eligibility) -> None:
        self.ticket, self.roster = ticket, roster  # two at a time: four would build a tuple
        self.now, self.rules = now, rules
        self.explain = True  # False: reject() skips building the costlier detail texts
        # read once per decision, not once per agent checked; the ticket's fields from its
        # dict (a pydantic model answers attribute reads through a slower hook)
        self.agents, self.held, fields = roster.agents, roster.held, ticket.__dict__
        self.check_language = bool(rules.require_language and fields["language"])
        self._needs: Requirements | None = None
        if fields["optional_skills"] and rules.optional_skills_timeout_s is not None:
            self.required = self.needs.required
        else:  # no timed relaxation: the ticket's own required skills, no Requirements needed
            self.required = fields["required_skills"]
        self.fair_since = fair_window_start(rules, now)

    @classmethod
    def for_scores(cls, ticket: Ticket, roster: Roster, now: datetime,
                   rules: Eligibility) -> Screen:
        """A screen for a chooser's scores only: its ticket, roster, time, rules and
        ``needs``. The filters' state is not worked out (a third of the cost of a full
        screen, which a decision among a few agents notices), so its filter methods are
        not for use."""
        screen = _new_screen(cls)
        screen.ticket, screen.roster = ticket, roster
        screen.now, screen.rules = now, rules
        screen._needs = None
        return screen

    @property
    def needs(self) -> Requirements:
        """The ticket's skill requirements at ``now`` (built on first use)."""
        if self._needs is None:
            self._needs = requirements(self.ticket, self.rules, self.now)
        return self._needs

    def candidates(self) -> tuple[list[str], dict[str, int]]:
        """Agent ids worth checking one by one, and how many each index filter pruned."""
        if len(self.roster) <= EXPLAIN_EVERY_AGENT_UP_TO:
            return list(self.roster.agent_ids), {}
        pool, pruned = self._indexed()
        return list(self.roster.agent_ids if pool is None else pool), pruned

    def shortlist(self) -> list[str]:
        """Agents the index cannot rule out and who have spare capacity, for untraced choices.

        Every agent left out would fail a filter anyway (pool, group, skills or capacity),
        so picking the best of the shortlist picks the same agent as checking everyone.
        """
        roster, ticket = self.roster, self.ticket
        spare = roster.having_spare_capacity()
        if not ticket.pool and not self.required:  # the common case: at most the group index
            return list(spare if ticket.group is None else roster.in_group(ticket.group) & spare)
        pool, _ = self._indexed()
        return list(spare if pool is None else pool & spare)

    def _indexed(self) -> tuple[frozenset[str] | set[str] | None, dict[str, int]]:
        """Agents left by the pool, group and skill indexes (None: everyone) and counts pruned."""
        roster, ticket = self.roster, self.ticket
        pruned: dict[str, int] = {}
        pool: frozenset[str] | set[str] | None = None
        if ticket.pool:
            pool = {a for a in ticket.pool if a in roster}
            for group in ticket.pool:
                pool |= roster.in_group(group)
            pruned["pool"] = len(roster) - len(pool)
        elif ticket.group is not None:
            pool = roster.in_group(ticket.group)
            pruned["group"] = len(roster) - len(pool)
        for skill in self.required:
            before = len(roster) if pool is None else len(pool)
            having = roster.having_skill(skill)
            pool = having if pool is None else pool & having
            if len(pool) < before:
                pruned["skills"] = pruned.get("skills", 0) + before - len(pool)
        return pool, {name: count for name, count in pruned.items() if count}

    def reject(self, agent_id: str) -> tuple[str, str] | None:
        """The first filter ``agent_id`` fails and a short detail, or None when eligible."""
        agent = self.agents[agent_id]
        if agent_id in self.held:
            return "held", "already dealt a ticket this round"
        refusal = self._placement(agent_id, agent)
        if refusal is not None:
            return refusal
        if agent.schedule is not None and not self.roster.on_shift(agent_id, self.now):
            return "schedule", agent.schedule.describe(self.now) if self.explain else ""
        if self.check_language and self._language_mismatch(agent.languages):
            return "language", f"does not speak {self.ticket.language}"
        capacity = agent.capacity
        return self._load_refusal(agent_id, capacity.max_load, capacity.weight_of(self.ticket))

    def static_pass(self, agent_id: str) -> bool:
        """True when ``agent_id`` passes every filter that depends on the agent alone.

        Those are pool, group, skills, status and language: what is left to check at a
        given moment is held, schedule, capacity and the fair limit (``router.plan``).
        """
        agent = self.agents[agent_id]
        if self._placement(agent_id, agent) is not None:
            return False
        return not (self.check_language and self._language_mismatch(agent.languages))

    def _placement(self, agent_id: str, agent: Agent) -> tuple[str, str] | None:
        """The pool, group, skills or status filter the agent fails, if any."""
        ticket = self.ticket
        if ticket.pool:
            if agent_id not in ticket.pool and not (agent.groups & ticket.pool):
                return "pool", "outside the escalation pool"
        elif ticket.group is not None and ticket.group not in agent.groups:
            return "group", f"not in group {ticket.group}"
        if self.required:
            for skill, minimum in self.required.items():
                level = agent.skills.get(skill, 0)
                if level < minimum:
                    return "skills", f"{skill} {level} < {minimum}"
        if agent.status is not AgentStatus.ONLINE:
            return "status", agent.status.value
        return None

    def _load_refusal(self, agent_id: str, limit: float, weight: float) -> tuple[str, str] | None:
        """The capacity or fair-limit filter the agent fails at this moment, if any."""
        spare = limit - self.roster.load(agent_id)
        if spare < weight:
            return "capacity", f"spare {spare:g} < weight {weight:g}" if self.explain else ""
        if self.rules.fair_limit is not None and self._at_fair_limit(agent_id):
            limit_text = f"{self.rules.fair_limit} assignments in {self.rules.fair_window_s:g}s"
            return "fair_limit", limit_text
        return None

    def _at_fair_limit(self, agent_id: str) -> bool:
        """True when the agent already had ``fair_limit`` assignments in the fair window."""
        return at_fair_limit(self.roster, agent_id, self.fair_since, self.rules.fair_limit)

    def _language_mismatch(self, languages: frozenset[str]) -> bool:
        """True when language matching is on and an agent who lists languages lacks the ticket's."""
        language = self.ticket.language
        if not (self.rules.require_language and language and languages):
            return False
        return language not in languages
