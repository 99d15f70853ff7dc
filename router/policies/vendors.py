"""Presets that imitate what help desks do out of the box, to compare against today's routing.

- ``zendesk_capacity``: Zendesk omnichannel routing's capacity method — the agent with the
  most spare capacity, ties to the agent idle longest.
- ``freshdesk_round_robin``: Freshdesk's round robin — agents take turns in a fixed circular
  order (by agent id), skipping anyone at capacity.
- ``chatwoot_balanced``: Chatwoot's balanced assignment — fewest open conversations first,
  with its fair-distribution limit (default 100 assignments per agent per hour).
"""

from __future__ import annotations

from dataclasses import replace

from router.eligibility import Eligibility, Screen
from router.policies.base import SelectionPolicy
from router.policies.least_loaded import MostSpare

VENDOR_PRESETS = ("zendesk_capacity", "freshdesk_round_robin", "chatwoot_balanced")
"""The presets below, by registered name: what a desk gets without deskroute."""

CHATWOOT_FAIR_LIMIT = 100
CHATWOOT_FAIR_WINDOW_S = 3600.0


class CircularTurn:
    """The agent right after the one assigned most recently, in agent-id order, scores highest."""

    labels: tuple[str, ...] = ("turn",)

    def __init__(self) -> None:
        # one decision scores many agents on one screen: find its pointer once per screen
        # (not per roster: a simulator's working roster changes in place between decisions)
        self._last: tuple[Screen, int] | None = None

    def score(self, agent_id: str, screen: Screen) -> tuple[float, ...]:
        """Minus the number of places the agent sits after the last one assigned."""
        ids = screen.roster.agent_ids
        pointer = self._pointer(screen)
        return (-float((ids.index(agent_id) - pointer - 1) % len(ids)),)

    def _pointer(self, screen: Screen) -> int:
        """Position of the agent assigned most recently (-1 when nobody was)."""
        if self._last is not None and self._last[0] is screen:
            return self._last[1]
        roster = screen.roster
        ids = roster.agent_ids
        stamps = [(at, i) for i, agent in enumerate(ids) if (at := roster.last_assigned(agent))]
        pointer = max(stamps)[1] if stamps else -1
        self._last = (screen, pointer)
        return pointer


class FewestOpen:
    """Fewer open tickets (load) scores higher, whatever the agent's limit."""

    labels: tuple[str, ...] = ("open",)

    def score(self, agent_id: str, screen: Screen) -> tuple[float, ...]:
        """Minus the agent's current load."""
        return (-screen.roster.load(agent_id),)


def zendesk_capacity(eligibility: Eligibility | None = None) -> SelectionPolicy:
    """Most spare capacity, longest idle on ties (Zendesk's default capacity routing)."""
    return SelectionPolicy("zendesk_capacity", MostSpare(), eligibility)


def freshdesk_round_robin(eligibility: Eligibility | None = None) -> SelectionPolicy:
    """Fixed circular turns through the agents, skipping those who cannot take the ticket."""
    return SelectionPolicy("freshdesk_round_robin", CircularTurn(), eligibility)


def chatwoot_balanced(eligibility: Eligibility | None = None) -> SelectionPolicy:
    """Fewest open tickets first, with Chatwoot's fair-distribution limit unless set otherwise."""
    rules = eligibility or Eligibility()
    if rules.fair_limit is None:
        # every other shared setting (language, skills timeout, continuity) kept as given
        rules = replace(rules, fair_limit=CHATWOOT_FAIR_LIMIT, fair_window_s=CHATWOOT_FAIR_WINDOW_S)
    return SelectionPolicy("chatwoot_balanced", FewestOpen(), rules)
