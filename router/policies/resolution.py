"""Best fit: the eligible agent with the lowest predicted time to resolve the ticket.

The prediction is relative to the category's typical agent (1.0): with a learned
strengths file (``deskroute skills learn``), the agent's shrunken handle time in the
ticket's category times ``1 + reopen_rate × rework`` (the expected rework a reopen costs),
over the same for the typical agent; an agent without evidence in the category takes its
team's estimate, else the typical one. Without a file, or for a category the file does not
know, the prediction comes from skill levels, by the simulator's handle-time formula on the
level scale of ``router.policies.strengths_file`` (reopen risk is then unknown and equal).
Among equal predictions the agent with the most spare capacity wins, then the shared
tie-break. Load is not added as delay: an assigned ticket starts at once (capacity is
concurrent work), so spare capacity only spreads work among equally good agents.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from router.bulk import BulkScreen, Floats, Indices
from router.eligibility import Eligibility, Screen
from router.model import Agent, Ticket
from router.policies.base import SelectionPolicy
from router.policies.speed import TOP_LEVEL, proficiency
from router.policies.strengths_file import (
    SLOWDOWN,
    StrengthsFile,
    load_strengths,
    relative_at,
    typical_factor,
)

OTHER = "other"
"""The category of a ticket with neither type nor group (as replayed history)."""


def category_of(ticket: Ticket) -> str:
    """The ticket's category as strengths are learned: its type, else its group."""
    return ticket.type or ticket.group or OTHER


class LearnedTimes:
    """Relative time to resolve per category, per agent and per team, from a strengths file."""

    def __init__(self, strengths: StrengthsFile, rework: float) -> None:
        self.agents: dict[str, dict[str, float]] = {}
        self.teams: dict[str, dict[str, float]] = {}
        self.team_of = {agent_id: a.team for agent_id, a in strengths.agents.items()}
        categories = strengths.categories
        for name, category in categories.items():
            self.teams[name] = {
                team: estimate.relative_to(category, rework)
                for team, estimate in category.teams.items()
            }
            self.agents[name] = {}
        for agent_id, agent in strengths.agents.items():  # the file checked the categories
            for name, estimate in agent.categories.items():
                self.agents[name][agent_id] = estimate.relative_to(categories[name], rework)

    def relative(self, agent: Agent, category: str) -> float:
        """The agent's relative time in a known category: its own, its team's, or 1."""
        own = self.agents[category].get(agent.id)
        if own is not None:
            return own
        teams = self.teams[category]
        team = self.team_of.get(agent.id)
        if team in teams:
            return teams[team]
        for group in sorted(agent.groups):
            if group in teams:
                return teams[group]
        return 1.0


class PredictedResolution:
    """Shorter predicted time to resolve scores higher; then more spare capacity."""

    labels: tuple[str, ...] = ("resolve_rel", "spare")

    def __init__(self, learned: LearnedTimes | None) -> None:
        self.learned = learned
        self._typical = typical_factor(SLOWDOWN)

    def relative(self, agent: Agent, ticket: Ticket) -> float:
        """The agent's predicted time to resolve ``ticket``, relative to the typical agent."""
        category = category_of(ticket)
        if self.learned is not None and category in self.learned.agents:
            return self.learned.relative(agent, category)
        if not ticket.required_skills and not ticket.optional_skills:
            return 1.0
        return relative_at(proficiency(agent, ticket), SLOWDOWN)

    def score(self, agent_id: str, screen: Screen) -> tuple[float, ...]:
        """Minus the relative time to resolve, then spare capacity."""
        roster = screen.roster
        return (-self.relative(roster.agents[agent_id], screen.ticket), roster.spare(agent_id))

    def score_array(self, idx: Indices, bulk: BulkScreen) -> list[Floats]:
        """The same scores for agents ``idx`` of a large roster."""
        return [-self._relative_array(idx, bulk), bulk.spare(idx)]

    def _relative_array(self, idx: Indices, bulk: BulkScreen) -> Floats:
        ticket, roster = bulk.ticket, bulk.roster
        category = category_of(ticket)
        learned = self.learned
        if learned is not None and category in learned.agents:
            agents, ids = roster.agents, roster.agent_ids
            values = [learned.relative(agents[ids[n]], category) for n in idx.tolist()]
            return np.array(values, dtype=np.float64)
        wanted = {**ticket.optional_skills, **ticket.required_skills}
        if not wanted:
            return np.ones(idx.size, dtype=np.float64)
        total = np.zeros(idx.size, dtype=np.float64)
        for skill in wanted:  # the order ``proficiency`` sums in: the same float result
            total += np.minimum(bulk.level(skill, idx), TOP_LEVEL)
        share = total / (TOP_LEVEL * len(wanted))
        relative: Floats = (1.0 + SLOWDOWN * (1.0 - share)) / self._typical
        return relative


def best_fit(
    eligibility: Eligibility | None = None,
    strengths: str | Path | None = None,
    rework: float | None = None,
) -> SelectionPolicy:
    """Lowest predicted time to resolve, from a learned ``strengths`` file (read and
    validated here, once) or from skill levels; ``rework``: extra work per reopen in handle
    times (default: the file's)."""
    if rework is not None and not rework >= 0:
        raise ValueError(f"rework must be >= 0, not {rework!r}")
    learned = None
    if strengths is not None:
        data = load_strengths(Path(strengths))
        learned = LearnedTimes(data, data.method.rework if rework is None else rework)
    return SelectionPolicy("best_fit", PredictedResolution(learned), eligibility)
