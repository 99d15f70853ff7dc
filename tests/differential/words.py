"""What customers write, and the triage model that reads it.

Tickets on the live desk carry their customer's words; simulated tickets carry none yet
(a scenario category has no texts), so ``WordedTickets`` gives each simulated ticket the
very words its live twin carries before the same model reads them. The model is a small
one trained here from the shipped Bitext data, saved and loaded through the model-file
format ``deskroute train`` writes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from config.datasets import load_dataset
from config.model_files import save_model
from router.classify.features import NgramSpec
from router.classify.predictor import TicketClassifier
from router.classify.train import TrainingOptions, train_model
from router.model import Ticket

PER_CATEGORY = 6
"""Customer texts kept per category (ticket ``n`` of a category uses text ``n`` mod this)."""
TRAIN_EVERY = 12
"""Every n-th Bitext training row trains the model: small, quick, not always sure."""


@dataclass(frozen=True)
class CustomerWords:
    """Texts per category; a ticket's text follows from its number and category."""

    texts: Mapping[str, tuple[str, ...]]

    @classmethod
    def from_bitext(cls, data_dir: Path) -> CustomerWords:
        """The first ``PER_CATEGORY`` test-split utterances of each Bitext category."""
        texts: dict[str, list[str]] = {}
        for example in load_dataset("bitext", "test", data_dir):
            kept = texts.setdefault(example.labels["group"], [])
            if len(kept) < PER_CATEGORY:
                kept.append(example.text)
        return cls({category: tuple(kept) for category, kept in texts.items()})

    def text(self, ticket_id: str, category: str | None) -> str:
        """What the customer of ticket ``ticket_id`` (of ``category``) wrote."""
        choices = self.texts.get(category or "", ())
        return choices[int(ticket_id) % len(choices)] if choices else ""


@dataclass(frozen=True)
class WordedTickets:
    """A classifier for simulated tickets: gives a ticket without text its customer's words
    (as its live twin has them), then lets the real model read them."""

    model: TicketClassifier
    words: CustomerWords

    def classify(self, ticket: Ticket) -> Ticket:
        """The ticket with its words and the model's predictions."""
        if not ticket.subject:
            ticket = ticket.evolve(subject=self.words.text(ticket.id, ticket.type))
        return self.model.classify(ticket)


def train_group_model(data_dir: Path, path: Path) -> Path:
    """Train a small group model on every ``TRAIN_EVERY``-th Bitext training row (word
    1-2-grams only: quick to read) and save it as ``deskroute train`` would."""
    examples = load_dataset("bitext", "train", data_dir)[::TRAIN_EVERY]
    texts = [example.text for example in examples]
    labels = [example.labels["group"] for example in examples]
    options = TrainingOptions(ngrams=(NgramSpec("word", 1, 2),), embedding_weight=0.0)
    result = train_model(texts, labels, "group", options)
    save_model(result.model, path, {"source": f"bitext train[::{TRAIN_EVERY}]"})
    return path
