"""Report figures: accuracy, macro-F1, per-class recall, confusion, abstaining, calibration."""

from __future__ import annotations

import pytest

from router.classify.metrics import (
    abstain_report,
    calibration_error,
    classification_report,
    threshold_sweep,
)
from router.model import Prediction


def test_report_counts_a_small_confusion_by_hand() -> None:
    truth = ["a", "a", "a", "b", "b", "c"]
    guess = ["a", "a", "b", "b", "b", "a"]
    report = classification_report(truth, guess, ["a", "b", "c"])
    assert report.accuracy == pytest.approx(4 / 6)
    assert report.recall == {"a": pytest.approx(2 / 3), "b": 1.0, "c": 0.0}
    assert report.support == {"a": 3, "b": 2, "c": 1}
    assert report.confusion.tolist() == [[2, 1, 0], [0, 2, 0], [1, 0, 0]]
    # F1: a = 2/3 (p 2/3, r 2/3), b = 0.8 (p 2/3, r 1), c = 0
    assert report.macro_f1 == pytest.approx((2 / 3 + 0.8 + 0) / 3)


def test_labels_only_predicted_join_the_matrix_but_not_the_macro_average() -> None:
    report = classification_report(["a", "a"], ["a", "z"], ["a"])
    assert report.labels == ("a", "z")
    assert report.recall == {"a": 0.5}
    assert report.macro_f1 == pytest.approx(2 / 3)


def test_empty_or_uneven_input_is_refused() -> None:
    with pytest.raises(ValueError):
        classification_report([], [])
    with pytest.raises(ValueError):
        classification_report(["a"], ["a", "b"])


def _p(label: str, confidence: float) -> Prediction:
    return Prediction(label=label, confidence=confidence)


@pytest.mark.parametrize(
    ("threshold", "kept", "accuracy_kept"),
    [
        pytest.param(0.0, 4, 0.5, id="never abstain"),
        pytest.param(0.6, 2, 1.0, id="unsure ones go to triage"),
        pytest.param(0.99, 0, 0.0, id="abstain on everything"),
    ],
)
def test_abstaining_trades_coverage_for_accuracy(
    threshold: float, kept: int, accuracy_kept: float
) -> None:
    truth = ["a", "b", "a", "b"]
    predictions = [_p("a", 0.9), _p("b", 0.8), _p("b", 0.5), _p("a", 0.4)]
    report = abstain_report(truth, predictions, threshold, triage_group="humans")
    assert (report.kept, report.accuracy_kept) == (kept, accuracy_kept)
    assert report.abstain_rate == pytest.approx(1 - kept / 4)
    assert report.overall.accuracy == 0.5
    assert report.to_dict()["triage_group"] == "humans"


@pytest.mark.parametrize(
    ("predictions", "truth", "expected"),
    [
        pytest.param([_p("a", 0.95)] * 4, ["a"] * 4, 0.05, id="slightly under-confident"),
        pytest.param([_p("a", 0.75)] * 4, ["a", "a", "a", "b"], 0.0, id="calibrated"),
        pytest.param([_p("a", 1.0)] * 2, ["b", "b"], 1.0, id="confidently wrong"),
    ],
)
def test_calibration_error(
    predictions: list[Prediction], truth: list[str], expected: float
) -> None:
    assert calibration_error(truth, predictions) == pytest.approx(expected)


def test_a_threshold_sweep_counts_kept_and_correct_and_out_of_scope_caught_by_hand() -> None:
    truth = ["a", "a", "b", "b"]
    predictions = [
        Prediction(label="a", confidence=0.9),  # right, sure
        Prediction(label="b", confidence=0.6),  # wrong, fairly sure
        Prediction(label="b", confidence=0.45),  # right, unsure
        Prediction(label="b", confidence=0.3),  # right, very unsure
    ]
    foreign = [Prediction(label="a", confidence=c) for c in (0.95, 0.5, 0.35)]
    sweep = threshold_sweep(truth, predictions, [0.3, 0.5, 0.95], foreign)
    assert [(o.kept, o.kept_correct, o.out_of_scope_caught) for o in sweep] == [
        (4, 3, 0),
        (2, 1, 1),
        (0, 0, 2),  # at 0.95 exactly a ticket is kept, even an out-of-scope one
    ]
    assert sweep[1].kept_and_correct_rate == 0.25
    assert sweep[1].accuracy_kept == 0.5 and sweep[2].accuracy_kept is None
    assert sweep[1].abstain_rate == 0.5
    assert sweep[1].caught_rate == pytest.approx(1 / 3)


def test_a_sweep_without_out_of_scope_tickets_has_no_caught_rate() -> None:
    (outcome,) = threshold_sweep(["a"], [Prediction(label="a", confidence=0.7)], [0.5])
    assert outcome.caught_rate is None and outcome.to_dict()["out_of_scope"] == 0
