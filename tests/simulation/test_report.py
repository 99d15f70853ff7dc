"""The report's words: the "why the misses" note and the sections a comparison is shown in."""

from __future__ import annotations

import math

import pytest

from simulation.compare import Comparison
from simulation.report import miss_note, sections
from simulation.stats import Interval


def comparison(**by_policy: dict[str, float]) -> Comparison:
    """A comparison whose policies have these metric means."""
    intervals = {
        policy: {name: Interval(mean, mean, mean, 5) for name, mean in metrics.items()}
        for policy, metrics in by_policy.items()
    }
    return Comparison(tuple(by_policy), intervals, {})


@pytest.mark.parametrize(
    ("unstaffed", "says", "staffing"),
    [
        pytest.param((0.3, 0.3), "30% of the SLA misses met nobody", False, id="some"),
        pytest.param((0.6, 0.7), "60%–70% of the SLA misses met nobody", True, id="most"),
        pytest.param((0.4, 0.8), "40%–80%", False, id="most-for-one-policy-only"),
    ],
)
def test_the_note_says_how_many_misses_are_beyond_routing(unstaffed, says, staffing):
    found = miss_note(
        comparison(
            a={"misses_unstaffed": unstaffed[0], "misses_offhours": 0.9},
            b={"misses_unstaffed": unstaffed[1], "misses_offhours": 0.9},
        )
    )
    assert found is not None and says in found
    assert "90% arrived while nobody was on shift" in found
    assert ("deskroute staff" in found) is staffing


def test_no_misses_no_note():
    assert miss_note(comparison(a={"misses_unstaffed": math.nan, "sla": 1.0})) is None


def test_sections_keep_only_measured_columns_and_add_a_table_per_service_level():
    found = sections(
        comparison(a={"sla": 0.9, "sla_urgent": 0.8, "sl_1h": 0.7, "sl_1h_urgent": 0.6})
    )
    assert [(s.title, [c.key for c in s.columns]) for s in found] == [
        ("service, shares of all arrivals", ["sla", "sl_1h"]),
        ("SLA by priority", ["sla_urgent"]),
        ("SL 1h by priority", ["sl_1h_urgent"]),
    ]
