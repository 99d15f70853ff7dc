"""Ticket texts from the Bitext customer-service dataset (CDLA-Sharing-1.0, (c) Bitext),
and a share in German, Spanish and French.

The full dataset is read from a path given at start-up (a CSV file or the directory that
holds the Bitext CSVs); without one, a small attributed sample shipped in
``sandbox/data/`` is used. See sandbox/data/SOURCE.md for the licence and provenance.

Bitext's texts are English only, so that language detection has something to detect, a
share of the tickets (``SandboxOptions.foreign_share``) is written in German, Spanish or
French: human-translated sentences from Django's message catalogues (BSD-3-Clause), the
multilingual sample shipped in ``config/data/django-translations/`` (its SOURCE.md and
LICENSE). They are user-interface messages ("Bitte ein gültiges Datum eingeben."), not
customer requests: the only shipped multilingual text written by people. Like every
sandbox ticket they arrive without a language field (neither Zendesk's nor Freshdesk's
ticket has one); their language is recorded on the ``Utterance`` only, for tests.
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass
from itertools import zip_longest
from pathlib import Path

from config.datasets import default_data_dir

SAMPLE = Path(__file__).parent / "data" / "bitext_sample.csv"
FOREIGN = Path("django-translations", "sentences.tsv")
"""The shipped multilingual sentences, under ``config/data/``."""
FOREIGN_LANGUAGES = ("de", "es", "fr")
MIN_WORDS = 6
"""Foreign sentences shorter than this are left out: a ticket says more than "Speichern"."""
FOREIGN_CATEGORY = "CONTACT"
"""The Bitext category foreign tickets are filed under (the General queue)."""
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
    language: str = "en"
    """What it is written in (never sent to the desk: tickets carry no language)."""

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


def foreign_texts(data_dir: Path | None = None) -> list[Utterance]:
    """The shipped German, Spanish and French sentences of at least ``MIN_WORDS`` words,
    the languages taking turns (the file lists them one language after another)."""
    path = (data_dir or default_data_dir()) / FOREIGN
    by_language: dict[str, list[Utterance]] = {code: [] for code in FOREIGN_LANGUAGES}
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE):
            text, language = row["text"].strip(), row["language"]
            if language in by_language and len(text.split()) >= MIN_WORDS:
                by_language[language].append(Utterance(text, "", FOREIGN_CATEGORY, language))
    turns = zip_longest(*by_language.values())
    return [utterance for turn in turns for utterance in turn if utterance is not None]


def mixed(english: list[Utterance], foreign: list[Utterance], share: float) -> list[Utterance]:
    """``english`` and enough ``foreign`` utterances (cycled, in order) that a uniform draw
    is foreign with probability ``share`` (as near as whole rows allow)."""
    if share <= 0 or not foreign:
        return english
    wanted = round(len(english) * share / (1 - share))
    return english + [foreign[index % len(foreign)] for index in range(wanted)]


def pick(texts: list[Utterance], rng: random.Random) -> Utterance:
    """One utterance at random."""
    return texts[rng.randrange(len(texts))]
