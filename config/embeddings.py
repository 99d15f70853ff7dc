"""Sentence embedders whose weights ship inside an installed package (never downloaded).

``wordllama`` carries 256-d static token embeddings in its wheel; loading reads those
files once, after which embedding is a pure function of the text.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

WORDLLAMA = "wordllama-l2_supercat-256"
EMBEDDERS = (WORDLLAMA,)


class EmbedderError(RuntimeError):
    """The embedder cannot be loaded (unknown name, package or weights missing)."""


class WordLlamaEmbedder:
    """WordLlama's bundled ``l2_supercat`` 256-d token embeddings, mean-pooled."""

    name = WORDLLAMA

    def __init__(self, model: Any) -> None:
        self._model = model

    def embed(self, texts: Sequence[str]) -> NDArray[np.float32]:
        """One L2-normalised row per text; an empty text gets a zero row."""
        if not texts:
            return np.zeros((0, 256), dtype=np.float32)
        vectors = np.asarray(self._model.embed(list(texts), norm=False), dtype=np.float32)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        unit: NDArray[np.float32] = np.divide(
            vectors, norms, out=np.zeros_like(vectors), where=norms > 0
        )
        return unit


def load_embedder(name: str = WORDLLAMA) -> WordLlamaEmbedder:
    """Load a bundled embedder by name, from the installed package only (no network)."""
    if name != WORDLLAMA:
        raise EmbedderError(f"unknown embedder {name!r} (known: {', '.join(EMBEDDERS)})")
    try:
        import wordllama
        from wordllama import WordLlama
    except ImportError:
        raise EmbedderError(
            "the wordllama package is not installed (pip install wordllama)"
        ) from None
    bundled = Path(wordllama.__file__).parent
    try:
        model = WordLlama.load(
            config="l2_supercat", dim=256, cache_dir=bundled, disable_download=True
        )
    except Exception as error:  # the loader raises several types for missing files
        raise EmbedderError(f"cannot load the bundled wordllama weights: {error}") from None
    return WordLlamaEmbedder(model)
