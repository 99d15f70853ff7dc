"""``deskroute skills learn`` as a user runs it: the file, the summary, the exit codes."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime, timedelta
from pathlib import Path
from random import Random

import pytest
import yaml
from typer.testing import CliRunner

from cli.main import app
from connectors.history import write_history
from router.history import HistoryRecord
from router.policies import make_policy
from router.policies.strengths_file import load_strengths

START = datetime(2026, 3, 2, tzinfo=UTC)
runner = CliRunner()


def history(path: Path) -> Path:
    """Two categories, three agents: fast at refunds, slow at refunds, an all-rounder."""
    rng, records = Random(5), []
    medians = {("fast", "refund"): 6.0, ("slow", "refund"): 30.0, ("even", "refund"): 14.0}
    medians |= {("fast", "order"): 14.0, ("slow", "order"): 14.0, ("even", "order"): 14.0}
    for number in range(600):
        agent, category = rng.choice(sorted(medians))
        created = START + timedelta(minutes=20 * number)
        assigned = created + timedelta(minutes=3)
        handle = medians[agent, category] * math.exp(rng.gauss(0, 0.6))
        records.append(
            HistoryRecord(
                id=str(number),
                created_at=created,
                type=category,
                group="support",
                assignee=agent,
                requester=f"customer-{rng.randrange(2000)}",
                first_assigned_at=assigned,
                first_reply_at=assigned + timedelta(minutes=handle),
                solved_at=assigned + timedelta(minutes=handle + 30),
            )
        )
    write_history(records, path)
    return path


def learn(*args: str) -> tuple[int, str]:
    """Exit code and output (stdout and stderr, lines joined: the terminal wraps them)."""
    result = runner.invoke(app, ["skills", "learn", *args])
    return result.exit_code, " ".join(result.output.split())


def test_learn_writes_a_file_the_policy_reads_and_shows_the_highlights(tmp_path: Path) -> None:
    out = tmp_path / "strengths.json"
    code, output = learn(str(history(tmp_path / "history.jsonl")), "--out", str(out))
    assert code == 0, output
    strengths = load_strengths(out)
    assert strengths.level("fast", "refund") > strengths.level("even", "refund")
    assert strengths.level("even", "refund") > strengths.level("slow", "refund")
    assert strengths.method.reopens.from_repeat_contact > 0  # requesters came back
    assert "top strengths" in output and "weak spots" in output
    assert output.index("fast") < output.index("weak spots") < output.rindex("slow")
    make_policy("best_fit", strengths=str(out))  # ready to route with


def test_a_bad_line_is_skipped_and_counted_not_fatal(tmp_path: Path) -> None:
    path = history(tmp_path / "history.jsonl")
    with path.open("a", encoding="utf-8") as handle:
        handle.write("{broken\n")
    code, output = learn(str(path), "--out", str(tmp_path / "s.json"))
    assert code == 0, output
    assert "1 unreadable lines skipped, 600 read" in output


def test_a_given_prior_strength_is_recorded(tmp_path: Path) -> None:
    out = tmp_path / "s.json"
    path = history(tmp_path / "h.jsonl")
    code, output = learn(str(path), "--out", str(out), "--prior-strength", "40")
    assert code == 0, output
    assert load_strengths(out).method.handle_prior.k == 40


@pytest.mark.parametrize(
    ("make", "extra", "message"),
    [
        pytest.param(lambda d: d / "missing.jsonl", [], "cannot read", id="missing-file"),
        pytest.param(lambda d: d, [], "cannot read", id="a-directory"),
        pytest.param(
            lambda d: _written(d / "h.jsonl", "{broken\n"), [], "no history records", id="nothing"
        ),
        pytest.param(
            lambda d: _written(
                d / "h.jsonl",
                '{"id": "1", "created_at": "2026-03-02T09:00:00+00:00"}\n',
            ),
            [],
            "no ticket in the history has an assignee",
            id="no-assignee",
        ),
        pytest.param(lambda d: history(d / "h.jsonl"), ["--window-days", "0"], "", id="bad-window"),
    ],
)
def test_bad_input_exits_2_with_a_message(tmp_path, make, extra, message) -> None:
    code, output = learn(str(make(tmp_path)), "--out", str(tmp_path / "s.json"), *extra)
    assert code == 2
    assert message in output and "Traceback" not in output


def test_an_unwritable_out_exits_2_before_reading(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("x")
    out = tmp_path / "a-file" / "s.json"
    code, output = learn(str(tmp_path / "absent.jsonl"), "--out", str(out))
    assert code == 2 and "cannot create the folder" in output


def test_a_missing_out_folder_is_created(tmp_path: Path) -> None:
    out = tmp_path / "new" / "folder" / "s.json"
    code, output = learn(str(history(tmp_path / "h.jsonl")), "--out", str(out))
    assert code == 0, output
    assert out.is_file()


def test_help_describes_the_command() -> None:
    code, output = learn("--help")
    assert code == 0 and "--prior-strength" in output and "--out" in output


def _written(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_a_fitted_scenario_takes_its_agents_levels_from_a_given_strengths_file(
    tmp_path: Path,
) -> None:
    past = history(tmp_path / "history.jsonl")
    out = tmp_path / "strengths.json"
    assert learn(str(past), "--out", str(out))[0] == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    data["agents"]["fast"]["categories"]["refund"]["level"] = 2  # as if another history said so
    out.write_text(json.dumps(data), encoding="utf-8")
    fitted = tmp_path / "fitted.yaml"

    result = runner.invoke(
        app, ["scenario", "fit", str(past), "--strengths", str(out), "--out", str(fitted)]
    )

    assert result.exit_code == 0, result.output
    agents = {agent["id"]: agent for agent in yaml.safe_load(fitted.read_text())["agents"]}
    assert agents["fast"]["skills"]["refund"] == 2


def test_fit_with_an_unreadable_strengths_file_exits_2_before_reading_history(
    tmp_path: Path,
) -> None:
    broken = tmp_path / "strengths.json"
    broken.write_text("{not json", encoding="utf-8")
    result = runner.invoke(
        app, ["scenario", "fit", str(tmp_path / "absent.jsonl"), "--strengths", str(broken)]
    )
    assert result.exit_code == 2
    assert "strengths.json: not JSON" in " ".join(result.output.split())
