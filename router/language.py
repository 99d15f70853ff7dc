"""Language detection from a ticket's text, offline, before the business rules run.

The detector is py3langid (BSD-3-Clause; a maintained fork of langid.py: a naive Bayes
model over byte n-grams for 97 languages, shipped inside the package, 4.6 MB, no download
at run time). It was chosen over lingua-language-detector (Apache-2.0, slightly better on
very short text but a 96 MB wheel) and langdetect (Apache-2.0, random unless seeded):
docs/benchmarks.md has its accuracy per language on human-translated sentences and its speed.

A detected language fills ``Ticket.language`` when the help desk gave none (or replaces it
with ``override``) and so drives ``require_language``; the prediction is kept as
``predictions["language"]`` and a line for the trace (``language: de (0.97), detected``).
Detection is computed once per ticket text: a waiting ticket re-decided every few seconds
hits the cache.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache, cached_property, lru_cache
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from router.model import Prediction, Ticket

MAX_CHARS = 2000
"""Only the start of a long text is read: a quoted thread below it is often another language."""

CACHED_TEXTS = 4096
"""How many distinct ticket texts keep their detection (a waiting ticket is re-decided often)."""

Detect = Callable[[str], tuple[str, float]]


@cache
def known_languages() -> frozenset[str]:
    """The ISO 639-1 codes the shipped model tells apart."""
    return frozenset(_identifier(None).labels)


@lru_cache(maxsize=8)
def _identifier(languages: tuple[str, ...] | None) -> Any:  # py3langid ships no types
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    if languages:
        identifier.set_languages(list(languages))
    return identifier


def detector(languages: tuple[str, ...] | None = None) -> Detect:
    """A cached ``text -> (language, probability)`` over ``languages`` (all when None)."""
    identifier = _identifier(languages)

    @lru_cache(maxsize=CACHED_TEXTS)
    def detect(text: str) -> tuple[str, float]:
        label, probability = identifier.classify(text)
        return str(label), float(probability)

    return detect


class LanguageDetection(BaseModel):
    """The policy file's ``language:`` section: whether and how to detect a ticket's language."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    detect: bool = False
    override: bool = False
    """Replace a language the help desk gave with a confident detection."""
    min_confidence: float = Field(0.8, ge=0.0, le=1.0)
    """Below this probability the ticket's language is left as it was (the trace says so)."""
    languages: tuple[str, ...] | None = None
    """The languages to choose among (ISO 639-1); fewer candidates, fewer confusions."""

    @field_validator("languages", mode="before")
    @classmethod
    def _one_or_many(cls, value: object) -> object:
        return [value] if isinstance(value, str) else value

    @field_validator("languages")
    @classmethod
    def _known(cls, value: tuple[str, ...] | None) -> tuple[str, ...] | None:
        if value is None:
            return None
        folded = tuple(sorted({code.strip().lower() for code in value}))
        unknown = [code for code in folded if code not in known_languages()]
        if unknown:
            raise ValueError(
                f"unknown language code(s) {', '.join(unknown)} "
                "(ISO 639-1 codes such as en, de, fr, es, it, nl, pt, pl)"
            )
        if len(folded) < 2:
            raise ValueError("list at least two languages to choose among, or none for all")
        return folded

    @cached_property
    def _detect(self) -> Detect:
        return detector(self.languages)

    def apply(self, ticket: Ticket) -> Ticket:
        """``ticket`` with its language detected (when asked and needed) and a trace line."""
        if not self.detect:
            return ticket
        if ticket.language is not None and not self.override:
            return _with_line(ticket, f"language: {ticket.language}, from the help desk")
        text = f"{ticket.subject}\n{ticket.body}".strip()[:MAX_CHARS]
        if not text:
            return _with_line(ticket, "language: not detected (no text)")
        label, confidence = self._detect(text)
        prediction = Prediction(label=label, confidence=min(max(confidence, 0.0), 1.0))
        predictions = {**ticket.predictions, "language": prediction}
        reading = f"{label} ({confidence:.2f})"
        if confidence < self.min_confidence:
            kept = f"kept {ticket.language}" if ticket.language else "none set"
            line = f"language: not detected ({reading} < {self.min_confidence:g}; {kept})"
            return ticket.model_copy(
                update={"predictions": predictions, "context": (*ticket.context, line)}
            )
        line = f"language: {reading}, detected"
        if ticket.language is not None and ticket.language.casefold() != label:
            line += f" (the help desk said {ticket.language})"
        return ticket.model_copy(
            update={
                "language": label,
                "predictions": predictions,
                "context": (*ticket.context, line),
            }
        )


def _with_line(ticket: Ticket, line: str) -> Ticket:
    # model_copy skips validation: every value set here is already valid (a known code, a
    # Prediction, a tuple of strings), and this runs for every ticket decided
    return ticket.model_copy(update={"context": (*ticket.context, line)})
