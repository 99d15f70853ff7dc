"""Least-loaded: most spare capacity first, absolute or as a share of the agent's limit.

These are Zendesk's two capacity methods ("highest spare capacity" and "highest percentage
spare capacity"); the longest-idle tie-break comes from the shared engine.
"""

from __future__ import annotations

from router.bulk import BulkScreen, Floats, Indices
from router.eligibility import Eligibility, Screen
from router.policies.base import SelectionPolicy


class MostSpare:
    """Higher spare capacity (in capacity units) scores higher."""

    labels: tuple[str, ...] = ("spare",)

    def score(self, agent_id: str, screen: Screen) -> tuple[float, ...]:
        """Spare capacity units."""
        return (screen.roster.spare(agent_id),)

    def score_array(self, idx: Indices, bulk: BulkScreen) -> list[Floats]:
        """Spare capacity units of agents ``idx``."""
        return [bulk.spare(idx)]


class MostSparePercent:
    """Higher spare capacity as a fraction of the agent's limit scores higher."""

    labels: tuple[str, ...] = ("spare_pct",)

    def score(self, agent_id: str, screen: Screen) -> tuple[float, ...]:
        """Spare capacity in percent of ``max_load``."""
        limit = screen.roster.agents[agent_id].capacity.max_load
        return (100.0 * screen.roster.spare(agent_id) / limit if limit else 0.0,)

    def score_array(self, idx: Indices, bulk: BulkScreen) -> list[Floats]:
        """Spare capacity in percent for agents ``idx``."""
        return [bulk.spare_pct(idx)]


def least_loaded(eligibility: Eligibility | None = None) -> SelectionPolicy:
    """Assign to the eligible agent with the most spare capacity units."""
    return SelectionPolicy("least_loaded", MostSpare(), eligibility)


def least_loaded_pct(eligibility: Eligibility | None = None) -> SelectionPolicy:
    """Assign to the eligible agent with the highest percentage of spare capacity."""
    return SelectionPolicy("least_loaded_pct", MostSparePercent(), eligibility)
