"""Skills-based routing: required and optional skills with levels, best match first.

Required skills are hard filters (shared eligibility). Optional skills are required until
the ticket has waited ``optional_skills_timeout_s``, then dropped; they always add to the
match score. Among qualified agents the best match wins: by default the highest summed
level, or with ``match="closest"`` the agent whose levels exceed the minimums least, which
keeps experts free for the hard tickets. Remaining ties go to the ``then`` scorer.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from router.bulk import BulkScreen, Floats, Indices
from router.eligibility import Eligibility, Screen
from router.policies.base import SelectionPolicy
from router.policies.least_loaded import MostSpare, MostSparePercent
from router.policies.protocol import ArrayScorer
from router.policies.round_robin import RoundRobin

Match = Literal["highest", "closest"]
Then = Literal["least_loaded", "least_loaded_pct", "round_robin"]

_THEN: dict[str, type[MostSpare] | type[MostSparePercent] | type[RoundRobin]] = {
    "least_loaded": MostSpare,
    "least_loaded_pct": MostSparePercent,
    "round_robin": RoundRobin,
}


class SkillMatch:
    """Scores by skill levels over the ticket's required and optional skills."""

    def __init__(self, match: Match = "highest", then: ArrayScorer | None = None) -> None:
        if match not in ("highest", "closest"):
            raise ValueError(f"match must be 'highest' or 'closest', not {match!r}")
        self.match = match
        self.then = then or RoundRobin()
        self.labels: tuple[str, ...] = ("skill_match", *self.then.labels)

    def score(self, agent_id: str, screen: Screen) -> tuple[float, ...]:
        """Match score first, then the secondary scorer's score."""
        skills = screen.roster.agents[agent_id].skills
        needs = screen.needs
        # required levels override preferred ones; most tickets have no preferred skills
        wanted = {**needs.preferred, **needs.required} if needs.preferred else needs.required
        if self.match == "highest":
            match = float(sum([skills.get(skill, 0) for skill in wanted]))
        else:
            # every missing level costs 10 (the scale), every surplus level costs 1
            match = -float(
                sum(
                    abs(skills.get(skill, 0) - minimum)
                    * (1 if skills.get(skill, 0) >= minimum else 10)
                    for skill, minimum in wanted.items()
                )
            )
        return (match, *self.then.score(agent_id, screen))

    def score_array(self, idx: Indices, bulk: BulkScreen) -> list[Floats]:
        """The same match score for agents ``idx``, then the secondary scorer's arrays."""
        wanted = dict(bulk.needs.preferred)
        wanted.update(bulk.needs.required)
        match = np.zeros(idx.size, dtype=np.float64)
        for skill, minimum in wanted.items():
            level = bulk.level(skill, idx)
            if self.match == "highest":
                match += level
            else:
                match -= np.abs(level - minimum) * np.where(level >= minimum, 1.0, 10.0)
        return [match, *self.then.score_array(idx, bulk)]


def skills(
    eligibility: Eligibility | None = None,
    match: Match = "highest",
    then: Then = "least_loaded",
    name: str = "skills",
) -> SelectionPolicy:
    """Best skill match among qualified agents, ties broken by ``then``."""
    if then not in _THEN:
        raise ValueError(f"then must be one of {', '.join(_THEN)}, not {then!r}")
    return SelectionPolicy(name, SkillMatch(match, _THEN[then]()), eligibility)


def skills_least_loaded(eligibility: Eligibility | None = None) -> SelectionPolicy:
    """Skill filters, then most spare capacity (skill levels only break ties)."""
    return SelectionPolicy("skills_least_loaded", SkillsThenSpare(), eligibility)


class SkillsThenSpare:
    """Most spare capacity first; among equals, the better skill match."""

    labels: tuple[str, ...] = ("spare", "skill_match")

    def __init__(self) -> None:
        self._match = SkillMatch("highest", RoundRobin())

    def score(self, agent_id: str, screen: Screen) -> tuple[float, ...]:
        """Spare capacity, then summed skill level."""
        return (screen.roster.spare(agent_id), *self._match.score(agent_id, screen))

    def score_array(self, idx: Indices, bulk: BulkScreen) -> list[Floats]:
        """Spare capacity, then summed skill level, for agents ``idx``."""
        return [bulk.spare(idx), *self._match.score_array(idx, bulk)]
