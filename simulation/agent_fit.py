"""How an agent's fit to a ticket changes the work: handle time and the chance of a reopen.

Agents who handle the same kind of ticket differ both in how long they take and in how
often the customer has to come back (Mehrotra, Ross, Ryder & Zhou 2012, "Routing to
manage resolution and waiting time in call centers with heterogeneous servers"). The
scenario's ``agent_fit`` section says by how much (docs/scenarios.md):

- skill: a level-0 agent takes ``1 + handle_slowdown`` times an expert's handle time (the
  router's ``slower_by``, the same function generalized cμ uses) and has ``1 +
  skill_reopen`` times an expert's chance of a reopen, linearly in between;
- language: an agent who does not speak the ticket's language (an agent who lists no
  languages speaks every one, as the router's language filter reads it) takes
  ``language_handle`` times as long and causes ``language_reopen`` times the reopens;
- continuity: the agent who last served the customer handles the follow-up in
  ``continuity_handle`` times the time.

The decisions are pure functions (``factors``); ``Work`` is the model's side: it caches
the factors per kind of ticket and agent, remembers who served each customer and decides a
reopen from the arrival's own uniform draw, so only the chance depends on the policy.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, NamedTuple

from router.model import Agent, Ticket
from router.policies.speed import slower_by
from router.roster import Roster
from simulation.customers import CustomerMemory
from simulation.scenario import AgentFit, Scenario

if TYPE_CHECKING:
    from simulation.tickets import SimTicket

NEUTRAL = AgentFit()
"""An ``agent_fit`` that changes nothing (every factor 1)."""


class WorkFactors(NamedTuple):
    """How an agent's fit scales one ticket's work, relative to a native-speaking expert."""

    handle: float
    """Handle-time factor."""
    reopen: float
    """Reopen-chance factor."""


def speaks(agent: Agent, language: str | None) -> bool:
    """Whether ``agent`` works in ``language`` (no languages listed: every language)."""
    return language is None or not agent.languages or language in agent.languages


def factors(
    agent: Agent, ticket: Ticket, proficiency: float, fit: AgentFit, slowdown: float
) -> WorkFactors:
    """The factors for ``agent`` on ``ticket``, whose skills it masters at ``proficiency``."""
    handle = slower_by(proficiency, slowdown)
    reopen = 1.0 + fit.skill_reopen * (1.0 - proficiency)
    if not speaks(agent, ticket.language):
        handle *= fit.language_handle
        reopen *= fit.language_reopen
    return WorkFactors(handle, reopen)


def reopen_chance(probability: float, factor: float) -> float:
    """An expert's reopen ``probability`` scaled by ``factor``, at most 1."""
    return min(1.0, probability * factor)


def reopen_varies(scenario: Scenario) -> bool:
    """Whether who solved a ticket changes its chance of coming back."""
    fit = scenario.agent_fit
    return (
        fit is not None
        and scenario.traffic.reopen.probability > 0
        and (fit.skill_reopen > 0 or fit.language_reopen > 1)
    )


def in_use(scenario: Scenario) -> bool:
    """Whether the scenario uses anything beyond ``handle_slowdown`` (the plain model's
    fast path stays untouched otherwise)."""
    return scenario.agent_fit is not None or scenario.traffic.customers is not None


class Work:
    """The model's side of agent fit: factors per kind and agent, continuity, reopens."""

    def __init__(self, scenario: Scenario, roster: Roster, memory: CustomerMemory | None) -> None:
        self.fit = scenario.agent_fit or NEUTRAL
        self.slowdown = scenario.handle_slowdown
        self.probability = scenario.traffic.reopen.probability
        self.roster, self.memory = roster, memory

    def start(self, job: SimTicket, agent_id: str, proficiency: float, at: datetime) -> float:
        """``agent_id`` starts ``job`` at ``at``: its handle-time factor (the job's reopen
        chance, the record's ``continuity`` and the customer's memory are set here)."""
        scale = self._factors(job, agent_id, proficiency)
        job.reopen_chance = reopen_chance(self.probability, scale.reopen)
        handle, ticket = scale.handle, job.ticket
        if ticket.previous_agent == agent_id:
            job.record.continuity = True
            handle *= self.fit.continuity_handle
        if self.memory is not None and ticket.requester is not None:
            self.memory.served(ticket.requester, agent_id, at)
        return handle

    def reopens(self, job: SimTicket) -> bool:
        """Whether the solved ``job`` comes back: its arrival's draw against its chance."""
        return job.arrival.reopen_draw < job.reopen_chance

    def _factors(self, job: SimTicket, agent_id: str, proficiency: float) -> WorkFactors:
        known = job.kind.factors  # kept per kind, as the kind keeps proficiencies
        scale = None if known is None else known.get(agent_id)
        if scale is None:
            agent = self.roster.agents[agent_id]
            scale = factors(agent, job.ticket, proficiency, self.fit, self.slowdown)
            if known is not None:
                known[agent_id] = scale
        return scale
