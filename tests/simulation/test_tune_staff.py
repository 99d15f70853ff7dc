"""Tuning with Optuna and staffing by Erlang C refined by simulation."""

from __future__ import annotations

import pytest

from simulation.erlang import ErlangC
from simulation.staff import Target, erlang_estimate, staff
from simulation.tune import Constraint, Param, parse_param, tune
from tests.simulation.queues import mmc


@pytest.mark.parametrize(("text", "share", "minutes"), [
    pytest.param("80% within 1h", 0.8, 60.0, id="hours"),
    pytest.param("95 % within 30 min", 0.95, 30.0, id="minutes"),
    pytest.param("50% within 90s", 0.5, 1.5, id="seconds"),
])
def test_target_parsing(text, share, minutes):
    assert Target.parse(text) == Target(share, minutes)


@pytest.mark.parametrize("text", ["80 within 1h", "120% within 1h", "80% in 1h"])
def test_bad_targets_are_refused(text):
    with pytest.raises(ValueError):
        Target.parse(text)


@pytest.mark.parametrize(("text", "expected"), [
    pytest.param("wait_s=60:3600:log", Param("wait_s", 60, 3600, "log"), id="log"),
    pytest.param("fair_limit=2:40:int", Param("fair_limit", 2, 40, "int"), id="int"),
    pytest.param("match=a|b", Param("match", kind="choice", choices=("a", "b")), id="choice"),
])
def test_search_space_parsing(text, expected):
    assert parse_param(text) == expected


def test_constraints_measure_their_violation():
    bound = Constraint.parse("load_gini <= 0.2")
    assert bound.violation({"load_gini": 0.25}) == pytest.approx(0.05)
    assert bound.violation({"load_gini": 0.1}) < 0
    assert Constraint.parse("sla>=0.9").violation({"sla": 0.95}) < 0


def test_tune_finds_feasible_parameters_and_reports_every_trial():
    scenario = mmc(1.0, 4.0, 5, tickets=500, within=2.0)
    result = tune(scenario, "gcmu", [Param("exponent", 0.0, 2.0)], trials=4, replications=2,
                  constraints=[Constraint.parse("load_gini<=0.5")], executor="serial")
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
    assert result.levels["agent"] >= 0.8
    fewer = [levels["agent"] for counts, levels in result.history
             if counts["agent"] == result.counts["agent"] - 1]
    assert all(level < 0.8 for level in fewer)
