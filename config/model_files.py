"""Model files: a fitted classifier as plain arrays and JSON in one ``.npz`` (never pickle).

Loading uses ``allow_pickle=False`` and checks the format name and version first, so a file
from another tool or a newer deskroute is refused with a message, not half-read.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from config.embeddings import EmbedderError, load_embedder
from router.classify.features import NgramSpec
from router.classify.linear import EmbeddingBlock, LinearTextModel, NgramBlock, TextEmbedder
from router.classify.predictor import Classifier

FORMAT = "deskroute-classifier"
FORMAT_VERSION = 1

EmbedderLoader = Callable[[str], TextEmbedder]


class ModelFileError(ValueError):
    """A model file cannot be used; the message names the file and the reason."""


def _json_array(value: Any) -> np.ndarray[Any, np.dtype[np.uint8]]:
    return np.frombuffer(json.dumps(value, ensure_ascii=False).encode("utf-8"), dtype=np.uint8)


def _from_json_array(array: np.ndarray[Any, Any]) -> Any:
    return json.loads(array.tobytes().decode("utf-8"))


def save_model(model: LinearTextModel, path: Path, info: Mapping[str, Any] | None = None) -> None:
    """Write ``model`` (plus free-form training ``info``) to ``path``."""
    meta = {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "target": model.target,
        "labels": list(model.labels),
        "temperature": model.temperature,
        "ngrams": [block.spec.to_dict() for block in model.ngrams],
        "embedding": None
        if model.embedding is None
        else {
            "name": model.embedding.embedder.name,
            "width": model.embedding.width,
            "weight": model.embedding.weight,
        },
        "info": dict(info or {}),
    }
    arrays: dict[str, np.ndarray[Any, Any]] = {
        "meta": _json_array(meta),
        "weights": model.weights,
        "bias": model.bias,
    }
    for i, block in enumerate(model.ngrams):
        vocabulary = sorted(block.vocabulary, key=block.vocabulary.__getitem__)
        arrays[f"vocabulary_{i}"] = _json_array(vocabulary)
        arrays[f"idf_{i}"] = block.idf
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        np.savez_compressed(handle, **arrays)  # type: ignore[arg-type]


def read_meta(path: Path) -> dict[str, Any]:
    """The checked metadata of a model file (target, labels, training info...)."""
    with _open(path) as arrays:
        return _meta(arrays, path)


def load_model(path: Path, embedders: EmbedderLoader = load_embedder) -> LinearTextModel:
    """Read a model file; ``embedders`` supplies the sentence embedder a model names."""
    with _open(path) as arrays:
        meta = _meta(arrays, path)
        try:
            blocks = tuple(
                NgramBlock(
                    spec=NgramSpec(**spec),
                    vocabulary=_vocabulary(arrays[f"vocabulary_{n}"]),
                    idf=np.asarray(arrays[f"idf_{n}"], dtype=np.float64),
                )
                for n, spec in enumerate(meta["ngrams"])
            )
            return LinearTextModel(
                target=meta["target"],
                labels=tuple(meta["labels"]),
                ngrams=blocks,
                weights=np.asarray(arrays["weights"], dtype=np.float32),  # older files: float64
                bias=np.asarray(arrays["bias"], dtype=np.float64),
                temperature=float(meta["temperature"]),
                embedding=_embedding(meta["embedding"], embedders, path),
            )
        except (KeyError, TypeError, ValueError) as error:
            raise ModelFileError(f"{path}: damaged model file: {error}") from None


def load_classifier(paths: Iterable[Path], embedders: EmbedderLoader = load_embedder) -> Classifier:
    """A classifier from model files, one per target (two for one target is an error)."""
    models = [load_model(path, embedders) for path in paths]
    try:
        return Classifier.of(models)
    except ValueError as error:
        raise ModelFileError(f"models {', '.join(map(str, paths))}: {error}") from None


def _vocabulary(array: np.ndarray[Any, Any]) -> dict[str, int]:
    return {str(gram): i for i, gram in enumerate(_from_json_array(array))}


def _open(path: Path) -> Any:
    try:
        return np.load(path, allow_pickle=False)
    except OSError as error:
        raise ModelFileError(f"{path}: cannot read: {error.strerror or error}") from None
    except (ValueError, zipfile.BadZipFile):
        raise ModelFileError(f"{path}: not a deskroute model file") from None


def _meta(arrays: Any, path: Path) -> dict[str, Any]:
    try:
        meta = _from_json_array(arrays["meta"])
    except (KeyError, ValueError, UnicodeDecodeError):
        raise ModelFileError(f"{path}: not a deskroute model file (no metadata)") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise ModelFileError(f"{path}: not a deskroute model file")
    if meta.get("version") != FORMAT_VERSION:
        raise ModelFileError(
            f"{path}: model format version {meta.get('version')!r}, but this deskroute reads "
            f"version {FORMAT_VERSION}; retrain it with `deskroute train`"
        )
    return meta


def _embedding(
    spec: Mapping[str, Any] | None, embedders: EmbedderLoader, path: Path
) -> EmbeddingBlock | None:
    if spec is None:
        return None
    try:
        embedder = embedders(spec["name"])
    except EmbedderError as error:
        raise ModelFileError(f"{path}: needs the {spec['name']} embedder: {error}") from None
    return EmbeddingBlock(embedder=embedder, width=int(spec["width"]), weight=float(spec["weight"]))
