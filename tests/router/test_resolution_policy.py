"""``best_fit``: the eligible agent with the lowest predicted time to resolve, and its file."""

from __future__ import annotations

import json
from pathlib import Path
from random import Random
from typing import Any

import pytest

from router.decision import Assignment
from router.policies import SelectionPolicy, make_policy
from router.policies.strengths_file import (
    StrengthsFileError,
    dump_strengths,
    load_strengths,
)
from router.roster import Roster
from tests.router.builders import NOW, agent, ticket

METHOD = {
    "handle_prior": {"k": 20, "chosen": "estimated"},
    "reopen_prior": {"k": 50, "chosen": "estimated"},
    "reopens": {"window_days": 7},
    "rework": 1.0,
}


def estimate(handle: float, reopen: float = 0.0) -> dict[str, Any]:
    return {"tickets": 40, "timed": 40, "judged": 40, "handle_min": handle, "reopen_rate": reopen}


def agent_estimate(handle: float, reopen: float = 0.0, level: int = 5) -> dict[str, Any]:
    return {**estimate(handle, reopen), "relative": 1.0, "level": level}


def strengths_file(tmp_path: Path, **agents: dict[str, Any]) -> Path:
    """A strengths file for category ``refund`` (typical 20 min, 10% reopens) whose team
    ``billing`` takes 15 minutes."""
    data = {
        "format": "deskroute-strengths",
        "version": 1,
        "method": METHOD,
        "categories": {
            "refund": {**estimate(20.0, 0.1), "teams": {"billing": estimate(15.0, 0.1)}}
        },
        "agents": {
            name: {"team": "billing", "categories": {"refund": found}}
            for name, found in agents.items()
        },
    }
    path = tmp_path / "strengths.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def chosen(policy: Any, roster: Roster, **fields: Any) -> str | None:
    return policy.decide(ticket(**fields), roster, NOW, Random(0)).trace.chosen


def test_without_a_file_the_higher_skill_level_wins() -> None:
    roster = Roster(
        [agent("novice", skills={"refunds": 2}), agent("expert", skills={"refunds": 9})]
    )
    policy = make_policy("best_fit")
    assert chosen(policy, roster, required_skills={"refunds": 1}) == "expert"


def test_equal_predictions_go_to_the_agent_with_more_spare_capacity() -> None:
    roster = Roster([agent("busy"), agent("free")], loads={"busy": 3.0})
    assert chosen(make_policy("best_fit"), roster) == "free"


def test_with_a_file_the_learned_fastest_agent_wins_over_skill_levels(tmp_path: Path) -> None:
    path = strengths_file(tmp_path, ann=agent_estimate(25.0), bob=agent_estimate(12.0))
    roster = Roster([agent("ann", skills={"refunds": 10}), agent("bob", skills={"refunds": 3})])
    policy = make_policy("best_fit", strengths=str(path))
    assert chosen(policy, roster, type="refund", required_skills={"refunds": 1}) == "bob"
    # a category the file does not know falls back to the levels
    assert chosen(policy, roster, type="order", required_skills={"refunds": 1}) == "ann"


@pytest.mark.parametrize(
    ("rework", "expected"),
    [
        pytest.param(0.0, "quick", id="reopens-cost-nothing"),
        pytest.param(0.5, "quick", id="half-a-handle-per-reopen"),
        pytest.param(1.0, "careful", id="one-handle-per-reopen"),
    ],
)
def test_reopen_risk_counts_as_expected_rework(
    tmp_path: Path, rework: float, expected: str
) -> None:
    # quick: 10 min, half come back (10 x (1 + rework / 2)); careful: 14 min, none come back
    path = strengths_file(
        tmp_path, quick=agent_estimate(10.0, 0.5), careful=agent_estimate(14.0, 0.0)
    )
    policy = make_policy("best_fit", strengths=str(path), rework=rework)
    assert chosen(policy, Roster([agent("quick"), agent("careful")]), type="refund") == expected


def test_an_agent_without_evidence_gets_its_teams_estimate(tmp_path: Path) -> None:
    # slow (25 min) is known; newbie is not, but is in billing, whose agents take 15 minutes
    path = strengths_file(tmp_path, slow=agent_estimate(25.0, 0.1))
    roster = Roster([agent("slow"), agent("newbie", groups={"billing"}), agent("outsider")])
    policy = make_policy("best_fit", strengths=str(path))
    decision = policy.decide(ticket(type="refund"), roster, NOW, Random(0))
    assert decision.trace.chosen == "newbie"
    scores = {c.agent_id: c.score["resolve_rel"] for c in decision.trace.candidates}
    assert scores == pytest.approx({"slow": -1.25, "newbie": -0.75, "outsider": -1.0})


def test_the_trace_names_the_prediction_and_the_spare_capacity() -> None:
    decision = make_policy("best_fit").decide(ticket(), Roster([agent("a")]), NOW, Random(0))
    assert isinstance(decision, Assignment)
    assert set(decision.trace.candidates[0].score) == {"resolve_rel", "spare", "idle_s"}


def test_large_rosters_decide_alike_agent_by_agent_and_with_arrays(tmp_path: Path) -> None:
    known = {f"a{n:03d}": agent_estimate(10.0 + (n * 7) % 23) for n in range(0, 90, 3)}
    path = strengths_file(tmp_path, **known)
    team = [
        agent(f"a{n:03d}", groups={"billing"} if n % 2 else set(), capacity={"max_load": 1 + n % 3})
        for n in range(90)
    ]
    roster = Roster(team, loads={f"a{n:03d}": float(n % 2) for n in range(90)})
    one_by_one = make_policy("best_fit", strengths=str(path))
    assert isinstance(one_by_one, SelectionPolicy)
    arrays = SelectionPolicy("best_fit", one_by_one.scorer, one_by_one.eligibility, bulk_above=0)
    for fields in ({"type": "refund"}, {"type": "order"}, {"required_skills": {"x": 1}}):
        slow = one_by_one.decide(ticket(**fields), roster, NOW, Random(0))
        fast = arrays.decide(ticket(**fields), roster, NOW, Random(0))
        assert slow.trace.chosen == fast.trace.chosen, fields


# --- the file -----------------------------------------------------------------------------


def test_the_file_round_trips(tmp_path: Path) -> None:
    path = strengths_file(tmp_path, ann=agent_estimate(12.0, 0.05, level=7))
    read = load_strengths(path)
    again = tmp_path / "again.json"
    again.write_text(dump_strengths(read), encoding="utf-8")
    assert load_strengths(again) == read
    assert read.level("ann", "refund") == 7 and read.level("ann", "order") is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param(None, "cannot read", id="missing"),
        pytest.param("{not json", r"not JSON \(line 1", id="broken-json"),
        pytest.param('{"format": "deskroute-classifier"}', "not a strengths file", id="other"),
        pytest.param(
            '{"format": "deskroute-strengths", "version": 2}', "version 2 is not", id="newer"
        ),
        pytest.param(
            json.dumps(
                {
                    "format": "deskroute-strengths",
                    "version": 1,
                    "method": METHOD,
                    "categories": {"refund": estimate(-3.0)},
                }
            ),
            "categories.refund.handle_min",
            id="negative-handle",
        ),
        pytest.param(
            json.dumps(
                {
                    "format": "deskroute-strengths",
                    "version": 1,
                    "method": METHOD,
                    "categories": {},
                    "agents": {"ann": {"categories": {"refund": agent_estimate(9.0)}}},
                }
            ),
            "agent 'ann': category 'refund' is not in categories",
            id="unknown-category",
        ),
    ],
)
def test_a_bad_file_is_refused_at_construction_naming_it(
    tmp_path: Path, text: str | None, message: str
) -> None:
    path = tmp_path / "strengths.json"
    if text is not None:
        path.write_text(text, encoding="utf-8")
    with pytest.raises(StrengthsFileError, match=message) as refused:
        make_policy("best_fit", strengths=str(path))
    assert str(path) in str(refused.value)


def test_rework_must_not_be_negative() -> None:
    with pytest.raises(ValueError, match="rework"):
        make_policy("best_fit", rework=-1.0)
