"""``deskroute simulate``, ``tune``, ``staff`` and ``scenario fit`` from the command line."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from connectors.history import write_history
from simulation.glossary import SERVICE, define
from tests.simulation.test_replay_fit import history

REFERENCE = str(Path(__file__).parents[2] / "config" / "scenarios" / "ecommerce.yaml")
SHORT = ["simulate", REFERENCE, "-n", "2", "--days", "1", "--executor", "serial"]
runner = CliRunner(env={"COLUMNS": "200"})


def test_simulate_compares_policies_and_writes_the_report(tmp_path):
    result = runner.invoke(
        app,
        [
            "simulate",
            REFERENCE,
            "-p",
            "skills_least_loaded",
            "-p",
            "gcmu:exponent=2",
            "-n",
            "2",
            "--days",
            "2",
            "--executor",
            "serial",
            "--out",
            str(tmp_path),
            "--records",
            "--sl",
            "4h",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "gcmu(exponent=2)" in result.output
    assert "paired difference against skills_least_loaded" in result.output
    for name in (
        "report.html",
        "waiting_times.png",
        "sla_over_time.png",
        "agent_load.png",
        "backlog.png",
        "replications.csv",
        "summary.csv",
        "records-skills_least_loaded.csv",
    ):
        assert (tmp_path / name).stat().st_size > 0, name
    html = (tmp_path / "report.html").read_text()
    assert "data:image/png;base64," in html and "<script" not in html
    # the page opens with a verdict against the first policy (issue 18)
    assert html.index("<h2>Verdict</h2>") < html.index("<h2>Policies</h2>")
    assert "the first policy (skills_least_loaded)" in html or "Switch from" in html
    assert "<h2>Definitions</h2>" in html
    for metric in ("sla", "sl_4h", "sl_4h_urgent", "mean_wait", "utilization", "count_gini"):
        assert f"<code>{metric}</code>" in html, metric
    header = (tmp_path / "replications.csv").read_text().splitlines()[0].split(",")
    assert {"sl_4h", "sl_4h_low", "fairness_gini", "count_gini", "reopen_rate"} <= set(header)


def test_the_table_shows_whole_policy_names_and_each_interval_under_its_value():
    narrow = CliRunner(env={"COLUMNS": "110"})
    result = narrow.invoke(
        app,
        [
            "simulate",
            REFERENCE,
            "-p",
            "skills_least_loaded",
            "-p",
            "freshdesk_round_robin",
            "-n",
            "2",
            "--days",
            "1",
            "--executor",
            "serial",
        ],
    )
    assert result.exit_code == 0, result.output
    rows = result.output.splitlines()
    assert any("skills_least_loaded" in row for row in rows)
    assert any("freshdesk_round_robin" in row for row in rows)
    assert "…" not in result.output  # nothing cut short
    under = rows[rows.index(next(r for r in rows if "freshdesk_round_robin" in r)) + 1]
    assert under.count("±") == len(SERVICE)  # the line below a policy: every half-width


def test_each_table_ends_with_the_definition_of_every_column_it_shows():
    result = runner.invoke(
        app,
        [*SHORT, "-p", "skills_least_loaded", "--sl", "30m"],
    )
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())  # footers wrap with the terminal
    for label, metric in [
        ("SLA", "sla"),
        ("SL 30m", "sl_30m"),
        ("wait, all", "mean_wait"),
        ("assign p90, served", "wait_p90"),
        ("util on shift", "utilization"),
        ("Gini minutes", "fairness_gini"),
        ("Gini count", "count_gini"),
        ("urgent", "sla_urgent"),
        ("urgent", "sl_30m_urgent"),
    ]:
        assert f"{label}: {define(metric)}." in text, metric


def test_a_parameter_holding_commas_is_one_yaml_value():
    result = runner.invoke(app, [*SHORT, "-p", "gcmu:costs={urgent: 8, low: 1},exponent=2"])
    assert result.exit_code == 0, result.output
    assert "gcmu(costs={urgent: 8, low: 1}, exponent=2)" in " ".join(result.output.split())


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        pytest.param(["-p", "gcmu:costs={urgent: 8"], "missing a closing '}'", id="unclosed"),
        pytest.param(["-p", "gcmu:exponent=: :"], "not valid YAML", id="bad-yaml"),
        pytest.param(["-p", "gcmu:exponent"], "must look like key=value", id="no-value"),
        pytest.param(["-p", "gcmu:speed=2"], "has no parameter 'speed'", id="unknown-param"),
        pytest.param(["--sl", "5x"], "--sl: service-level threshold '5x'", id="bad-threshold"),
        pytest.param(["--sl", "30"], "number with a unit", id="threshold-without-unit"),
    ],
)
def test_command_line_mistakes_exit_2_with_a_message_and_no_traceback(arguments, message):
    result = runner.invoke(app, ["simulate", REFERENCE, *arguments])
    assert result.exit_code == 2, result.output
    assert message in " ".join(result.output.split())
    assert isinstance(result.exception, SystemExit)  # a clean exit, not a crash


NIGHT_DESK = """
name: night
horizon_days: 2
drain_days: 1
sla_min: {normal: 60}
agents:
  - team: day
    count: 2
    shift: {days: daily, start: "09:00", end: "11:00"}
traffic:
  arrivals: {rate_per_hour: 4}
  categories: {any: {share: 1, handle: {dist: exponential, mean_min: 5}}}
routing:
  policy: threshold_overflow
  params: {wait_s: 600, overflow: {"*": [day]}}
"""


def test_the_scenarios_own_policy_keeps_its_params_and_the_row_shows_them(tmp_path):
    scenario = tmp_path / "night.yaml"
    scenario.write_text(NIGHT_DESK, encoding="utf-8")
    result = runner.invoke(
        app,
        [
            "simulate",
            str(scenario),
            *("-p", "threshold_overflow:wait_s=60", "-p", "least_loaded"),
            *("-n", "2", "--executor", "serial", "--out", str(tmp_path / "out")),
        ],
    )
    assert result.exit_code == 0, result.output
    with (tmp_path / "out" / "replications.csv").open(encoding="utf-8") as handle:
        policies = {row["policy"] for row in csv.DictReader(handle)}
    assert policies == {"threshold_overflow(wait_s=60, overflow={'*': [day]})", "least_loaded"}


def test_a_desk_whose_misses_are_off_hours_is_pointed_at_staffing(tmp_path):
    scenario = tmp_path / "night.yaml"
    scenario.write_text(NIGHT_DESK, encoding="utf-8")
    result = runner.invoke(app, ["simulate", str(scenario), "-n", "2", "--executor", "serial"])
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "of the SLA misses met nobody on shift" in text
    assert "deskroute staff" in text


def test_unknown_policy_and_bad_scenario_exit_2(tmp_path):
    result = runner.invoke(app, ["simulate", REFERENCE, "-p", "nope"])
    assert result.exit_code == 2 and "unknown policy 'nope'" in result.output
    bad = tmp_path / "bad.yaml"
    bad.write_text("agents: []\ntraffic: {}\n", encoding="utf-8")
    result = runner.invoke(app, ["simulate", str(bad)])
    assert result.exit_code == 2 and "agents" in result.output


def test_replay_and_fit_from_a_history_export(tmp_path):
    path = tmp_path / "history.jsonl"
    write_history(history(120), path)
    fitted = tmp_path / "fitted.yaml"
    result = runner.invoke(app, ["scenario", "fit", str(path), "--out", str(fitted)])
    assert result.exit_code == 0, result.output
    assert "categories" in fitted.read_text()
    result = runner.invoke(
        app, ["simulate", "--replay", str(path), "-n", "1", "--executor", "serial"]
    )
    assert result.exit_code == 0, result.output


def test_replay_and_fit_skip_unreadable_lines_and_count_them(tmp_path):
    path = tmp_path / "history.jsonl"
    write_history(history(60), path)
    with path.open("a", encoding="utf-8") as handle:
        handle.write("{broken\n")
    result = runner.invoke(app, ["scenario", "fit", str(path), "--out", str(tmp_path / "f.yaml")])
    assert result.exit_code == 0, result.output
    assert "skipped" in result.output and "1 unreadable lines skipped, 60 read" in result.output
    result = runner.invoke(
        app, ["simulate", "--replay", str(path), "-n", "1", "--executor", "serial", "--days", "1"]
    )
    assert result.exit_code == 0, result.output
    assert "1 unreadable lines skipped, 60 read" in result.output


def test_replay_of_a_missing_or_unreadable_file_exits_2(tmp_path):
    result = runner.invoke(app, ["simulate", "--replay", str(tmp_path / "nope.jsonl")])
    assert result.exit_code == 2 and "cannot read" in result.output
    broken = tmp_path / "broken.jsonl"
    broken.write_text("{broken\n", encoding="utf-8")
    result = runner.invoke(app, ["scenario", "fit", str(broken), "--out", str(tmp_path / "f.yaml")])
    assert result.exit_code == 2
    assert "1 unreadable lines skipped, 0 read" in result.output and "no tickets" in result.output


def test_staff_prints_a_level_per_team():
    result = runner.invoke(
        app, ["staff", REFERENCE, "--target", "80% within 8h", "--days", "3", "-n", "1"]
    )
    assert result.exit_code == 0, result.output
    cells = [
        [cell.strip() for cell in line.strip("│").split("│")]
        for line in result.output.splitlines()
        if line.startswith("│")
    ]
    rows = {cell[0]: cell[1:] for cell in cells}
    assert list(rows) == ["orders", "billing", "accounts", "early", "late", "whole desk"]
    teams = [row for name, row in rows.items() if name != "whole desk"]
    assert all(int(erlang) >= 1 and int(simulated) >= 1 for erlang, simulated, *_ in teams)
    assert rows["early"][3] == rows["late"][3] == "any category it can take, in its hours"
    assert rows["orders"][3] == "categories it is first for, in its hours"
    desk = rows["whole desk"]
    assert int(desk[1]) == sum(int(simulated) for _, simulated, *_ in teams)
    assert float(desk[2].rstrip("%")) >= 80


def test_tune_prints_the_best_parameters():
    result = runner.invoke(
        app,
        [
            "tune",
            REFERENCE,
            "-p",
            "gcmu",
            "--trials",
            "2",
            "-n",
            "1",
            "--days",
            "2",
            "--executor",
            "serial",
            "--constraint",
            "fairness_gini<=0.9",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "best sla =" in result.output and "exponent=" in result.output


def test_tune_refuses_a_metric_that_was_renamed():
    result = runner.invoke(app, ["tune", REFERENCE, "-p", "gcmu", "-c", "load_gini<=0.3"])
    assert result.exit_code == 2
    assert "was renamed: use fairness_gini" in " ".join(result.output.split())
