"""``deskroute simulate``, ``tune``, ``staff`` and ``scenario fit`` from the command line."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from cli.main import app
from connectors.history import write_history
from simulation.report import HEADLINE
from tests.simulation.test_replay_fit import history

REFERENCE = str(Path(__file__).parents[2] / "config" / "scenarios" / "ecommerce.yaml")
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
        "records-skills_least_loaded.csv",
    ):
        assert (tmp_path / name).stat().st_size > 0, name
    html = (tmp_path / "report.html").read_text()
    assert "data:image/png;base64," in html and "<script" not in html


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
    assert under.count("±") == len(HEADLINE)  # the line below a policy: every half-width


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
            "load_gini<=0.9",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "best sla =" in result.output and "exponent=" in result.output
