"""``deskroute whatif``: history -> fitted desk -> today's routing vs candidates with enough
replications -> a written verdict, a report and the policy file (issue 18)."""

from __future__ import annotations

import csv
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from config.policy_file import load_policy
from connectors.history import HistoryRecord
from simulation.compare import Comparison
from simulation.replay import Past
from simulation.replicate import StopRule, replicate
from simulation.run import PolicyChoice
from simulation.scenario import load_scenario
from simulation.stats import Interval
from simulation.verdict import judge
from simulation.whatif import candidate_choices, observed_sla, todays_routing
from tests.simulation.queues import mmc

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "config/examples/history.jsonl"
SMALL = ROOT / "config/scenarios/shopify_small.yaml"
FAST = ["--days", "2", "-n", "2", "--max-replications", "3", "--executor", "serial"]
runner = CliRunner(env={"COLUMNS": "100"})


@pytest.fixture(scope="module")
def whatif(tmp_path_factory: pytest.TempPathFactory) -> tuple[object, Path]:
    out = tmp_path_factory.mktemp("whatif") / "new" / "folder"  # missing folders are made
    result = runner.invoke(
        app,
        [
            "whatif",
            str(SAMPLE),
            "--timezone",
            "Europe/Berlin",
            "-p",
            "gcmu",
            "-p",
            "skills_least_loaded",
            "--out",
            str(out),
            *FAST,
        ],
    )
    return result, out


def test_whatif_runs_from_the_history_to_a_verdict_report_and_policy_file(whatif):
    result, out = whatif
    assert result.exit_code == 0, result.output
    assert "history: 1716 tickets over 14.0 days" in result.output
    assert "today's routing: zendesk_capacity: the history comes from zendesk" in result.output
    assert "verdict" in result.output
    names = {p.name for p in out.iterdir()}
    assert {"report.html", "summary.csv", "scenario.yaml", "policy.yaml"} <= names
    assert load_scenario(out / "scenario.yaml").horizon_days == 2
    policy = load_policy(out / "policy.yaml")
    text = (out / "policy.yaml").read_text(encoding="utf-8")
    assert policy.policy.name in {"zendesk_capacity", "gcmu", "skills_least_loaded"}
    assert "# Written by `deskroute whatif` for history.jsonl" in text
    assert "deskroute run --dry-run" in text  # shadow mode first


def test_the_report_opens_with_the_verdict_and_its_csv_has_every_policy(whatif):
    _, out = whatif
    page = (out / "report.html").read_text(encoding="utf-8")
    assert page.index("<h2>Verdict</h2>") < page.index("Team and targets simulated")
    assert "What changes with" in page and "SLA by category" in page
    with (out / "summary.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert {r["policy"] for r in rows} == {"zendesk_capacity", "gcmu", "skills_least_loaded"}
    assert {r["row"] for r in rows if r["policy"] == "gcmu"} == {"value", "difference"}


@pytest.mark.parametrize(
    ("arguments", "says"),
    [
        pytest.param(["--today", "zendesk"], "not a vendor preset", id="today-not-a-preset"),
        pytest.param(["-p", "skils"], "unknown policy 'skils'", id="unknown-candidate"),
        pytest.param(["-n", "9", "--max-replications", "4"], "more than", id="first-over-cap"),
        pytest.param(["--executor", "dask"], "process or serial", id="executor"),
        pytest.param(["--timezone", "Mars/Olympus"], "not a time zone", id="timezone"),
    ],
)
def test_user_mistakes_exit_2_before_any_work(tmp_path, arguments, says):
    result = runner.invoke(
        app, ["whatif", str(SAMPLE), "--out", str(tmp_path / "w"), *FAST[:2], *arguments]
    )
    assert result.exit_code == 2, result.output
    assert says in result.output
    assert "history:" not in result.output  # stopped before fitting, let alone simulating
    assert "Traceback" not in result.output


def test_an_out_path_that_is_a_file_or_a_missing_history_exits_2(tmp_path):
    taken = tmp_path / "taken"
    taken.write_text("x")
    result = runner.invoke(app, ["whatif", str(SAMPLE), "--out", str(taken)])
    assert result.exit_code == 2 and "is a file" in result.output
    result = runner.invoke(app, ["whatif", str(tmp_path / "nope.jsonl")])
    assert result.exit_code == 2 and "cannot read" in result.output


def past(source: str) -> list[Past]:
    start = datetime(2026, 3, 2, 9, tzinfo=UTC)
    return [
        Past(
            HistoryRecord(
                id=str(i),
                source=source,
                created_at=start + timedelta(minutes=i),
                priority="urgent",
                first_assigned_at=start + timedelta(minutes=i + 30 * i),  # waited 30 i
            ),
            None,
        )
        for i in range(4)
    ]


@pytest.mark.parametrize(
    ("source", "preset", "says"),
    [
        pytest.param("zendesk", "zendesk_capacity", "comes from zendesk", id="zendesk"),
        pytest.param("freshdesk", "freshdesk_round_robin", "comes from freshdesk", id="freshdesk"),
        pytest.param("local", "zendesk_capacity", "assumed", id="unknown-desk"),
    ],
)
def test_todays_routing_is_the_preset_of_the_desk_the_history_came_from(source, preset, says):
    today = todays_routing(past(source))
    assert today.preset == preset and says in today.reason


def test_todays_routing_can_be_given_and_must_be_a_preset():
    assert todays_routing(past("zendesk"), "chatwoot_balanced").preset == "chatwoot_balanced"
    with pytest.raises(ValueError, match="not a vendor preset"):
        todays_routing(past("zendesk"), "gcmu")


def test_candidates_follow_today_and_default_to_every_other_policy():
    assert [c.name for c in candidate_choices("zendesk_capacity", ["gcmu"])] == [
        "zendesk_capacity",
        "gcmu",
    ]
    every = [c.name for c in candidate_choices("zendesk_capacity", [])]
    assert every[0] == "zendesk_capacity" and "gcmu" in every and every.count(every[0]) == 1


def test_the_historys_own_sla_counts_tickets_first_assigned_within_target():
    scenario = load_scenario(ROOT / "config/scenarios/ecommerce.yaml")
    assert scenario.sla_min["urgent"] == 60  # the waits are 0, 30, 60 and 90 minutes
    assert observed_sla(past("zendesk"), scenario) == 0.75


def test_replications_stop_as_soon_as_the_intervals_are_narrow_enough():
    choices = [PolicyChoice("round_robin"), PolicyChoice("least_loaded")]
    found = replicate(mmc(1.0, 4.0, 5, tickets=300), choices, StopRule(0.5, 2, 2, 8), "serial")
    assert found.replications == 2 and found.narrow_enough
    assert found.statement().startswith("Stopped at 2 replications: every candidate's SLA")


def test_replications_are_added_up_to_the_cap_and_say_the_target_was_missed():
    choices = [PolicyChoice("zendesk_capacity"), PolicyChoice("skills_least_loaded")]
    heard: list[int] = []
    one_day = load_scenario(SMALL).evolve(horizon_days=1, warmup_days=0)
    found = replicate(
        one_day,
        choices,
        StopRule(1e-9, 2, 3, 7),
        "serial",
        planned=heard.append,
    )
    assert heard == [4, 10, 14]  # runs planned: 2, then +3, then +2 to the cap of 7
    assert found.replications == 7 and not found.narrow_enough
    assert found.statement().startswith("Stopped at the cap of 7 replications")
    assert found.comparison.intervals["zendesk_capacity"]["sla"].n == 7


def interval(mean: float, half: float, n: int = 10) -> Interval:
    return Interval(mean, mean - half, mean + half, n)


def comparison(gain: float, half: float, urgent: float = 0.0) -> Comparison:
    """Today (80% SLA) and one candidate whose paired differences are given."""
    today = {
        "sla": interval(0.80, 0.01),
        "sla_urgent": interval(0.90, 0.01),
        "sla_normal": interval(0.78, 0.01),
        "sla_category:REFUND": interval(0.70, 0.02),
        "sla_category:ORDER": interval(0.85, 0.02),
        "mean_wait": interval(30.0, 2.0),
        "fairness_gini": interval(0.2, 0.01),
    }
    diff = {
        "sla": interval(gain, half),
        "sla_urgent": interval(urgent, 0.005),
        "sla_normal": interval(gain, half),
        "sla_category:REFUND": interval(0.09, 0.02),
        "sla_category:ORDER": interval(0.0, 0.01),
        "mean_wait": interval(-5.0, 1.0),
        "fairness_gini": interval(0.01, 0.005),
    }
    return Comparison(
        ("zendesk_capacity", "gcmu"), {"zendesk_capacity": today, "gcmu": today}, {"gcmu": diff}
    )


def test_a_clear_gain_is_a_switch_saying_how_much_and_for_whom():
    verdict = judge(comparison(0.03, 0.01), notes=["Stopped at 10 replications."])
    assert verdict.switch and verdict.chosen == "gcmu"
    assert verdict.paragraphs[0].startswith(
        "Switch from zendesk_capacity to gcmu: SLA attainment 80.0% → 83.0%, "
        "+3.0 points (+2.0 to +4.0) over 10 replications"
    )
    assert verdict.paragraphs[1] == (
        "By priority: clearly better for normal +3.0 points (+2.0 to +4.0); "
        "no clear change for the other 1."
    )
    assert verdict.paragraphs[2] == (
        "By category: clearly better for REFUND +9.0 points (+7.0 to +11.0); "
        "no clear change for the other 1."
    )
    assert verdict.paragraphs[3] == (
        "Mean wait 30 → 25 minutes; fairness (Gini of handle minutes, 0 = even) 0.200 → 0.210."
    )
    assert verdict.paragraphs[-1] == "Stopped at 10 replications."


@pytest.mark.parametrize(
    ("gain", "half", "urgent", "reason"),
    [
        pytest.param(0.02, 0.03, 0.0, "its SLA gain is not clear of zero", id="not-clear"),
        pytest.param(0.004, 0.001, 0.0, "below the 1 point", id="too-small"),
        pytest.param(0.03, 0.01, -0.02, "urgent tickets lose -2.0 points", id="urgent-pays"),
    ],
)
def test_no_clear_worthwhile_gain_keeps_todays_routing_and_says_why(gain, half, urgent, reason):
    verdict = judge(comparison(gain, half, urgent))
    assert not verdict.switch and verdict.chosen == "zendesk_capacity"
    assert verdict.paragraphs[0].startswith("Keep today's routing (zendesk_capacity)")
    assert "The closest, gcmu" in verdict.paragraphs[0] and reason in verdict.paragraphs[0]


def test_a_history_too_short_to_trust_says_not_to_act_yet():
    from simulation.fit import fit_history
    from simulation.replay import read_past
    from simulation.whatif import caution
    from tests.simulation.test_fit_quality import two_minutes

    assert caution(fit_history(two_minutes()).quality).startswith(
        "Do not act on this yet: it rests on 44 tickets over 1."
    )
    assert caution(fit_history(read_past(SAMPLE)).quality) == ""
