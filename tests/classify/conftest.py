"""Fixtures for classifier tests: small labelled corpora, a fake embedder, the shipped data."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray

from config.datasets import Example, default_data_dir, load_dataset

TOPICS = {
    "billing": [
        "refund my money",
        "charged twice on my card",
        "invoice is wrong",
        "payment failed",
        "need a refund please",
        "wrong amount on the bill",
    ],
    "shipping": [
        "where is my parcel",
        "delivery is late",
        "tracking not updated",
        "package never arrived",
        "courier lost my box",
        "shipping address change",
    ],
    "account": [
        "reset my password",
        "cannot log in",
        "delete my account",
        "change my email address",
        "two factor code not working",
        "account locked",
    ],
}


def topic_corpus(repeat: int = 3) -> tuple[list[str], list[str]]:
    """A tiny, separable three-class corpus with light variation."""
    texts, labels = [], []
    for label, phrases in TOPICS.items():
        for n in range(repeat):
            for phrase in phrases:
                texts.append(f"{phrase} {'please' if n % 2 else 'asap'} order {n}")
                labels.append(label)
    return texts, labels


class HashEmbedder:
    """A deterministic stand-in for a sentence embedder: hashed words, L2-normalised."""

    name = "test-hash-16"

    def embed(self, texts: Sequence[str]) -> NDArray[np.float64]:
        rows = np.zeros((len(texts), 16))
        for i, text in enumerate(texts):
            for word in text.lower().split():
                rows[i, hashlib.sha1(word.encode()).digest()[0] % 16] += 1.0
        norms = np.linalg.norm(rows, axis=1, keepdims=True)
        unit: NDArray[np.float64] = np.divide(rows, norms, out=np.zeros_like(rows), where=norms > 0)
        return unit


@pytest.fixture
def data_dir() -> Path:
    """The datasets shipped in the package (never skipped: they are part of the repository)."""
    return default_data_dir()


@pytest.fixture
def bitext_sample(data_dir: Path) -> list[Example]:
    """Every 8th Bitext training row: ~800 examples, all 11 categories and 27 intents."""
    return load_dataset("bitext", "train", data_dir)[::8]
