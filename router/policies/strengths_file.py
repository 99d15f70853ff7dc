"""The learned-strengths file: what ``deskroute skills learn`` writes and ``best_fit`` reads.

One JSON document (format ``deskroute-strengths``, version 1; docs/skills.md): per
category its typical handle time and reopen rate (and each team's), per agent and
category the shrunken estimates, their evidence and a suggested skill level. This module
holds the validated model, the level scale both sides share, and the one reader: a policy
built with ``strengths: PATH`` reads its file once, at construction; deciding never reads.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from router.policies.speed import TOP_LEVEL, slower_by

FORMAT = "deskroute-strengths"
FORMAT_VERSION = 1

SLOWDOWN = 2.0
"""The level scale's slowdown: a level-0 agent would take ``1 + SLOWDOWN`` times an
expert's time (the simulator's ``handle_slowdown`` formula); with 2, level 10 is half the
typical time and level 1 is 1.4 times it."""
TYPICAL_LEVEL = 5
"""The level of a category's typical agent (relative time 1)."""

Count = Annotated[int, Field(ge=0)]
Minutes = Annotated[float, Field(gt=0)]
Rate = Annotated[float, Field(ge=0, le=1)]
Level = Annotated[int, Field(ge=1, le=TOP_LEVEL)]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Estimate(_Frozen):
    """Handle time and reopen rate of a category, a team in it, or an agent in it."""

    tickets: Count = Field(description="assigned tickets: the evidence")
    timed: Count = Field(0, description="of which with a handle time")
    judged: Count = Field(0, description="of which with a known reopen outcome")
    handle_min: Minutes | None = Field(None, description="mean handle minutes (None: untimed)")
    reopen_rate: Rate = 0.0

    def relative_to(self, typical: Estimate, rework: float) -> float:
        """Expected time to resolve (handle × (1 + reopen_rate × rework)) over ``typical``'s;
        handle times count as equal when either is unknown."""
        handle = 1.0
        if self.handle_min is not None and typical.handle_min is not None:
            handle = self.handle_min / typical.handle_min
        return handle * (1.0 + self.reopen_rate * rework) / (1.0 + typical.reopen_rate * rework)


class AgentEstimate(Estimate):
    """An agent's shrunken estimates in one category, what was observed, and its level."""

    observed_handle_min: Minutes | None = None
    observed_reopen_rate: Rate | None = None
    relative: float = Field(gt=0, description="time to resolve / the category's typical")
    level: Level


class CategoryStrengths(Estimate):
    """A category's typical agent (all its tickets) and each team's estimate in it."""

    teams: dict[str, Estimate] = Field(default_factory=dict)


class AgentStrengths(_Frozen):
    """One agent: the team it is shrunk towards and its estimates per category."""

    team: str | None = None
    categories: dict[str, AgentEstimate] = Field(default_factory=dict)


class PriorStrength(_Frozen):
    """The credibility prior strength ``k`` (in tickets) and how it was chosen."""

    k: float = Field(gt=0)
    chosen: Literal["estimated", "no_difference", "default", "given"]


class ReopenEvidence(_Frozen):
    """Where the reopen outcomes came from."""

    from_field: Count = 0
    from_repeat_contact: Count = 0
    unjudged: Count = 0
    window_days: float = Field(gt=0)


class Method(_Frozen):
    """How the estimates were made (docs/skills.md)."""

    handle_prior: PriorStrength
    reopen_prior: PriorStrength
    reopens: ReopenEvidence
    rework: float = Field(ge=0, description="extra work per reopen, in handle times")
    slowdown: float = Field(SLOWDOWN, gt=0)
    typical_level: Level = TYPICAL_LEVEL


class StrengthsFile(_Frozen):
    """A whole strengths file."""

    format: Literal["deskroute-strengths"] = "deskroute-strengths"
    version: Literal[1] = 1
    source: str = ""
    tickets: Count = 0
    method: Method
    categories: dict[str, CategoryStrengths]
    agents: dict[str, AgentStrengths] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _known_categories(self) -> StrengthsFile:
        for agent_id, agent in self.agents.items():
            unknown = sorted(set(agent.categories) - set(self.categories))
            if unknown:
                raise ValueError(
                    f"agent {agent_id!r}: category {unknown[0]!r} is not in categories"
                )
        return self

    def level(self, agent_id: str, category: str) -> int | None:
        """The suggested level of ``agent_id`` in ``category`` (None: no evidence)."""
        agent = self.agents.get(agent_id)
        found = None if agent is None else agent.categories.get(category)
        return None if found is None else found.level


class StrengthsFileError(ValueError):
    """A strengths file cannot be used; the message names the file and the reason."""


# --- the level scale ------------------------------------------------------------------


def typical_factor(slowdown: float = SLOWDOWN) -> float:
    """The simulator's handle factor of a typical (level-5) agent."""
    return slower_by(TYPICAL_LEVEL / TOP_LEVEL, slowdown)


def relative_at(proficiency: float, slowdown: float = SLOWDOWN) -> float:
    """Time relative to the typical agent of an agent with this proficiency (level / 10)."""
    return slower_by(proficiency, slowdown) / typical_factor(slowdown)


def level_for(relative: float, slowdown: float = SLOWDOWN) -> int:
    """The level (1–10) whose simulated handle time is ``relative`` times the typical
    agent's: the inverse of ``relative_at``, rounded and kept on the scale. Lower relative
    time (faster, fewer reopens) never gives a lower level."""
    exact = TOP_LEVEL * (1.0 - (relative * typical_factor(slowdown) - 1.0) / slowdown)
    return min(TOP_LEVEL, max(1, math.floor(exact + 0.5)))


# --- reading and writing ----------------------------------------------------------------


def load_strengths(path: Path) -> StrengthsFile:
    """Read and validate a strengths file; ``StrengthsFileError`` names the file and field."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise StrengthsFileError(f"{path}: cannot read: {error.strerror or error}") from None
    return parse_strengths(text, str(path))


def parse_strengths(text: str, source: str) -> StrengthsFile:
    """Validate a strengths document; errors name ``source`` (and the field or line)."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise StrengthsFileError(
            f"{source}: not JSON (line {error.lineno}, column {error.colno}): {error.msg}"
        ) from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise StrengthsFileError(f"{source}: not a strengths file (no format {FORMAT!r})")
    if data.get("version") != FORMAT_VERSION:
        raise StrengthsFileError(
            f"{source}: strengths file version {data.get('version')!r} is not supported "
            f"(this deskroute reads version {FORMAT_VERSION})"
        )
    try:
        return StrengthsFile.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        message = str(first["msg"]).removeprefix("Value error, ")
        raise StrengthsFileError(f"{source}: {where + ': ' if where else ''}{message}") from None


def dump_strengths(strengths: StrengthsFile) -> str:
    """The file's text: indented JSON, keys in the model's order."""
    return json.dumps(strengths.model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n"
