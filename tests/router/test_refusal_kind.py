"""Why a ticket waits, as one word: the filter that finally left nobody."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from router.decision import CandidateTrace, DecisionTrace
from router.filters import ELIGIBILITY_FILTERS
from router.policies.base import explain_refusal, refusal_kind

NAMES = [check.name for check in ELIGIBILITY_FILTERS]


def trace(rejected: dict[str, int]) -> DecisionTrace:
    candidates = tuple(
        CandidateTrace(agent_id=f"{name}-{n}", rejected_by=name)
        for name, count in rejected.items()
        for n in range(count)
    )
    return DecisionTrace(
        policy="p", ticket_id="1", at=datetime(2026, 1, 1, tzinfo=UTC), candidates=candidates
    )


@given(st.dictionaries(st.sampled_from(NAMES), st.integers(1, 30), min_size=1))
def test_the_kind_is_the_last_filter_in_the_chain_that_removed_anyone(
    rejected: dict[str, int],
) -> None:
    last = max(rejected, key=NAMES.index)
    assert refusal_kind(explain_refusal(trace(rejected))) == last


def test_busy_specialists_read_as_capacity_not_skills() -> None:
    reason = explain_refusal(trace({"skills": 4, "capacity": 2}))
    assert reason == "no eligible agent: 4 lacking a required skill, 2 at capacity"
    assert refusal_kind(reason) == "capacity"


def test_an_empty_roster_and_unknown_text() -> None:
    assert refusal_kind(explain_refusal(trace({}))) == "no_agents"
    assert refusal_kind("gave up after 5 attempts") == "other"
    assert refusal_kind(None) == "other"
