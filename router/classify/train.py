"""Fitting a model from labelled texts (scikit-learn; no file or network I/O).

Word and character n-gram TF-IDF, optionally next to a sentence vector from an injected
embedder, feed a linear SVM with class weights balanced against imbalance. A stratified
held-out share gives the training report and fits the softmax temperature that turns SVM
scores into calibrated confidences; the final model is then refitted on every example.
Imported on its own (``router.classify.train``) so that routing never loads scikit-learn.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sparse
from scipy.optimize import minimize_scalar
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.model_selection import train_test_split
from sklearn.svm import LinearSVC

from router.classify.features import NgramSpec
from router.classify.linear import (
    EmbeddingBlock,
    FloatArray,
    LinearTextModel,
    NgramBlock,
    TextEmbedder,
)
from router.classify.metrics import ClassificationReport, classification_report

Progress = Callable[[str], None]


@dataclass(frozen=True)
class TrainingOptions:
    """How to fit: n-gram blocks, SVM strength, embedding weight, held-out share, seed."""

    ngrams: tuple[NgramSpec, ...] = (NgramSpec("word", 1, 2), NgramSpec("char", 2, 5))
    c: float = 0.5
    balanced: bool = True
    embedding_weight: float = 1.5
    holdout: float = 0.2
    seed: int = 0
    min_df: int = 1


@dataclass(frozen=True)
class TrainingResult:
    """The fitted model and how it scored on the held-out share before the final refit.

    ``held_out`` is False when the data was too small to hold any out; the report is
    then on the training data itself and says little.
    """

    model: LinearTextModel
    report: ClassificationReport
    train_examples: int
    holdout_examples: int
    held_out: bool = True
    skipped_labels: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class FittedPipeline:
    """The scikit-learn side of a fit: vectorizers, SVM, and the blocks they export to."""

    blocks: tuple[NgramBlock, ...]
    vectorizers: tuple[TfidfVectorizer, ...]
    svm: LinearSVC

    def scores(self, texts: Sequence[str], vectors: FloatArray | None = None) -> FloatArray:
        """Raw scores per label as scikit-learn computes them (labels in ``svm.classes_``)."""
        matrix = _stack([v.transform(texts) for v in self.vectorizers], vectors)
        weights, bias = _linear(self.svm)
        return np.asarray(matrix @ weights + bias, dtype=np.float64)

    def export(
        self,
        target: str,
        temperature: float,
        embedder: TextEmbedder | None = None,
        embedding_weight: float = 0.0,
    ) -> LinearTextModel:
        """The pure predictor holding this fit's parameters."""
        weights, bias = _linear(self.svm)
        embedding = None
        if embedder is not None and embedding_weight > 0:
            width = weights.shape[0] - sum(block.width for block in self.blocks)
            embedding = EmbeddingBlock(embedder=embedder, width=width, weight=embedding_weight)
        return LinearTextModel(
            target=target,
            labels=tuple(str(c) for c in self.svm.classes_),
            ngrams=self.blocks,
            weights=weights.astype(np.float32),
            bias=bias,
            temperature=temperature,
            embedding=embedding,
        )


def train_model(
    texts: Sequence[str],
    labels: Sequence[str],
    target: str,
    options: TrainingOptions = TrainingOptions(),
    embedder: TextEmbedder | None = None,
    progress: Progress = lambda _: None,
) -> TrainingResult:
    """Fit a calibrated model for ``target`` from ``texts`` and their ``labels``.

    Labels seen fewer than twice cannot be learnt or held out; they are dropped and
    counted in ``skipped_labels``. Raises ValueError when fewer than two labels remain or
    when no text has a word (two or more letters) or a character to learn from.
    """
    texts, labels, skipped = _drop_rare(texts, labels)
    if len(set(labels)) < 2:
        raise ValueError(f"need at least two {target} labels with two examples each to train")
    _require_features(texts, options.ngrams)
    vectors = _embed(texts, embedder, options, progress)
    fit_idx, held_idx = _split(labels, options)
    progress(f"fitting on {len(fit_idx)} examples, holding out {len(held_idx)}")
    first = fit_pipeline(
        [texts[i] for i in fit_idx], [labels[i] for i in fit_idx], _rows(vectors, fit_idx), options
    )
    held_scores = first.scores([texts[i] for i in held_idx], _rows(vectors, held_idx))
    held_truth = [labels[i] for i in held_idx]
    classes = [str(c) for c in first.svm.classes_]
    temperature = fit_temperature(held_scores, [classes.index(t) for t in held_truth])
    report = classification_report(
        held_truth, [classes[i] for i in held_scores.argmax(axis=1)], sorted(set(labels))
    )
    progress(f"refitting on all {len(texts)} examples")
    final = fit_pipeline(list(texts), list(labels), vectors, options)
    model = final.export(target, temperature, embedder, options.embedding_weight)
    return TrainingResult(
        model=model,
        report=report,
        train_examples=len(fit_idx),
        holdout_examples=len(held_idx),
        held_out=fit_idx != held_idx,
        skipped_labels=skipped,
    )


def fit_temperature(scores: FloatArray, truth: Sequence[int]) -> float:
    """The softmax temperature that minimises held-out cross-entropy.

    The targets are smoothed by 1/(n+2) (Laplace's rule): n right answers out of n do not
    prove certainty, and without smoothing a perfect held-out share drives the temperature
    to zero and every confidence, even on foreign text, to 1.0.
    """
    rows = np.arange(len(truth))
    target = np.asarray(truth)
    smoothing = 1.0 / (len(truth) + 2)

    def loss(log_t: float) -> float:
        scaled = scores / np.exp(log_t)
        scaled -= scaled.max(axis=1, keepdims=True)
        log_norm = np.log(np.exp(scaled).sum(axis=1))
        right = (1 - smoothing) * scaled[rows, target] + smoothing * scaled.mean(axis=1)
        return float((log_norm - right).mean())

    found = minimize_scalar(loss, bounds=(-6.0, 4.0), method="bounded")
    return float(np.exp(found.x))


def _drop_rare(
    texts: Sequence[str], labels: Sequence[str]
) -> tuple[list[str], list[str], dict[str, int]]:
    counts = Counter(labels)
    rare = {label: n for label, n in counts.items() if n < 2}
    keep = [i for i, label in enumerate(labels) if label not in rare]
    return [texts[i] for i in keep], [labels[i] for i in keep], rare


def _require_features(texts: Sequence[str], ngrams: Sequence[NgramSpec]) -> None:
    for spec in ngrams:
        if not any(spec(text) for text in texts):
            what = "word of two or more letters" if spec.kind == "word" else "character"
            raise ValueError(
                f"none of the {len(texts)} texts has a {what} to learn from "
                "(blank or punctuation only?)"
            )


def _split(labels: Sequence[str], options: TrainingOptions) -> tuple[list[int], list[int]]:
    indices = list(range(len(labels)))
    held = max(round(len(labels) * options.holdout), len(set(labels)))
    if held >= len(labels) - len(set(labels)):
        return indices, indices  # too few examples to hold any out: report on training data
    fit_idx, held_idx = train_test_split(
        indices, test_size=held, stratify=labels, random_state=options.seed
    )
    return sorted(fit_idx), sorted(held_idx)


def _embed(
    texts: Sequence[str],
    embedder: TextEmbedder | None,
    options: TrainingOptions,
    progress: Progress,
) -> FloatArray | None:
    if embedder is None or options.embedding_weight <= 0:
        return None
    progress(f"embedding {len(texts)} texts with {embedder.name}")
    return options.embedding_weight * np.asarray(embedder.embed(list(texts)), dtype=np.float64)


def _rows(vectors: FloatArray | None, indices: Sequence[int]) -> FloatArray | None:
    return None if vectors is None else vectors[list(indices)]


def fit_pipeline(
    texts: Sequence[str],
    labels: Sequence[str],
    vectors: FloatArray | None,
    options: TrainingOptions,
) -> FittedPipeline:
    """Fit the TF-IDF blocks and the SVM; ``vectors`` are already-scaled sentence vectors."""
    vectorizers = tuple(
        TfidfVectorizer(analyzer=spec, sublinear_tf=True, min_df=options.min_df, dtype=np.float64)
        for spec in options.ngrams
    )
    parts = [v.fit_transform(texts) for v in vectorizers]
    svm = LinearSVC(
        C=options.c,
        class_weight="balanced" if options.balanced else None,
        random_state=options.seed,
    )
    svm.fit(_stack(parts, vectors), list(labels))
    blocks = tuple(
        NgramBlock(
            spec=spec,
            vocabulary={str(k): int(i) for k, i in v.vocabulary_.items()},
            idf=np.asarray(v.idf_, dtype=np.float64),
        )
        for spec, v in zip(options.ngrams, vectorizers, strict=True)
    )
    return FittedPipeline(blocks, vectorizers, svm)


def _stack(parts: list[sparse.csr_matrix], vectors: FloatArray | None) -> sparse.csr_matrix:
    if vectors is not None:
        parts = [*parts, sparse.csr_matrix(vectors)]
    return sparse.hstack(parts).tocsr()


def _linear(svm: LinearSVC) -> tuple[FloatArray, FloatArray]:
    """Weights (features x labels) and bias in float64, as scikit-learn computes them; a
    binary SVM's one score becomes +-s/2. The predictor keeps the weights in float32."""
    coef = np.asarray(svm.coef_, dtype=np.float64)
    bias = np.asarray(svm.intercept_, dtype=np.float64)
    if coef.shape[0] == 1:
        coef, bias = np.vstack([-coef / 2, coef / 2]), np.concatenate([-bias / 2, bias / 2])
    return np.ascontiguousarray(coef.T), bias
