"""How good a classifier is: accuracy, macro-F1, per-class recall, confusion, abstaining.

Pure functions over true and predicted labels (and confidences); the CLI prints and
plots what they return.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from router.model import Prediction

TRIAGE = "triage"
"""The default group for tickets whose prediction is not confident enough."""


@dataclass(frozen=True)
class ClassificationReport:
    """Scores of predicted labels against true ones; ``confusion[i, j]``: true i, predicted j."""

    labels: tuple[str, ...]
    accuracy: float
    macro_f1: float
    recall: dict[str, float]
    support: dict[str, int]
    confusion: NDArray[np.int64]

    @property
    def total(self) -> int:
        """How many examples were scored."""
        return int(self.confusion.sum())

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "examples": self.total,
            "accuracy": self.accuracy,
            "macro_f1": self.macro_f1,
            "recall": self.recall,
            "support": self.support,
            "labels": list(self.labels),
            "confusion": self.confusion.tolist(),
        }


def classification_report(
    truth: Sequence[str], predicted: Sequence[str], labels: Sequence[str] = ()
) -> ClassificationReport:
    """Score ``predicted`` against ``truth``; ``labels`` fixes the order (others are appended)."""
    if len(truth) != len(predicted) or not truth:
        raise ValueError("need equally many true and predicted labels, and at least one")
    order = list(dict.fromkeys([*labels, *sorted(set(truth) | set(predicted) - set(labels))]))
    index = {label: i for i, label in enumerate(order)}
    confusion = np.zeros((len(order), len(order)), dtype=np.int64)
    np.add.at(confusion, ([index[t] for t in truth], [index[p] for p in predicted]), 1)
    hits = np.diag(confusion).astype(float)
    support, claimed = confusion.sum(axis=1), confusion.sum(axis=0)
    recall = np.divide(hits, support, out=np.zeros_like(hits), where=support > 0)
    precision = np.divide(hits, claimed, out=np.zeros_like(hits), where=claimed > 0)
    denominator = precision + recall
    f1 = np.divide(
        2 * precision * recall, denominator, out=np.zeros_like(hits), where=denominator > 0
    )
    present = support > 0
    return ClassificationReport(
        labels=tuple(order),
        accuracy=float(hits.sum() / confusion.sum()),
        macro_f1=float(f1[present].mean()),
        recall={label: float(recall[i]) for i, label in enumerate(order) if present[i]},
        support={label: int(support[i]) for i, label in enumerate(order) if present[i]},
        confusion=confusion,
    )


@dataclass(frozen=True)
class AbstainReport:
    """Routing with an abstain threshold: what was kept, how right it was, what went to triage."""

    min_confidence: float
    triage_group: str
    kept: int
    abstained: int
    accuracy_kept: float
    overall: ClassificationReport
    calibration_error: float

    @property
    def abstain_rate(self) -> float:
        """Share of tickets sent to the triage group."""
        return self.abstained / (self.kept + self.abstained)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "min_confidence": self.min_confidence,
            "triage_group": self.triage_group,
            "kept": self.kept,
            "abstained": self.abstained,
            "abstain_rate": self.abstain_rate,
            "accuracy_kept": self.accuracy_kept,
            "expected_calibration_error": self.calibration_error,
            "overall": self.overall.to_dict(),
        }


def abstain_report(
    truth: Sequence[str],
    predictions: Sequence[Prediction],
    min_confidence: float,
    labels: Sequence[str] = (),
    triage_group: str = TRIAGE,
) -> AbstainReport:
    """Score predictions when those below ``min_confidence`` go to ``triage_group`` instead."""
    guessed = [p.label for p in predictions]
    kept = [i for i, p in enumerate(predictions) if p.confidence >= min_confidence]
    right = sum(1 for i in kept if guessed[i] == truth[i])
    return AbstainReport(
        min_confidence=min_confidence,
        triage_group=triage_group,
        kept=len(kept),
        abstained=len(predictions) - len(kept),
        accuracy_kept=right / len(kept) if kept else 0.0,
        overall=classification_report(truth, guessed, labels),
        calibration_error=calibration_error(truth, predictions),
    )


def calibration_error(
    truth: Sequence[str], predictions: Sequence[Prediction], bins: int = 10
) -> float:
    """Expected calibration error: how far confidence is from accuracy, averaged over bins."""
    confidence = np.array([p.confidence for p in predictions])
    correct = np.array([p.label == t for p, t in zip(predictions, truth, strict=True)], float)
    which = np.minimum((confidence * bins).astype(int), bins - 1)
    error = 0.0
    for b in range(bins):
        members = which == b
        if members.any():
            error += members.mean() * abs(confidence[members].mean() - correct[members].mean())
    return float(error)


@dataclass(frozen=True)
class ThresholdOutcome:
    """What one abstain threshold does to labelled tickets and to out-of-scope ones.

    In-scope tickets are kept (routed by their prediction) or abstained on (to triage);
    out-of-scope tickets belong to no label the model knows, so the only right outcome for
    them is triage: ``out_of_scope_caught`` counts those below the threshold.
    """

    min_confidence: float
    tickets: int
    kept: int
    kept_correct: int
    out_of_scope: int = 0
    out_of_scope_caught: int = 0

    @property
    def kept_and_correct_rate(self) -> float:
        """Share of the labelled tickets routed, and routed right, by the prediction."""
        return self.kept_correct / self.tickets

    @property
    def accuracy_kept(self) -> float | None:
        """Share of the kept tickets routed right (None when none is kept)."""
        return self.kept_correct / self.kept if self.kept else None

    @property
    def abstain_rate(self) -> float:
        """Share of the labelled tickets sent to triage."""
        return 1 - self.kept / self.tickets

    @property
    def caught_rate(self) -> float | None:
        """Share of the out-of-scope tickets sent to triage (None without any)."""
        return self.out_of_scope_caught / self.out_of_scope if self.out_of_scope else None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "min_confidence": self.min_confidence,
            "tickets": self.tickets,
            "kept": self.kept,
            "kept_correct": self.kept_correct,
            "kept_and_correct_rate": self.kept_and_correct_rate,
            "accuracy_kept": self.accuracy_kept,
            "abstain_rate": self.abstain_rate,
            "out_of_scope": self.out_of_scope,
            "out_of_scope_caught": self.out_of_scope_caught,
            "out_of_scope_caught_rate": self.caught_rate,
        }


def threshold_sweep(
    truth: Sequence[str],
    predictions: Sequence[Prediction],
    thresholds: Sequence[float],
    out_of_scope: Sequence[Prediction] = (),
) -> list[ThresholdOutcome]:
    """One outcome per threshold, from one set of predictions (nothing is predicted twice)."""
    if len(truth) != len(predictions) or not truth:
        raise ValueError("need equally many true labels and predictions, and at least one")
    confidence = np.array([p.confidence for p in predictions])
    correct = np.array([p.label == t for p, t in zip(predictions, truth, strict=True)])
    foreign = np.array([p.confidence for p in out_of_scope])
    outcomes = []
    for threshold in thresholds:
        kept = confidence >= threshold
        outcomes.append(
            ThresholdOutcome(
                min_confidence=threshold,
                tickets=len(truth),
                kept=int(kept.sum()),
                kept_correct=int((kept & correct).sum()),
                out_of_scope=len(foreign),
                out_of_scope_caught=int((foreign < threshold).sum()),
            )
        )
    return outcomes
