"""N-gram features: the same analyzers feed training and prediction, matching scikit-learn's."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sklearn.feature_extraction.text import TfidfVectorizer

from router.classify.features import NgramSpec, char_ngrams, compose_text, word_ngrams


@pytest.mark.parametrize(
    ("text", "low", "high", "expected"),
    [
        pytest.param("Refund my ORDER", 1, 1, ["refund", "my", "order"], id="lower-cased words"),
        pytest.param("a refund", 1, 2, ["refund"], id="one-letter words dropped"),
        pytest.param("card not here", 2, 2, ["card not", "not here"], id="bigrams only"),
        pytest.param("", 1, 2, [], id="empty"),
    ],
)
def test_word_ngrams(text: str, low: int, high: int, expected: list[str]) -> None:
    assert word_ngrams(text, low, high) == expected


@pytest.mark.parametrize(
    ("text", "low", "high", "expected"),
    [
        pytest.param("ab", 2, 3, [" a", "ab", "b ", " ab", "ab "], id="padded word"),
        pytest.param("a", 4, 5, [" a "], id="short word counted once"),
        pytest.param("x  Y", 3, 3, [" x ", " y "], id="whitespace runs and case"),
    ],
)
def test_char_ngrams(text: str, low: int, high: int, expected: list[str]) -> None:
    assert char_ngrams(text, low, high) == expected


@given(st.text(max_size=60))
def test_features_match_scikit_learn_builtin_analyzers(text: str) -> None:
    words = TfidfVectorizer(ngram_range=(1, 2)).build_analyzer()
    chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5)).build_analyzer()
    assert word_ngrams(text, 1, 2) == words(text)
    assert char_ngrams(text, 2, 5) == chars(text)


@pytest.mark.parametrize(
    ("kind", "low", "high"),
    [
        pytest.param("bytes", 1, 2, id="unknown kind"),
        pytest.param("word", 0, 2, id="zero low"),
        pytest.param("char", 3, 2, id="inverted range"),
    ],
)
def test_bad_ngram_spec_is_refused(kind: str, low: int, high: int) -> None:
    with pytest.raises(ValueError):
        NgramSpec(kind, low, high)


def test_text_is_subject_then_body() -> None:
    assert compose_text("Refund", "still waiting") == "Refund\nstill waiting"
    assert compose_text("", "still waiting") == "still waiting"
