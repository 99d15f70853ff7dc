"""Triage classifier: the memory a loaded model takes, by label count, float32 against float64.

Trains a model per label count on the shipped data (Bitext categories: 11 labels, Bitext
intents: 27, BANKING77: 77, BANKING77 and Bitext intents together: 104), writes it, and
measures with tracemalloc what loading it allocates and keeps: the weights (features x
labels, float32 since issue 18) and the rest (vocabularies, IDF). The baseline in the same
run is the same model with float64 weights, as models were held before. TF-IDF only: a
sentence vector adds 256 rows of weights (1 kB per label in float32).

    .venv/bin/python benchmarks/classifier_memory.py
"""

from __future__ import annotations

import tempfile
import tracemalloc
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from config.datasets import default_data_dir, labelled, load_dataset
from config.model_files import load_model, save_model
from router.classify.linear import LinearTextModel
from router.classify.train import TrainingOptions, train_model

MB = 1e6


@dataclass(frozen=True)
class Measured:
    """One model's size: label and feature counts, weights and whole model in bytes."""

    name: str
    labels: int
    features: int
    weights32: int
    weights64: int
    loaded: int

    @property
    def loaded64(self) -> int:
        """The whole model as it was with float64 weights."""
        return self.loaded - self.weights32 + self.weights64


def corpus(parts: list[tuple[str, str]]) -> tuple[list[str], list[str]]:
    """Training texts and labels from (dataset, target) pairs, labels prefixed by dataset."""
    texts: list[str] = []
    labels: list[str] = []
    for dataset, target in parts:
        data = labelled(load_dataset(dataset, "train", default_data_dir()), target)
        texts += data.texts
        labels += [f"{dataset}:{label}" for label in data.labels]
    return texts, labels


def loaded_bytes(path: Path) -> tuple[LinearTextModel, int]:
    """Load a model file and return it with the bytes that loading left allocated."""
    tracemalloc.start()
    model = load_model(path)
    kept, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return model, kept


def measure(name: str, parts: list[tuple[str, str]], folder: Path) -> Measured:
    """Train, save, load and measure one model."""
    texts, labels = corpus(parts)
    options = TrainingOptions(embedding_weight=0.0)
    model = train_model(texts, labels, "skill", options).model
    path = folder / f"{name}.npz"
    save_model(model, path)
    loaded, kept = loaded_bytes(path)
    result = Measured(
        name=name,
        labels=len(loaded.labels),
        features=loaded.weights.shape[0],
        weights32=loaded.weights.nbytes,
        weights64=loaded.weights.astype(np.float64).nbytes,
        loaded=kept,
    )
    print(
        f"{name:<26} {result.labels:>4} labels {result.features:>7,} features  "
        f"weights {result.weights32 / MB:6.1f} MB (float64 {result.weights64 / MB:6.1f} MB)  "
        f"loaded model {result.loaded / MB:6.1f} MB (float64 {result.loaded64 / MB:6.1f} MB)  "
        f"file {path.stat().st_size / MB:5.1f} MB",
        flush=True,
    )
    return result


def main() -> None:
    """Measure every label count and print RESULT."""
    with tempfile.TemporaryDirectory() as folder:
        rows = [
            measure("bitext category", [("bitext", "group")], Path(folder)),
            measure("bitext intent", [("bitext", "skill")], Path(folder)),
            measure("banking77", [("banking77", "skill")], Path(folder)),
            measure("banking77 + bitext intent", [("banking77", "skill"), ("bitext", "skill")],
                    Path(folder)),
        ]  # fmt: skip
    largest = rows[-1]
    per_cell = largest.weights32 / (largest.labels * largest.features)
    print(f"bytes per weight: {per_cell:.0f} (float64: 8)")
    print(
        f"loaded model vs float64 weights: {largest.loaded / largest.loaded64:.2f}x at "
        f"{largest.labels} labels; weights {largest.weights32 / largest.weights64:.2f}x"
    )
    print(
        "RESULT "
        + " ".join(f"labels{row.labels}_mb={row.loaded / MB:.1f}" for row in rows)
        + f" ratio_vs_float64={largest.loaded / largest.loaded64:.2f}"
    )


if __name__ == "__main__":
    main()
