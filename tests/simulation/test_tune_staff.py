"""Tuning with Optuna and staffing by Erlang C refined by simulation."""

from __future__ import annotations

import math

import pytest

from simulation.erlang import ErlangC
from simulation.scenario import Scenario, parse_scenario
from simulation.staff import Levels, Target, erlang_estimate, staff, team_levels
from simulation.tune import Constraint, Param, parse_param, tune
from tests.simulation.queues import mmc


@pytest.mark.parametrize(
    ("text", "share", "minutes"),
    [
        pytest.param("80% within 1h", 0.8, 60.0, id="hours"),
        pytest.param("95 % within 30 min", 0.95, 30.0, id="minutes"),
        pytest.param("50% within 90s", 0.5, 1.5, id="seconds"),
    ],
)
def test_target_parsing(text, share, minutes):
    assert Target.parse(text) == Target(share, minutes)


@pytest.mark.parametrize("text", ["80 within 1h", "120% within 1h", "80% in 1h"])
def test_bad_targets_are_refused(text):
    with pytest.raises(ValueError):
        Target.parse(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("wait_s=60:3600:log", Param("wait_s", 60, 3600, "log"), id="log"),
        pytest.param("fair_limit=2:40:int", Param("fair_limit", 2, 40, "int"), id="int"),
        pytest.param("match=a|b", Param("match", kind="choice", choices=("a", "b")), id="choice"),
    ],
)
def test_search_space_parsing(text, expected):
    assert parse_param(text) == expected


def test_constraints_measure_their_violation():
    bound = Constraint.parse("load_gini <= 0.2")
    assert bound.violation({"load_gini": 0.25}) == pytest.approx(0.05)
    assert bound.violation({"load_gini": 0.1}) < 0
    assert Constraint.parse("sla>=0.9").violation({"sla": 0.95}) < 0


def test_tune_finds_feasible_parameters_and_reports_every_trial():
    scenario = mmc(1.0, 4.0, 5, tickets=500, within=2.0)
    result = tune(
        scenario,
        "gcmu",
        [Param("exponent", 0.0, 2.0)],
        trials=4,
        replications=2,
        constraints=[Constraint.parse("fairness_gini<=0.5")],
        executor="serial",
    )
    assert len(result.trials) == 4
    assert result.best_params is not None and 0 <= result.best_params["exponent"] <= 2
    assert result.best_value == max(m["sla"] for _, m, ok in result.trials if ok)


def test_erlang_estimate_matches_erlang_c_for_one_team():
    scenario = mmc(1.0, 15.0, 18, tickets=100)
    estimate = erlang_estimate(scenario, Target(0.8, 1.0))
    exact = ErlangC(1.0, 1 / 15, estimate["agent"])
    assert exact.service_level(1.0) >= 0.8
    assert ErlangC(1.0, 1 / 15, estimate["agent"] - 1).service_level(1.0) < 0.8


def test_staffing_refines_the_estimate_by_simulation():
    scenario = mmc(0.5, 10.0, 3, tickets=3000)
    result = staff(scenario, Target(0.8, 5.0), replications=2)
    assert result.met
    assert abs(result.counts["agent"] - result.erlang["agent"]) <= 1
    assert result.levels.teams["agent"] >= 0.8 and result.levels.desk >= 0.8
    fewer = [
        levels.teams["agent"]
        for counts, levels in result.history
        if counts["agent"] == result.counts["agent"] - 1
    ]
    assert all(level < 0.8 for level in fewer)


def test_a_team_with_nothing_measured_never_fails_but_the_desk_must_meet_the_target():
    levels = Levels(teams={"day": 0.9, "cover": math.nan}, desk=0.85)
    assert levels.failing(0.8) == [] and levels.meet(0.8)
    assert Levels(teams={"day": 0.9}, desk=0.7).meet(0.8) is False
    assert Levels(teams={"day": 0.7, "night": 0.95}, desk=0.9).failing(0.8) == ["day"]


def day_and_night(night_agents: int) -> Scenario:
    """A day team first for the only category, and a night team covering the other half."""

    def team(name: str, count: int, start: str, end: str) -> dict[str, object]:
        return {
            "team": name,
            "count": count,
            "capacity": 1,
            "shift": {"days": "daily", "start": start, "end": end, "timezone": "UTC"},
        }

    return parse_scenario(
        {
            "name": "cover",
            "seed": 3,
            "horizon_days": 4,
            "warmup_days": 0.5,
            "drain_days": 0.5,
            "sla_min": {"normal": 30},
            "agents": [
                team("day", 4, "00:00", "12:00"),
                team("night", night_agents, "12:00", "23:59"),
            ],
            "traffic": {
                "arrivals": {"rate_per_hour": 6},
                "categories": {"any": {"share": 1, "handle": {"mean_min": 20}}},
            },
        },
        "test",
    )


def test_a_cover_team_is_measured_on_the_tickets_of_its_hours():
    thin = team_levels(day_and_night(1), None, 1, Target(0.8, 30))
    assert thin.covers == {"night"}
    # one night agent for 6 tickets an hour of 20 minutes each: the night falls behind (and
    # the day team starts each shift on its backlog)
    assert thin.teams["night"] < 0.5 and thin.teams["night"] < thin.teams["day"]
    assert thin.teams["night"] < thin.desk
    staffed = team_levels(day_and_night(4), None, 1, Target(0.8, 30))
    assert staffed.teams["night"] > 0.9 and staffed.desk > 0.9
