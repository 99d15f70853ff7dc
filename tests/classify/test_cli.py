"""`deskroute train`, `evaluate` and `route --model`, end to end through the CLI."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from cli.main import app
from connectors.history import HistoryRecord, write_history
from tests.classify.conftest import topic_corpus

WHEN = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
runner = CliRunner()
POLICY = """
policy: {name: least_loaded}
rules:
  - name: learned-queue
    then:
      group_from_prediction: {min_confidence: 0.5, triage_group: triage}
"""
AGENTS = """
agents:
  - {id: ann, groups: [billing]}
  - {id: sam, groups: [shipping]}
  - {id: tri, groups: [triage]}
"""


@pytest.fixture
def history(tmp_path: Path) -> Path:
    texts, labels = topic_corpus(repeat=6)
    path = tmp_path / "history.jsonl"
    write_history(
        [
            HistoryRecord(
                id=str(i),
                body=text,
                group=label,
                type=f"{label}-desk",
                priority=PRIORITY[label],
                language=LANGUAGE[label],
                created_at=WHEN,
            )
            for i, (text, label) in enumerate(zip(texts, labels, strict=True))
        ],
        path,
    )
    return path


PRIORITY = {"billing": "high", "shipping": "normal", "account": "urgent"}
LANGUAGE = {"billing": "en", "shipping": "de", "account": "en"}


@pytest.mark.parametrize("target", ["group", "skill", "priority", "language"])
def test_every_target_trains_from_a_history_export(
    target: str, history: Path, tmp_path: Path
) -> None:
    result = runner.invoke(
        app,
        [
            "train",
            str(history),
            "--target",
            target,
            "--out",
            str(tmp_path / "m.npz"),
            "--no-embedding",
        ],
    )
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "m.report.json").read_text())
    assert report["report"]["accuracy"] == 1.0


def _train(history: Path, out: Path, *extra: str) -> Result:
    return runner.invoke(
        app,
        ["train", str(history), "--target", "group", "--out", str(out), "--no-embedding", *extra],
    )


def test_train_reports_and_writes_model_report_and_plot(history: Path, tmp_path: Path) -> None:
    result = _train(history, tmp_path / "models" / "group.npz")
    assert result.exit_code == 0, result.output
    assert "accuracy" in result.output and "macro-F1" in result.output
    assert "recall per class" in result.output
    report = json.loads((tmp_path / "models" / "group.report.json").read_text())
    assert report["report"]["accuracy"] == 1.0 and report["held_out"]
    assert (tmp_path / "models" / "group.confusion.png").read_bytes()[:4] == b"\x89PNG"


def test_unreadable_history_lines_are_skipped_and_counted(history: Path, tmp_path: Path) -> None:
    with history.open("a", encoding="utf-8") as handle:
        handle.write("{broken\n")
    result = _train(history, tmp_path / "group.npz")
    assert result.exit_code == 0, result.output
    assert "1 unreadable lines skipped" in result.output


def test_evaluate_reports_abstain_rate_and_accuracy_on_kept(history: Path, tmp_path: Path) -> None:
    model = tmp_path / "group.npz"
    assert _train(history, model).exit_code == 0
    result = runner.invoke(
        app,
        [
            "evaluate",
            str(model),
            str(history),
            "--min-confidence",
            "0.9",
            "--triage-group",
            "humans",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "accuracy on kept" in result.output and "abstained (to humans)" in result.output
    report = json.loads((tmp_path / "group.eval.json").read_text())
    assert report["min_confidence"] == 0.9
    assert report["kept"] + report["abstained"] == 108
    assert (tmp_path / "group.eval.threshold.png").exists()


def test_route_with_a_model_traces_predictions(history: Path, tmp_path: Path) -> None:
    model = tmp_path / "group.npz"
    assert _train(history, model).exit_code == 0
    (tmp_path / "policy.yaml").write_text(POLICY)
    (tmp_path / "agents.yaml").write_text(AGENTS)
    tickets = tmp_path / "tickets.jsonl"
    tickets.write_text(
        "".join(
            json.dumps({"id": i, "body": body, "created_at": WHEN.isoformat()}) + "\n"
            for i, body in [("1", "I need a refund of my money"), ("2", "my parcel never arrived")]
        )
    )
    result = runner.invoke(
        app,
        [
            "route",
            "--agents",
            str(tmp_path / "agents.yaml"),
            "--tickets",
            str(tickets),
            "--policy",
            str(tmp_path / "policy.yaml"),
            "--model",
            str(model),
            "--now",
            "2026-11-25T10:00:00+00:00",
        ],
    )
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    assert {d["ticket"]: d["agent"] for d in lines} == {"1": "ann", "2": "sam"}
    assert all(d["trace"]["predictions"]["group"]["confidence"] > 0.5 for d in lines)
    (tmp_path / "decisions.jsonl").write_text(result.stdout)
    explained = runner.invoke(app, ["explain", str(tmp_path / "decisions.jsonl"), "-t", "1"])
    assert "predicted group  billing" in explained.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(
            ["train", "{history}", "--target", "colour", "--out", "{tmp}/m.npz"],
            "use one of group, skill, priority, language",
            id="unknown target",
        ),
        pytest.param(
            ["train", "{tmp}/missing.jsonl", "--target", "group", "--out", "{tmp}/m.npz"],
            "no such file",
            id="missing history",
        ),
        pytest.param(
            [
                "train",
                "{tmp}/h.jsonl",
                "--target",
                "skill",
                "--out",
                "{tmp}/m.npz",
                "--no-embedding",
            ],
            "need at least two skill labels",
            id="no such labels",
        ),
        pytest.param(
            ["evaluate", "{tmp}/missing.npz", "{history}"], "cannot read", id="missing model"
        ),
        pytest.param(
            ["route", "--agents", "{tmp}/a.yaml", "--tickets", "{history}", "--model", "{history}"],
            "not a deskroute model",
            id="route: bad model",
        ),
    ],
)
def test_bad_input_exits_2_with_the_reason(
    args: list[str], message: str, history: Path, tmp_path: Path
) -> None:
    (tmp_path / "a.yaml").write_text(AGENTS)
    write_history(
        [HistoryRecord(id=str(i), body="x", group="g", created_at=WHEN) for i in range(4)],
        tmp_path / "h.jsonl",
    )
    filled = [a.format(history=history, tmp=tmp_path) for a in args]
    result = runner.invoke(app, filled)
    assert result.exit_code == 2
    assert message in " ".join(result.output.split())


def test_the_readme_commands_train_on_the_shipped_bitext_data_with_no_setting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DESKROUTE_CLASSIFIER__DATA_DIR", raising=False)
    model = tmp_path / "models" / "bitext-group.npz"  # a folder a fresh clone does not have
    trained = runner.invoke(app, ["train", "bitext", "--target", "group", "--out", str(model)])
    assert trained.exit_code == 0, trained.output
    result = runner.invoke(app, ["evaluate", str(model), "bitext"])
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "models" / "bitext-group.eval.json").read_text())
    assert report["overall"]["examples"] == 810
    assert report["overall"]["accuracy"] >= 0.98
