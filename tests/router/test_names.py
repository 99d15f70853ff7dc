"""Typed names checked against known ones: which hint a typo gets."""

from __future__ import annotations

import pytest

from router.names import closest, suggestions, unknown_name

POLICIES = ["gcmu", "least_loaded", "round_robin", "skills", "skills_least_loaded"]
METRICS = ["sla", "mean_wait", "fairness_gini", "count_gini", "utilization"]


@pytest.mark.parametrize(
    ("typed", "known", "expected"),
    [
        pytest.param("skils", POLICIES, ["skills"], id="a letter missing"),
        pytest.param("SLA", METRICS, ["sla"], id="another case"),
        pytest.param("gini", METRICS, ["count_gini", "fairness_gini"], id="a part of names"),
        pytest.param("mean_wiat", METRICS, ["mean_wait"], id="swapped letters"),
        pytest.param("throughput", METRICS, [], id="nothing alike"),
        pytest.param("", METRICS, [], id="empty"),
    ],
)
def test_suggestions(typed: str, known: list[str], expected: list[str]) -> None:
    assert suggestions(typed, known) == expected


def test_the_message_names_the_kind_the_hint_and_every_known_name() -> None:
    assert unknown_name("policy", "skils", POLICIES) == (
        "unknown policy 'skils'; did you mean skills? "
        "(known: gcmu, least_loaded, round_robin, skills, skills_least_loaded)"
    )
    assert unknown_name("metric", "xyz", ["sla"]) == "unknown metric 'xyz' (known: sla)"


def test_closest_is_the_best_suggestion_or_none() -> None:
    assert closest("Billing", {"billing", "sales"}) == "billing"
    assert closest("zzz", {"billing"}) is None
