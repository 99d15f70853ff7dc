"""Service-level thresholds as typed on the command line."""

from __future__ import annotations

import pytest

from simulation.thresholds import Threshold, parse_threshold, parse_thresholds


@pytest.mark.parametrize(
    ("text", "minutes", "key"),
    [
        pytest.param("30m", 30.0, "sl_30m", id="minutes"),
        pytest.param("4h", 240.0, "sl_4h", id="hours"),
        pytest.param("2d", 2880.0, "sl_2d", id="days"),
        pytest.param("90s", 1.5, "sl_90s", id="seconds"),
        pytest.param("60m", 60.0, "sl_1h", id="named-in-the-largest-whole-unit"),
        pytest.param("1.5h", 90.0, "sl_90m", id="decimal-hours"),
        pytest.param(" 8H ", 480.0, "sl_8h", id="case-and-spaces"),
    ],
)
def test_durations_parse_to_minutes_and_a_metric_name(text, minutes, key):
    threshold = parse_threshold(text)
    assert (threshold.minutes, threshold.key) == (minutes, key)


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("30", id="no-unit"),
        pytest.param("1w", id="unknown-unit"),
        pytest.param("0m", id="zero"),
        pytest.param("-1h", id="negative"),
        pytest.param("0.001s", id="not-a-whole-second"),
        pytest.param("h", id="no-number"),
    ],
)
def test_bad_durations_are_refused_with_the_accepted_form(text):
    with pytest.raises(ValueError, match="threshold"):
        parse_threshold(text)


def test_thresholds_are_sorted_and_each_named_once():
    assert parse_thresholds(["8h", "60m", "1h"]) == (Threshold(3600), Threshold(28800))
