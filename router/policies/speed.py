"""Relative speed of an agent on a ticket, from skill levels (shared by cμ and the simulator)."""

from __future__ import annotations

from router.model import Agent, Ticket

TOP_LEVEL = 10


def proficiency(agent: Agent, ticket: Ticket) -> float:
    """Mean level over the ticket's skills as a share of the top level (1.0 when none asked)."""
    if not ticket.required_skills and not ticket.optional_skills:
        return 1.0
    wanted = {**ticket.optional_skills, **ticket.required_skills}
    return sum(min(agent.skills.get(skill, 0), TOP_LEVEL) for skill in wanted) / (
        TOP_LEVEL * len(wanted)
    )


def handle_factor(agent: Agent, ticket: Ticket, slowdown: float) -> float:
    """How much longer than an expert the agent takes: ``1 + slowdown * (1 - proficiency)``."""
    return slower_by(proficiency(agent, ticket), slowdown)


def slower_by(proficiency: float, slowdown: float) -> float:
    """``handle_factor`` for an already known proficiency."""
    return 1.0 + slowdown * (1.0 - proficiency)


def relative_speed(agent: Agent, ticket: Ticket, slowdown: float) -> float:
    """Service rate relative to an expert's (1.0 for an expert, less for novices)."""
    return 1.0 / handle_factor(agent, ticket, slowdown)
