"""Training: the exported pure predictor reproduces scikit-learn, confidences are calibrated."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from config.datasets import Example, labelled
from router.classify import LinearTextModel
from router.classify.train import TrainingOptions, fit_pipeline, fit_temperature, train_model
from tests.classify.conftest import HashEmbedder, topic_corpus

NO_EMBEDDING = TrainingOptions(embedding_weight=0.0)


@pytest.fixture(scope="module")
def topic_model() -> LinearTextModel:
    texts, labels = topic_corpus()
    return train_model(texts, labels, "group", TrainingOptions(), HashEmbedder()).model


@settings(max_examples=60, deadline=None)
@given(text=st.text(max_size=200))
def test_any_text_gets_a_known_label_and_a_probability(
    topic_model: LinearTextModel, text: str
) -> None:
    probabilities = topic_model.probabilities(text)
    prediction = topic_model.predict_text(text)
    assert probabilities.sum() == pytest.approx(1.0)
    assert prediction.label in topic_model.labels
    assert prediction.confidence == pytest.approx(probabilities.max())
    assert topic_model.predict_text(text) == prediction


@pytest.mark.parametrize(
    "embedder", [pytest.param(None, id="tf-idf only"), pytest.param(HashEmbedder(), id="embedded")]
)
def test_pure_predictor_reproduces_scikit_learn_scores(embedder: HashEmbedder | None) -> None:
    texts, labels = topic_corpus()
    vectors = None if embedder is None else 1.5 * embedder.embed(texts)
    fitted = fit_pipeline(texts, labels, vectors, TrainingOptions())
    model = fitted.export("group", temperature=1.0, embedder=embedder, embedding_weight=1.5)
    probes = [*texts[:5], "completely unrelated words", ""]
    probe_vectors = None if embedder is None else 1.5 * embedder.embed(probes)
    expected = fitted.scores(probes, probe_vectors)
    scores = np.array([model.scores(text) for text in probes])
    assert np.allclose(scores, expected, atol=1e-5)  # float32 weights: within about 1e-6
    assert (scores.argmax(axis=1) == expected.argmax(axis=1)).all()


def test_binary_target_gets_two_labels_and_calibrated_probabilities() -> None:
    texts, labels = topic_corpus()
    keep = [i for i, label in enumerate(labels) if label != "account"]
    result = train_model([texts[i] for i in keep], [labels[i] for i in keep], "group", NO_EMBEDDING)
    probabilities = result.model.probabilities("refund my money")
    assert result.model.labels == ("billing", "shipping")
    assert probabilities.sum() == pytest.approx(1.0)
    assert result.model.predict_text("refund my money").label == "billing"


def test_training_learns_a_separable_corpus_and_reports_on_held_out_data() -> None:
    texts, labels = topic_corpus(repeat=6)
    result = train_model(texts, labels, "group", NO_EMBEDDING)
    assert result.held_out and result.holdout_examples == round(len(texts) * 0.2)
    assert result.report.accuracy == 1.0
    assert set(result.report.recall) == {"billing", "shipping", "account"}
    assert result.model.predict_text("my parcel never arrived").label == "shipping"


def test_labels_seen_once_are_dropped_and_counted() -> None:
    texts, labels = topic_corpus()
    result = train_model([*texts, "lonely text"], [*labels, "lonely"], "group", NO_EMBEDDING)
    assert result.skipped_labels == {"lonely": 1}
    assert "lonely" not in result.model.labels


def test_tiny_data_reports_on_training_data_and_says_so() -> None:
    texts = ["refund please", "refund now", "parcel late", "parcel lost"]
    result = train_model(
        texts, ["billing", "billing", "shipping", "shipping"], "group", NO_EMBEDDING
    )
    assert not result.held_out


@pytest.mark.parametrize(
    ("labels", "message"),
    [
        pytest.param(["billing"] * 6, "at least two", id="one label"),
        pytest.param(["a", "b", "c", "d", "e", "f"], "at least two", id="every label once"),
    ],
)
def test_too_few_labels_is_an_error(labels: list[str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        train_model([f"text {i}" for i in range(6)], labels, "group", NO_EMBEDDING)


def test_texts_with_no_words_are_an_error_that_says_so() -> None:
    with pytest.raises(ValueError, match="none of the 4 texts has a word of two or more letters"):
        train_model(["!!", "?", "...", "!"], ["a", "a", "b", "b"], "group", NO_EMBEDDING)


def test_temperature_fit_recovers_the_temperature_that_generated_the_labels() -> None:
    rng = np.random.default_rng(7)
    scores = rng.normal(size=(4000, 5))
    probabilities = np.exp(scores / 0.5)
    probabilities /= probabilities.sum(axis=1, keepdims=True)
    truth = [int(rng.choice(5, p=row)) for row in probabilities]
    assert fit_temperature(scores, truth) == pytest.approx(0.5, rel=0.1)


def test_a_perfect_held_out_share_does_not_make_every_confidence_one() -> None:
    scores = np.array([[1.0, -1.0], [-1.0, 1.0]] * 50)
    temperature = fit_temperature(scores, [0, 1] * 50)
    assert 0.05 < temperature < 1.0


def test_bitext_sample_trains_to_high_category_accuracy(bitext_sample: list[Example]) -> None:
    data = labelled(bitext_sample, "group")
    result = train_model(data.texts, data.labels, "group", NO_EMBEDDING)
    assert (data.unlabelled, data.empty) == (0, 0)
    assert len(result.model.labels) == 11
    assert result.report.accuracy >= 0.95
