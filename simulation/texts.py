"""What simulated tickets say: an utterance of their category from the shipped Bitext data.

With ``traffic.text: bitext`` every English ticket whose category is one of Bitext's eleven
(ACCOUNT, ORDER, REFUND, ...; the reference scenarios' categories are exactly those) carries
one of that category's utterances from the training split as its body, drawn uniformly from
its own stream ("text"), one draw per arrival whatever the ticket is, so every policy sees
the same texts. The router reads them as it reads a live ticket's (``Router.enrich``: the
text signals, language detection). Bitext is English only: a ticket in another language,
or of a category Bitext does not have, carries no text.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from functools import cache

import numpy as np

from config.datasets import default_data_dir, load_dataset

TEXT_LANGUAGE = "en"
"""The language Bitext's utterances are written in."""


@cache
def bitext_utterances() -> dict[str, tuple[str, ...]]:
    """The training split's utterances by category (read once per process)."""
    found: dict[str, list[str]] = defaultdict(list)
    for example in load_dataset("bitext", "train", default_data_dir()):
        found[example.labels["group"]].append(example.text)
    return {category: tuple(texts) for category, texts in found.items()}


class TicketTexts:
    """Draws each arrival's text, in arrival order."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng
        self.utterances = bitext_utterances()

    def draw(self, categories: Sequence[str], languages: Sequence[str]) -> list[str | None]:
        """The text of each arrival of ``categories`` in ``languages`` (None: none)."""
        picks = self.rng.random(len(categories)).tolist()
        texts: list[str | None] = []
        for category, language, pick in zip(categories, languages, picks, strict=True):
            pool = self.utterances.get(category) if language == TEXT_LANGUAGE else None
            texts.append(pool[int(pick * len(pool))] if pool else None)
        return texts
