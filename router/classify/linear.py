"""The pure predictor: fitted TF-IDF vocabularies and linear weights, no training code.

A model is plain arrays: per n-gram block a vocabulary and IDF weights, an optional
sentence-vector block from an injected embedder, one weight row per feature and a bias per
class, and a softmax temperature fitted on held-out data so that confidences are
calibrated. Predicting one ticket costs well under a millisecond.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

from router.classify.features import NgramSpec, ticket_text
from router.model import Prediction, Ticket

FloatArray = NDArray[np.float64]
WeightArray = NDArray[np.float32]
"""Model weights are single precision: half the memory of float64 (the weights are most of a
model: features x labels), and scores move by about 1e-6, far below any confidence shown."""


class TextEmbedder(Protocol):
    """Maps texts to L2-normalised sentence vectors; pure once constructed."""

    @property
    def name(self) -> str:
        """Identifies the weights; stored in model files and checked on load."""
        ...

    def embed(self, texts: Sequence[str]) -> NDArray[np.floating]:
        """One row per text."""
        ...


@dataclass(frozen=True, slots=True)
class NgramBlock:
    """One TF-IDF block: which n-grams, their column numbers and IDF weights."""

    spec: NgramSpec
    vocabulary: Mapping[str, int]
    idf: FloatArray

    @property
    def width(self) -> int:
        """How many feature columns the block has."""
        return len(self.idf)

    def vector(self, text: str) -> tuple[NDArray[np.intp], FloatArray]:
        """Sparse, L2-normalised, sublinear TF-IDF of ``text``: column numbers and values."""
        vocabulary = self.vocabulary
        found = [(vocabulary[g], n) for g, n in Counter(self.spec(text)).items() if g in vocabulary]
        if not found:
            return np.zeros(0, dtype=np.intp), np.zeros(0)
        columns = np.fromiter((column for column, _ in found), dtype=np.intp, count=len(found))
        counts = np.fromiter((n for _, n in found), dtype=np.float64, count=len(found))
        values = (1.0 + np.log(counts)) * self.idf[columns]
        return columns, values / np.sqrt(values @ values)


@dataclass(frozen=True, slots=True)
class EmbeddingBlock:
    """Sentence vectors from an injected embedder, scaled by ``weight`` next to TF-IDF."""

    embedder: TextEmbedder
    width: int
    weight: float = 1.0

    def vector(self, text: str) -> FloatArray:
        """The scaled sentence vector of ``text``."""
        return self.weight * np.asarray(self.embedder.embed([text])[0], dtype=np.float64)


@dataclass(frozen=True, slots=True)
class LinearTextModel:
    """A fitted linear classifier for one target (group, skill, priority or language).

    ``weights`` has one row per feature column (n-gram blocks first, then the embedding
    block) and one column per label, held as float32 (given in any float type, converted);
    ``bias`` one entry per label.
    """

    target: str
    labels: tuple[str, ...]
    ngrams: tuple[NgramBlock, ...]
    weights: WeightArray
    bias: FloatArray
    temperature: float = 1.0
    embedding: EmbeddingBlock | None = None
    _offsets: tuple[int, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "weights", np.asarray(self.weights, dtype=np.float32))
        offsets, start = [], 0
        for block in self.ngrams:
            offsets.append(start)
            start += block.width
        object.__setattr__(self, "_offsets", (*offsets, start))
        width = start + (self.embedding.width if self.embedding else 0)
        classes = len(self.labels)
        if self.weights.shape != (width, classes) or self.bias.shape != (classes,):
            raise ValueError(
                f"weights {self.weights.shape} / bias {self.bias.shape} do not fit "
                f"{width} features and {len(self.labels)} labels"
            )
        if len(self.labels) < 2 or not self.temperature > 0:
            raise ValueError("a model needs two or more labels and a positive temperature")

    def scores(self, text: str) -> FloatArray:
        """Raw linear scores per label (before calibration)."""
        total = self.bias.copy()
        for block, offset in zip(self.ngrams, self._offsets, strict=False):
            columns, values = block.vector(text)
            total += values @ self.weights[columns + offset]
        if self.embedding is not None:
            total += self.embedding.vector(text) @ self.weights[self._offsets[-1] :]
        return total

    def probabilities(self, text: str) -> FloatArray:
        """Calibrated probability per label, in ``labels`` order."""
        scaled = self.scores(text) / self.temperature
        exp = np.exp(scaled - scaled.max())
        return np.asarray(exp / exp.sum(), dtype=np.float64)

    def predict_text(self, text: str) -> Prediction:
        """The most likely label with its calibrated confidence."""
        probabilities = self.probabilities(text)
        best = int(np.argmax(probabilities))
        return Prediction(label=self.labels[best], confidence=float(probabilities[best]))

    def predict(self, ticket: Ticket) -> Prediction:
        """Predict from the ticket's subject and body."""
        return self.predict_text(ticket_text(ticket))
