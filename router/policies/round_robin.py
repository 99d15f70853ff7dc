"""Round robin: the agent whose last assignment is oldest goes next (Zendesk's method)."""

from __future__ import annotations

from router.bulk import BulkScreen, Floats, Indices
from router.eligibility import Eligibility, Screen
from router.policies.base import SelectionPolicy


class RoundRobin:
    """Scores every eligible agent equally, so the longest-idle tie-break decides."""

    labels: tuple[str, ...] = ()

    def score(self, agent_id: str, screen: Screen) -> tuple[float, ...]:
        """No preference: idle time alone orders the agents."""
        return ()

    def score_array(self, idx: Indices, bulk: BulkScreen) -> list[Floats]:
        """No preference for any agent."""
        return []


def round_robin(eligibility: Eligibility | None = None) -> SelectionPolicy:
    """Rotate through eligible agents by time since their last assignment."""
    return SelectionPolicy("round_robin", RoundRobin(), eligibility)
