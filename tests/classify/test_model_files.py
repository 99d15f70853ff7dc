"""Model files: arrays + JSON without pickle, identical predictions after a round trip."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np
import pytest

from config.embeddings import EmbedderError, load_embedder
from config.model_files import (
    ModelFileError,
    load_classifier,
    load_model,
    read_meta,
    save_model,
)
from router.classify import LinearTextModel
from router.classify.train import TrainingOptions, train_model
from tests.classify.conftest import HashEmbedder, topic_corpus

PROBES = ["refund my money asap", "where is my parcel", "", "résumé 🙂 naïve"]


def _embedders(name: str) -> HashEmbedder:
    if name != HashEmbedder.name:
        raise EmbedderError(f"unknown embedder {name!r}")
    return HashEmbedder()


@pytest.fixture(scope="module")
def model() -> LinearTextModel:
    texts, labels = topic_corpus()
    return train_model(texts, labels, "group", TrainingOptions(), HashEmbedder()).model


def test_round_trip_keeps_every_prediction(model: LinearTextModel, tmp_path: Path) -> None:
    path = tmp_path / "m.npz"
    save_model(model, path, {"source": "tests"})
    loaded = load_model(path, _embedders)
    for text in PROBES:
        assert np.allclose(loaded.probabilities(text), model.probabilities(text))
    assert (loaded.labels, loaded.temperature) == (model.labels, model.temperature)
    assert read_meta(path)["info"] == {"source": "tests"}


def test_weights_are_single_precision_in_memory_and_in_the_file(
    model: LinearTextModel, tmp_path: Path
) -> None:
    assert model.weights.dtype == np.float32
    save_model(model, tmp_path / "m.npz")
    with np.load(tmp_path / "m.npz", allow_pickle=False) as arrays:
        assert arrays["weights"].dtype == np.float32
    assert load_model(tmp_path / "m.npz", _embedders).weights.dtype == np.float32


def test_a_file_with_double_precision_weights_still_loads(
    model: LinearTextModel, tmp_path: Path
) -> None:
    path = tmp_path / "m.npz"
    save_model(model, path)
    with np.load(path, allow_pickle=False) as arrays:
        data = {name: arrays[name] for name in arrays.files}
    np.savez(path, **(data | {"weights": data["weights"].astype(np.float64)}))
    loaded = load_model(path, _embedders)
    assert loaded.weights.dtype == np.float32
    assert np.allclose(loaded.probabilities(PROBES[0]), model.probabilities(PROBES[0]))


def test_the_file_loads_without_pickle(model: LinearTextModel, tmp_path: Path) -> None:
    save_model(model, tmp_path / "m.npz")
    with np.load(tmp_path / "m.npz", allow_pickle=False) as arrays:
        assert all(arrays[name].dtype != object for name in arrays.files)


def _rewrite_meta(path: Path, **changes: object) -> None:
    with np.load(path, allow_pickle=False) as arrays:
        data = {name: arrays[name] for name in arrays.files}
    meta = json.loads(data["meta"].tobytes()) | changes
    data["meta"] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
    np.savez(path, **data)


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        pytest.param(
            lambda p: _rewrite_meta(p, version=99),
            "format version 99.*retrain",
            id="newer format version",
        ),
        pytest.param(
            lambda p: _rewrite_meta(p, format="other"),
            "not a deskroute model",
            id="another tool's file",
        ),
        pytest.param(
            lambda p: p.write_bytes(b"not a zip"), "not a deskroute model", id="not an npz"
        ),
        pytest.param(
            lambda p: _rewrite_meta(p, labels=["one"]), "damaged", id="arrays and labels disagree"
        ),
        pytest.param(
            lambda p: _rewrite_meta(p, embedding={"name": "gone", "width": 16, "weight": 1.0}),
            "needs the gone embedder",
            id="embedder unavailable",
        ),
    ],
)
def test_unusable_files_are_refused_with_the_reason(
    model: LinearTextModel, tmp_path: Path, damage: object, message: str
) -> None:
    path = tmp_path / "m.npz"
    save_model(model, path)
    damage(path)  # type: ignore[operator]
    with pytest.raises(ModelFileError, match=message):
        load_model(path, _embedders)


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ModelFileError, match=r"nope\.npz: cannot read"):
        load_model(tmp_path / "nope.npz")


def test_a_pickled_array_is_never_loaded(tmp_path: Path) -> None:
    path = tmp_path / "evil.npz"
    with zipfile.ZipFile(path, "w") as archive, archive.open("meta.npy", "w") as handle:
        np.save(handle, np.array([{"x": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(ModelFileError):
        load_model(path, _embedders)


def test_two_files_for_one_target_are_refused(model: LinearTextModel, tmp_path: Path) -> None:
    for name in ("a.npz", "b.npz"):
        save_model(model, tmp_path / name)
    with pytest.raises(ModelFileError, match="two models predict 'group'"):
        load_classifier([tmp_path / "a.npz", tmp_path / "b.npz"], _embedders)


def test_the_bundled_embedder_loads_offline_and_normalises() -> None:
    vectors = load_embedder().embed(["where is my parcel", ""])
    assert vectors.shape == (2, 256)
    assert np.linalg.norm(vectors[0]) == pytest.approx(1.0, abs=1e-5)
    assert not vectors[1].any()


def test_an_unknown_embedder_is_named() -> None:
    with pytest.raises(EmbedderError, match="unknown embedder 'bert'"):
        load_embedder("bert")
