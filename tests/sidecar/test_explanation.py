"""A stored decision in plain language: who was ruled out and why, why the winner won (the
tie-break included), and what made us decide — with names, never bare ids."""

from __future__ import annotations

from typing import Any

import pytest

from sidecar.explanation import duration_text, explain, score_text, why_won

NAMES = {"1": "Ana", "2": "Bo", "3": "Cy"}


def name(agent_id: str) -> str:
    return NAMES.get(agent_id, f"agent {agent_id}")


def scored(agent: str, **score: float | None) -> dict[str, Any]:
    return {"agent": agent, "score": score}


def record(candidates: list[dict[str, Any]], **fields: Any) -> dict[str, Any]:
    trace = {"policy": "skills_least_loaded", "candidates": candidates, "pruned": {},
             "matched_rules": [], "required_skills": {}, "optional_skills": {},
             "relaxed_skills": [], "notes": []}  # fmt: skip
    return {"outcome": "assigned", "agent": "1", "cause": "new", "trace": trace, **fields}


@pytest.mark.parametrize(
    ("theirs", "sentence"),
    [
        pytest.param(scored("2", spare=3.0, idle_s=60.0),
                     "over Bo: more spare capacity (5 units free vs 3 units free)", id="score"),
        pytest.param(scored("2", spare=5.0, idle_s=60.0),
                     "over Bo: longer since the last assignment (2 min vs 1 min)",
                     id="idle-time-breaks-a-score-tie"),
        pytest.param(scored("2", spare=5.0, idle_s=120.0),
                     "over Bo: a tie on every score; the tie-break gives it to the smaller "
                     "agent id (Ana's sorts before Bo's)", id="agent-id-breaks-a-full-tie"),
        pytest.param(scored("2", spare=5.0, idle_s=None),
                     "over Bo: kept despite Bo having longer since the last assignment "
                     "(2 min vs never assigned)", id="continuity-kept-a-lower-rank"),
    ],
)  # fmt: skip
def test_the_winner_is_compared_with_each_other_eligible_agent_by_name(
    theirs: dict[str, Any], sentence: str
) -> None:
    candidates = [scored("1", spare=5.0, idle_s=120.0), theirs]
    assert why_won("1", candidates, name) == [sentence]


def test_a_never_assigned_agent_outranks_any_idle_time() -> None:
    candidates = [scored("1", spare=5.0, idle_s=None), scored("2", spare=5.0, idle_s=9e9)]
    assert why_won("1", candidates, name) == [
        "over Bo: longer since the last assignment (never assigned vs 104166 d 16 h)"
    ]


def test_the_only_eligible_agent_is_said_to_be_the_only_one() -> None:
    candidates = [scored("1", spare=5.0), {"agent": "2", "rejected_by": "capacity"}]
    assert why_won("1", candidates, name) == ["Ana was the only agent who could take it"]


def test_an_explanation_names_who_was_ruled_out_by_which_filter_and_the_cause() -> None:
    candidates = [
        scored("1", spare=5.0),
        {"agent": "2", "rejected_by": "status", "detail": "offline"},
        {"agent": "9", "rejected_by": "schedule", "detail": "off shift at Sat 10:00 UTC"},
    ]
    told = explain(record(candidates, cause="offline"), name)
    assert (told.headline, told.agent_name, told.considered) == ("went to Ana", "Ana", 3)
    assert told.cause == "follow-through move: the assignee went offline or off shift"
    assert [(r.name, r.words, r.detail) for r in told.ruled_out] == [
        ("Bo", "not online", "offline"),
        ("agent 9", "off shift", "off shift at Sat 10:00 UTC"),
    ]


def test_a_refusal_is_explained_by_its_reason_without_a_winner() -> None:
    waiting = record([{"agent": "1", "rejected_by": "capacity"}], outcome="waiting",
                     agent=None, reason="no eligible agent: 1 at capacity")  # fmt: skip
    waiting["trace"]["pruned"] = {"group": 40}
    told = explain(waiting, name)
    assert told.headline == "no eligible agent: 1 at capacity"
    assert told.why_winner == [] and told.considered == 41
    assert told.pruned == ["40 outside the ticket's group (left out by the index)"]


def test_what_enrichment_read_shows_before_the_notes() -> None:
    """The console's ticket page shows the detected language, the signals with their words
    and the shop's context (issue 19), as ``deskroute explain`` does."""
    routed = record([scored("1", spare=5.0)])
    routed["trace"]["context"] = ["language: de (0.97), detected"]
    routed["trace"]["signals"] = {"angry": ["frechheit"]}
    routed["trace"]["notes"] = ["VIP gold: 12 orders, 1,840 EUR"]
    assert explain(routed, name).notes == [
        "language: de (0.97), detected", 'signal angry: "frechheit"',
        "VIP gold: 12 orders, 1,840 EUR",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0, "0 s"), (59, "59 s"), (60, "1 min"), (3600, "1 h"), (3720, "1 h 2 min"),
     (86400, "1 d"), (90000, "1 d 1 h"), (-5, "0 s")],
)  # fmt: skip
def test_durations_read_as_a_person_says_them(seconds: float, text: str) -> None:
    assert duration_text(seconds) == text


def test_score_text_shows_a_null_idle_time_as_never() -> None:
    assert score_text({"spare": 2.0, "idle_s": None}) == "spare=2  idle_s=never"
