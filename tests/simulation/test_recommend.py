"""``recommend``: the best preset is the baseline, guards bind, the winner is proven afresh."""

from __future__ import annotations

import math
from datetime import date

import pytest
import yaml
from typer.testing import CliRunner

from cli.main import app
from config.policy_file import parse_policy
from router.policies.vendors import VENDOR_PRESETS
from simulation.compare import Run, execute
from simulation.recommend import (
    FAIRNESS,
    FRESH_SEEDS,
    Guards,
    Validation,
    _judged,
    policy_file_text,
    recommend,
    rounded,
)
from simulation.run import PolicyChoice
from simulation.scenario import dump_scenario, parse_scenario
from simulation.stats import Interval


def specialist_desk():
    """Two experts and four novices on one skill: novices take three times as long."""
    return parse_scenario(
        {
            "name": "specialists",
            "seed": 3,
            "horizon_days": 2,
            "warmup_days": 0.25,
            "drain_days": 1,
            "handle_slowdown": 2.0,
            "sla_min": {"normal": 30, "urgent": 10},
            "agents": [
                {"team": "expert", "count": 2, "skills": {"tech": 10}, "capacity": 1},
                {"team": "novice", "count": 4, "skills": {"tech": 1}, "capacity": 1},
            ],
            "traffic": {
                "arrivals": {"rate_per_hour": 12},
                "categories": {
                    "tech": {
                        "share": 1,
                        "skill": "tech",
                        "handle": {"dist": "exponential", "mean_min": 12},
                    }
                },
                "priorities": {"normal": 0.9, "urgent": 0.1},
            },
            "routing": {"policy": "least_loaded", "sweep_min": 1440},
        },
        "specialists",
    )


def interval(mean):
    return Interval(mean, mean - 0.01, mean + 0.01, 5)


def test_guards_become_constraints_relative_to_the_baseline():
    baseline = {"sla": 0.9, "sla_urgent": 0.95, "sla_low": 0.7, FAIRNESS: 0.2}
    bounds = {str(c) for c in Guards(priority_loss=0.01, fairness_slack=0.02).constraints(baseline)}
    assert bounds == {"sla_urgent>=0.94", "sla_low>=0.69", f"{FAIRNESS}<=0.22"}


def test_a_candidate_that_loses_on_fresh_seeds_is_refused_with_its_reasons():
    worse = Validation(
        PolicyChoice("gcmu"),
        "zendesk_capacity",
        sla_gain=interval(-0.02),
        priority_gain={"sla_urgent": interval(-0.05)},
        fairness_change=interval(0.03),
        comparison=None,  # type: ignore[arg-type]
        problems=(),
    )
    problems = _judged(worse, Guards()).problems
    assert len(problems) == 3
    assert any("sla_urgent" in p for p in problems) and any(FAIRNESS in p for p in problems)
    better = Validation(
        PolicyChoice("gcmu"),
        "zendesk_capacity",
        interval(0.04),
        {"sla_urgent": interval(-0.005)},
        interval(-0.01),
        None,  # type: ignore[arg-type]
        (),
    )
    assert _judged(better, Guards()).problems == ()


def test_float_parameters_are_rounded_before_validation():
    choice = rounded(PolicyChoice("gcmu", {"exponent": 0.228924868, "by": "type"}))
    assert choice.params == {"exponent": 0.229, "by": "type"}


def test_recommend_validates_against_the_best_preset_and_writes_a_policy_file():
    scenario = specialist_desk()
    result = recommend(
        scenario, include=["skills"], trials=0, replications=2, validate=4, executor="serial"
    )
    presets = {
        name: execute([Run(scenario, PolicyChoice(name), r) for r in range(2)], "serial")
        for name in VENDOR_PRESETS
    }
    mean_sla = {n: sum(r.metrics["sla"] for r in rs) / 2 for n, rs in presets.items()}
    assert result.baseline.choice.name == max(mean_sla, key=mean_sla.__getitem__)
    assert result.baseline.sla == pytest.approx(max(mean_sla.values()))
    check = result.validation
    assert check.sla_gain.n == 4
    assert check.comparison.differences["recommended"]["skill_match"].low > 0, "experts first"
    if result.fell_back:
        assert result.recommended.name == check.preset and check.sla_gain.mean < 0
    else:
        assert result.recommended.name == "skills" and check.sla_gain.mean >= 0
    text = policy_file_text(scenario, result, "specialists.yaml", date(2026, 12, 7))
    assert text.startswith(
        "# Recommended by `deskroute recommend` for specialists.yaml on 2026-12-07."
    )
    assert parse_policy(yaml.safe_load(text), "file").policy.name == result.recommended.name


def test_validation_uses_replications_the_search_never_saw():
    assert FRESH_SEEDS > 100
    scenario = specialist_desk()
    result = recommend(
        scenario,
        include=["least_loaded"],
        trials=0,
        replications=2,
        validate=2,
        executor="serial",
    )
    seen = {r.replication for r in result.validation.comparison.runs}
    assert seen == {FRESH_SEEDS, FRESH_SEEDS + 1}
    assert not math.isnan(result.validation.sla_gain.mean)


def test_cli_writes_the_file_and_refuses_mistakes_with_exit_2(tmp_path):
    path = tmp_path / "desk.yaml"
    path.write_text(dump_scenario(specialist_desk()), encoding="utf-8")
    runner = CliRunner()
    out = tmp_path / "policy.yaml"
    args = ["recommend", str(path), "-p", "skills", "--trials", "0", "-n", "2", "--validate", "2"]
    done = runner.invoke(app, [*args, "--executor", "serial", "--out", str(out)])
    assert done.exit_code == 0, done.output
    assert parse_policy(yaml.safe_load(out.read_text()), "out").policy.name in (
        "skills",
        *VENDOR_PRESETS,
    )
    for wrong in (
        ["recommend", str(tmp_path / "missing.yaml")],
        [*args, "-p", "no_such_policy", "--executor", "serial"],
        [*args, "--executor", "threads"],
        [*args, "--out", str(path / "p.yaml")],  # a folder that is a file
    ):
        result = runner.invoke(app, wrong)
        assert result.exit_code == 2, (wrong, result.output)
        assert "Traceback" not in result.output
