"""Ticket texts from the Bitext customer-service dataset (CDLA-Sharing-1.0, (c) Bitext).

The full dataset is read from a path given at start-up (a CSV file or the directory that
holds the Bitext CSVs); without one, a small attributed sample shipped in
``sandbox/data/`` is used. See sandbox/data/SOURCE.md for the licence and provenance.
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass
from pathlib import Path

SAMPLE = Path(__file__).parent / "data" / "bitext_sample.csv"
CATEGORY_GROUPS = {
    "ACCOUNT": "Accounts",
    "CANCELLATION_FEE": "Billing",
    "CONTACT": "General",
    "DELIVERY": "Shipping",
    "FEEDBACK": "General",
    "INVOICE": "Billing",
    "NEWSLETTER": "General",
    "ORDER": "Orders",
    "PAYMENT": "Billing",
    "REFUND": "Billing",
    "SHIPPING_ADDRESS": "Shipping",
}


@dataclass(frozen=True, slots=True)
class Utterance:
    """One customer request with Bitext's intent and category."""

    text: str
    intent: str
    category: str

    @property
    def group(self) -> str:
        """The queue a help desk would file this category under."""
        return CATEGORY_GROUPS.get(self.category, "General")


def load_texts(source: Path | None = None) -> list[Utterance]:
    """Utterances from a Bitext CSV, a directory of them, or the bundled sample."""
    path = source or SAMPLE
    files = sorted(path.glob("Bitext_*.csv")) if path.is_dir() else [path]
    if not files:
        raise FileNotFoundError(f"no Bitext_*.csv files in {path}")
    found: list[Utterance] = []
    for file in files:
        with file.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                if row.get("utterance"):
                    found.append(
                        Utterance(
                            row["utterance"].strip(), row.get("intent", ""), row.get("category", "")
                        )
                    )
    if not found:
        raise ValueError(f"{path}: no utterances (expected Bitext columns)")
    return found


def pick(texts: list[Utterance], rng: random.Random) -> Utterance:
    """One utterance at random."""
    return texts[rng.randrange(len(texts))]
