"""The parts of business rules that read predictions: a confidence test and three actions.

``router.rules`` plugs these into its ``when`` and ``then`` schema, e.g.::

    - name: learned queue
      then:
        group_from_prediction: {min_confidence: 0.6, triage_group: triage}
        skill_from_prediction: {target: group, skills: {REFUND: refunds}, level: 3}
        priority_from_prediction: {min_confidence: 0.8}
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from router.model import Prediction, Priority, SkillLevel, Ticket


class _Part(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def _prediction(ticket: Ticket, target: str, min_confidence: float) -> Prediction | None:
    """The ticket's prediction for ``target`` when it is at least ``min_confidence``."""
    prediction = ticket.predictions.get(target)
    if prediction is None or prediction.confidence < min_confidence:
        return None
    return prediction


class ConfidenceTest(_Part):
    """Holds when ``target`` was predicted with confidence ``below`` and/or ``at_least`` a bound.

    A ticket without a prediction for ``target`` never satisfies the test.
    """

    target: str = Field(min_length=1)
    below: float | None = Field(default=None, ge=0.0, le=1.0)
    at_least: float | None = Field(default=None, ge=0.0, le=1.0)

    @model_validator(mode="after")
    def _has_bound(self) -> ConfidenceTest:
        if self.below is None and self.at_least is None:
            raise ValueError("a confidence test needs below, at_least or both")
        return self

    def holds(self, ticket: Ticket) -> bool:
        """True when the prediction exists and its confidence is within the bounds."""
        prediction = ticket.predictions.get(self.target)
        if prediction is None:
            return False
        low_ok = self.at_least is None or prediction.confidence >= self.at_least
        return low_ok and (self.below is None or prediction.confidence < self.below)


class _FromPrediction(_Part):
    target: str = Field(min_length=1)
    min_confidence: float = Field(default=0.0, ge=0.0, le=1.0)

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, value: object) -> object:
        return {} if value is True else value


class GroupFromPrediction(_FromPrediction):
    """Set the group to the predicted one (renamed through ``groups``); when the prediction is
    missing or below ``min_confidence`` send the ticket to ``triage_group`` (if given)."""

    target: str = "group"
    triage_group: str | None = Field(default=None, min_length=1)
    groups: dict[str, str] = Field(default_factory=dict)

    def group(self, ticket: Ticket) -> str | None:
        """The group the ticket should get, or None to leave it as it is."""
        prediction = _prediction(ticket, self.target, self.min_confidence)
        if prediction is None:
            return self.triage_group
        return self.groups.get(prediction.label, prediction.label)


class SkillFromPrediction(_FromPrediction):
    """Require the skill the prediction names (renamed through ``skills``) at ``level``;
    labels missing from a non-empty ``skills`` map add nothing."""

    target: str = "skill"
    level: SkillLevel = 1
    skills: dict[str, str] = Field(default_factory=dict)

    def required(self, ticket: Ticket) -> dict[str, int]:
        """The skills to require (empty when unsure or unmapped)."""
        prediction = _prediction(ticket, self.target, self.min_confidence)
        if prediction is None:
            return {}
        skill = self.skills.get(prediction.label) if self.skills else prediction.label
        return {skill: self.level} if skill else {}


class PriorityFromPrediction(_FromPrediction):
    """Use the predicted priority when the ticket has none.

    Help desks report a missing priority as normal, so by default only a ``normal`` ticket
    is changed; ``replaces`` lists the priorities the prediction may overwrite.
    """

    target: str = "priority"
    replaces: frozenset[Priority] = frozenset({Priority.NORMAL})

    @field_validator("replaces", mode="before")
    @classmethod
    def _parse(cls, value: object) -> object:
        if isinstance(value, list | tuple | set | frozenset):
            return frozenset(Priority.parse(item) for item in value)
        return value

    def priority(self, ticket: Ticket) -> Priority | None:
        """The predicted priority, or None to keep the ticket's own."""
        prediction = _prediction(ticket, self.target, self.min_confidence)
        if prediction is None or ticket.priority not in self.replaces:
            return None
        try:
            return Priority.parse(prediction.label)
        except ValueError:
            return None  # a model trained on other priority names: leave the ticket alone
