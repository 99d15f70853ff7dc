"""How the differential test compares two assignment sequences and says where they part."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.differential.script import Assigned, first_divergence

START = datetime(2026, 1, 5, 6, 0, tzinfo=UTC)
BASE = [
    Assigned(minute=1.5, ticket="0", agent="ann"),
    Assigned(minute=2.25, ticket="1", agent="bob"),
    Assigned(minute=60.0, ticket="2", agent="ann"),
]


def test_identical_sequences_do_not_part() -> None:
    assert first_divergence(BASE, list(BASE), START) is None


@pytest.mark.parametrize(
    ("simulated", "index", "shown"),
    [
        pytest.param([*BASE[:2], Assigned(minute=60.0, ticket="2", agent="bob")], 2,
                     "simulator: ticket 2 -> bob at minute 60.0000 (07:00:00)",
                     id="another-agent"),
        pytest.param([*BASE[:2], Assigned(minute=61.0, ticket="2", agent="ann")], 2,
                     "simulator: ticket 2 -> ann at minute 61.0000 (07:01:00)",
                     id="another-time"),
        pytest.param([BASE[1], BASE[0], BASE[2]], 0,
                     "simulator: ticket 1 -> bob at minute 2.2500 (06:02:15)",
                     id="another-order"),
        pytest.param(BASE[:2], 2, "simulator: (no more)", id="one-side-stops-early"),
    ],
)  # fmt: skip
def test_sequences_part_at_the_first_difference(
    simulated: list[Assigned], index: int, shown: str
) -> None:
    divergence = first_divergence(BASE, simulated, START)
    assert divergence is not None and divergence.index == index
    assert shown in divergence.report()


def test_the_report_shows_what_happened_then_and_the_tickets_involved() -> None:
    simulated = [*BASE[:2], Assigned(minute=60.0, ticket="2", agent="bob")]
    divergence = first_divergence(BASE, simulated, START)
    assert divergence is not None
    report = divergence.report({60.0: ["a shift or a break starts"]}, lambda t: f"ticket {t}!")
    assert "agreed before:" in report and "ticket 0 -> ann" in report
    assert "on the desk at minute 60.0000: a shift or a break starts" in report
    assert report.endswith("ticket 2!")
