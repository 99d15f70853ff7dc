"""`deskroute route`, `explain` and `config` as a user runs them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from cli.main import app
from tests.secret_values import FRESHDESK_API_KEY

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "config" / "examples"
NOW = "2026-11-25T15:00:00+00:00"
runner = CliRunner()


def invoke_route(*extra: str) -> Result:
    """Run `deskroute route` on the shipped example agents and tickets."""
    return runner.invoke(
        app,
        [
            "route",
            "--agents",
            str(EXAMPLES / "agents.yaml"),
            "--tickets",
            str(EXAMPLES / "tickets.jsonl"),
            *extra,
        ],
    )


def route(*extra: str) -> list[dict]:  # type: ignore[type-arg]
    result = invoke_route("--now", NOW, *extra)
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]


def test_route_writes_one_explained_line_per_ticket() -> None:
    lines = route("--policy", str(ROOT / "config" / "policy.example.yaml"))
    by_ticket = {line.get("ticket"): line for line in lines}
    assert set(by_ticket) == {None, "1001", "1002", "1003", "1004", "1005", "1006"}
    vip = by_ticket["1004"]
    assert vip["outcome"] == "assigned" and vip["agent"] == "emma"
    assert vip["trace"]["matched_rules"] == ["vip-escalation"]
    waiting = by_ticket["1002"]
    assert waiting["outcome"] == "waiting" and waiting["reason"].startswith("no eligible agent")
    assert all(c.get("rejected_by") or "score" in c for c in waiting["trace"]["candidates"])


def test_a_broken_ticket_line_is_reported_and_the_rest_routed() -> None:
    lines = route()
    errors = [line for line in lines if line.get("outcome") == "error"]
    assert errors == [{"line": 7, "outcome": "error", "error": errors[0]["error"]}]
    assert "created_at" in errors[0]["error"]
    assert sum(1 for line in lines if "ticket" in line) == 6


def test_same_inputs_give_the_same_output() -> None:
    assert route("--seed", "3") == route("--seed", "3")


def test_explain_renders_a_decision(tmp_path: Path) -> None:
    out = tmp_path / "decisions.jsonl"
    route("--policy", str(ROOT / "config" / "policy.example.yaml"), "--out", str(out))
    result = runner.invoke(app, ["explain", str(out), "--ticket", "1001"])
    assert result.exit_code == 0, result.output
    assert "ticket 1001 → emma" in result.stdout
    assert "refunds-to-billing" in result.stdout
    assert "chosen" in result.stdout and "filtered" in result.stdout
    said = " ".join(result.stdout.split())
    assert "why it won" in said and "over " in said  # the winner against each other agent


def served_history(tmp_path: Path) -> dict[str, object]:
    """What the sidecar serves at /decisions/1001: its decisions with cause and time."""
    out = tmp_path / "decisions.jsonl"
    route("--policy", str(ROOT / "config" / "policy.example.yaml"), "--out", str(out))
    record = next(line for line in map(json.loads, out.read_text().splitlines())
                  if line.get("ticket") == "1001")  # fmt: skip
    moved = {"decided_at": "2026-11-25T10:00:00+00:00", "cause": "offline", "replica": "a"}
    return {"ticket": "1001", "current": {"state": "assigned", "agent": "emma", "reason": None},
            "decisions": [{**moved, **record}]}  # fmt: skip


@pytest.mark.parametrize("indent", [None, 2], ids=["curl", "jq"])
def test_explain_reads_what_the_sidecar_serves_from_standard_input(
    tmp_path: Path, indent: int | None
) -> None:
    served = json.dumps(served_history(tmp_path), indent=indent)
    result = runner.invoke(app, ["explain", "-"], input=served)
    assert result.exit_code == 0, result.output
    assert "ticket 1001 → emma" in result.stdout
    assert "follow-through move: the assignee went offline" in " ".join(result.stdout.split())


def test_explain_reads_a_saved_decision_file(tmp_path: Path) -> None:
    saved = tmp_path / "dec1001.json"
    saved.write_text(json.dumps(served_history(tmp_path)), encoding="utf-8")
    result = runner.invoke(app, ["explain", str(saved)])
    assert result.exit_code == 0, result.output
    assert "ticket 1001 → emma" in result.stdout


def test_explain_of_a_missing_file_exits_2(tmp_path: Path) -> None:
    result = runner.invoke(app, ["explain", str(tmp_path / "nope.json")])
    assert result.exit_code == 2 and "nope.json" in result.output


def test_explain_unknown_ticket_fails(tmp_path: Path) -> None:
    out = tmp_path / "decisions.jsonl"
    route("--out", str(out))
    assert runner.invoke(app, ["explain", str(out), "--ticket", "nope"]).exit_code == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(["--now", "tomorrow"], "not an ISO 8601 time", id="bad-now"),
        pytest.param(["--now", "2026-11-25T15:00:00"], "needs a time zone", id="naive-now"),
    ],
)
def test_route_rejects_bad_options(args: list[str], message: str) -> None:
    result = invoke_route(*args)
    assert result.exit_code == 2
    assert message in result.output


def test_route_reports_a_bad_policy_file_with_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "p.yaml"
    bad.write_text("rules:\n  - name: r\n    then: {stop: maybe}\n", encoding="utf-8")
    result = invoke_route("--policy", str(bad), "--now", NOW)
    assert result.exit_code == 2
    # the message starts with the file's path, so where the console wraps it varies
    assert "rule 'r' (#1): then.stop" in " ".join(result.output.split())


def test_config_check_masks_secrets() -> None:
    result = runner.invoke(
        app, ["config", "check"], env={"DESKROUTE_FRESHDESK__API_KEY": FRESHDESK_API_KEY}
    )
    assert result.exit_code == 0, result.output
    assert "********" in result.stdout and FRESHDESK_API_KEY not in result.output


def test_config_check_validates_the_policy_file(tmp_path: Path) -> None:
    bad = tmp_path / "p.yaml"
    bad.write_text("policy: {name: nope}\n", encoding="utf-8")
    result = runner.invoke(app, ["config", "check"], env={"DESKROUTE_POLICY_FILE": str(bad)})
    assert result.exit_code == 2
    assert "unknown policy 'nope'" in result.output


def test_the_installed_command_exits_2_naming_a_bad_variable() -> None:
    env = {**os.environ, "DESKROUTE_HTTP__PORT": "eighty"}
    done = subprocess.run(
        [sys.executable, "-m", "cli", "config", "check"],
        env=env,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert done.returncode == 2
    assert "DESKROUTE_HTTP__PORT" in done.stderr and "valid integer" in done.stderr


def test_a_german_ticket_without_a_language_goes_to_the_german_speaker_and_explain_says_why(
    tmp_path: Path,
) -> None:
    german = {
        "id": "2001",
        "subject": "Wo bleibt mein Paket?",
        "body": "Meine Bestellung ist seit einer Woche unterwegs und noch nicht angekommen. "
        "Das ist eine Frechheit, ich will eine Rückbuchung!",
        "created_at": "2026-11-25T08:30:00+00:00",
    }
    tickets, out = tmp_path / "tickets.jsonl", tmp_path / "decisions.jsonl"
    tickets.write_text(json.dumps(german) + "\n", encoding="utf-8")
    policy = str(ROOT / "config" / "policy.example.yaml")
    result = runner.invoke(
        app,
        ["route", "--agents", str(EXAMPLES / "agents.yaml"), "--tickets", str(tickets),
         "--policy", policy, "--now", NOW, "--out", str(out)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    decision = json.loads(out.read_text(encoding="utf-8").splitlines()[0])
    assert decision["agent"] == "emma"  # the only German speaker
    assert decision["trace"]["context"][0].startswith("language: de (")
    assert decision["trace"]["signals"] == {"angry": ["Frechheit"], "chargeback": ["Rückbuchung"]}
    shown = runner.invoke(app, ["explain", str(out)])
    assert shown.exit_code == 0, shown.output
    assert "language: de (" in shown.stdout and "detected" in shown.stdout
    assert "signal chargeback" in shown.stdout and "Rückbuchung" in shown.stdout
