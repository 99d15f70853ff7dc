"""Text features shared by training and prediction: the ticket's text and its n-grams.

Training hands these very functions to scikit-learn's ``TfidfVectorizer`` as its analyzer,
and the pure predictor calls them again, so both sides always see identical features.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from router.model import Ticket

_TOKEN = re.compile(r"(?u)\b\w\w+\b")

Analyzer = Callable[[str], list[str]]


def compose_text(subject: str, body: str) -> str:
    """The text a classifier reads: subject and body on separate lines."""
    return f"{subject}\n{body}" if subject else body


def ticket_text(ticket: Ticket) -> str:
    """The text a classifier reads from ``ticket``."""
    return compose_text(ticket.subject, ticket.body)


def word_ngrams(text: str, low: int, high: int) -> list[str]:
    """Lower-cased word n-grams of ``low``..``high`` words (words have two or more letters)."""
    tokens = _TOKEN.findall(text.lower())
    grams = list(tokens) if low == 1 else []
    for n in range(max(low, 2), high + 1):
        grams.extend(" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1))
    return grams


def char_ngrams(text: str, low: int, high: int) -> list[str]:
    """Lower-cased character n-grams inside each word padded with spaces (``char_wb``)."""
    grams: list[str] = []
    for word in text.lower().split():
        padded = f" {word} "
        for n in range(low, min(high, len(padded)) + 1):
            grams.extend(padded[i : i + n] for i in range(len(padded) - n + 1))
        if len(padded) < low:
            grams.append(padded)
    return grams


@dataclass(frozen=True, slots=True)
class NgramSpec:
    """Which n-grams a feature block counts: ``kind`` is ``word`` or ``char``."""

    kind: str
    low: int
    high: int

    def __post_init__(self) -> None:
        if self.kind not in ("word", "char"):
            raise ValueError(f"unknown n-gram kind {self.kind!r} (expected word or char)")
        if not 1 <= self.low <= self.high:
            raise ValueError(f"bad n-gram range {self.low}..{self.high}")

    def __call__(self, text: str) -> list[str]:
        """The n-grams of ``text``."""
        if self.kind == "word":
            return word_ngrams(text, self.low, self.high)
        return char_ngrams(text, self.low, self.high)

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form, stored in model files."""
        return {"kind": self.kind, "low": self.low, "high": self.high}
