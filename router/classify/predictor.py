"""What the router calls: a set of fitted models that adds predictions to a ticket."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Protocol

from router.model import Prediction, Ticket

TARGETS = ("group", "skill", "priority", "language")
"""What a model can predict; each becomes ``ticket.predictions[<target>]``."""


class TargetModel(Protocol):
    """A fitted model for one target."""

    @property
    def target(self) -> str:
        """Which ticket attribute the model predicts."""
        ...

    def predict(self, ticket: Ticket) -> Prediction:
        """The most likely label and its confidence."""
        ...


class TicketClassifier(Protocol):
    """Anything the router can ask to enrich a ticket with predictions."""

    def classify(self, ticket: Ticket) -> Ticket:
        """The ticket with its ``predictions`` filled in (the input is untouched)."""
        ...


@dataclass(frozen=True)
class Classifier:
    """One model per target; ``classify`` runs them all on a ticket.

    Predictions already on the ticket (e.g. from the help desk's own triage) are kept for
    targets this classifier has no model for and replaced for targets it has.
    """

    models: Mapping[str, TargetModel] = field(default_factory=dict)

    @classmethod
    def of(cls, models: Iterable[TargetModel]) -> Classifier:
        """Build from models; two models for one target is an error."""
        by_target: dict[str, TargetModel] = {}
        for model in models:
            if model.target in by_target:
                raise ValueError(f"two models predict {model.target!r}")
            by_target[model.target] = model
        return cls(models=by_target)

    def predict(self, ticket: Ticket) -> dict[str, Prediction]:
        """Every model's prediction for ``ticket``, by target."""
        return {target: model.predict(ticket) for target, model in self.models.items()}

    def classify(self, ticket: Ticket) -> Ticket:
        """The ticket with this classifier's predictions merged into ``predictions``."""
        if not self.models:
            return ticket
        enriched: Ticket = ticket.evolve(predictions={**ticket.predictions, **self.predict(ticket)})
        return enriched
