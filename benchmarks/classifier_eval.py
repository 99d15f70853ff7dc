"""Triage classifier: accuracy on the shipped data, training time, predictions per second.

Trains the production pipeline (word + char TF-IDF and a bundled wordllama sentence vector,
linear SVM, calibrated confidences) and, in the same run, the baseline without the
sentence vector. Reports BANKING77 test accuracy (77 intents; the yardstick), Bitext
category accuracy (11 queues; the misroute rate the simulator can use), training time, and
single-ticket predictions per second through the pure predictor and through
``Classifier.classify`` (what the router pays per ticket).

    .venv/bin/python benchmarks/classifier_eval.py [--data-dir DIR] [--min-confidence 0.5]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from config.datasets import data_dir_or_default, labelled, load_dataset
from config.embeddings import load_embedder
from config.settings import load_settings
from router.classify import Classifier, LinearTextModel, abstain_report
from router.classify.linear import TextEmbedder
from router.classify.train import TrainingOptions, train_model
from router.model import Prediction, Ticket

CREATED = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


def run(
    name: str,
    dataset: str,
    target: str,
    data_dir: Path,
    embedder: TextEmbedder | None,
    threshold: float,
) -> dict[str, float]:
    """Train on the train split, score on the test split; print one summary line."""
    training = labelled(load_dataset(dataset, "train", data_dir), target)
    testing = labelled(load_dataset(dataset, "test", data_dir), target)
    texts, labels = training.texts, training.labels
    test_texts, truth = testing.texts, testing.labels
    options = TrainingOptions(embedding_weight=1.5 if embedder else 0.0)
    started = time.perf_counter()
    model = train_model(texts, labels, target, options, embedder).model
    train_s = time.perf_counter() - started
    predictions, per_s = timed_predictions(model, test_texts)
    report = abstain_report(truth, predictions, threshold, model.labels)
    print(
        f"{name:<34} acc {report.overall.accuracy:.4f}  macro-F1 {report.overall.macro_f1:.4f}"
        f"  kept@{threshold:.2f} {report.accuracy_kept:.4f} (abstain {report.abstain_rate:.1%})"
        f"  ECE {report.calibration_error:.3f}  train {train_s:5.1f} s  {per_s:7,.0f} pred/s",
        flush=True,
    )
    return {
        "acc": report.overall.accuracy,
        "train_s": train_s,
        "per_s": per_s,
        "classify_per_s": classify_rate(model, test_texts),
    }


def timed_predictions(
    model: LinearTextModel, texts: Sequence[str]
) -> tuple[list[Prediction], float]:
    """One prediction per text, one at a time as tickets arrive, and the rate achieved."""
    started = time.perf_counter()
    predictions = [model.predict_text(text) for text in texts]
    return predictions, len(texts) / (time.perf_counter() - started)


def classify_rate(model: LinearTextModel, texts: Sequence[str]) -> float:
    """Tickets per second through ``Classifier.classify`` (prediction + ticket copy)."""
    classifier = Classifier.of([model])
    tickets = [Ticket(id=str(i), body=text, created_at=CREATED) for i, text in enumerate(texts)]
    started = time.perf_counter()
    for ticket in tickets:
        classifier.classify(ticket)
    return len(tickets) / (time.perf_counter() - started)


def main() -> None:
    """Run the baseline and the production pipeline on both datasets and print RESULT."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--min-confidence", type=float, default=0.5)
    args = parser.parse_args()
    data_dir = data_dir_or_default(args.data_dir or load_settings().classifier.data_dir)
    embedder = load_embedder()
    print(f"data: {data_dir}; embedder: {embedder.name}")
    base = run(
        "BANKING77 baseline (TF-IDF + SVM)",
        "banking77",
        "skill",
        data_dir,
        None,
        args.min_confidence,
    )
    bank = run(
        "BANKING77 (TF-IDF + wordllama + SVM)",
        "banking77",
        "skill",
        data_dir,
        embedder,
        args.min_confidence,
    )
    category = run(
        "Bitext category (11 queues)", "bitext", "group", data_dir, embedder, args.min_confidence
    )
    run("Bitext intent (27 skills)", "bitext", "skill", data_dir, embedder, args.min_confidence)
    print(
        f"BANKING77 vs baseline: accuracy {bank['acc'] - base['acc']:+.4f} "
        f"({bank['acc'] / base['acc']:.3f}x), predictions/s "
        f"{bank['per_s'] / base['per_s']:.2f}x, training time "
        f"{bank['train_s'] / base['train_s']:.2f}x"
    )
    print(
        f"router path (Classifier.classify, BANKING77 model): {bank['classify_per_s']:,.0f} "
        f"tickets/s = {1e3 / bank['classify_per_s']:.3f} ms per ticket"
    )
    print(f"Bitext category misroute rate: {1 - category['acc']:.4f}")
    print(
        f"RESULT banking77_acc={bank['acc']:.4f} bitext_category_acc={category['acc']:.4f} "
        f"predict_per_s={bank['per_s']:.0f}"
    )


if __name__ == "__main__":
    main()
