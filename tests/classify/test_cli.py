"""`deskroute train`, `evaluate` and `route --model`, end to end through the CLI."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from cli.main import app
from connectors.history import write_history
from router.history import HistoryRecord
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
            "h.jsonl: no example has a 'skill' label",
            id="no such labels",
        ),
        pytest.param(
            ["train", "{history}", "--target", "group", "--out", "{history}/m.npz"],
            "cannot create the folder",
            id="output folder under a file",
        ),
        pytest.param(
            ["train", "{history}", "--target", "group", "--out", "{tmp}"],
            "is a folder; give a file name",
            id="output is a folder",
        ),
        pytest.param(
            ["evaluate", "{tmp}/m.npz", "{history}", "--thresholds", "0.3,high"],
            "--thresholds: 'high' is not a number",
            id="threshold not a number",
        ),
        pytest.param(
            ["evaluate", "{tmp}/m.npz", "{history}", "--thresholds", "0.3,1.5"],
            "--thresholds: 1.5 is outside 0..1",
            id="threshold out of range",
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


def _blank_history(path: Path, texts: list[str]) -> Path:
    labels = ["billing", "shipping"] * (len(texts) // 2)
    write_history(
        [
            HistoryRecord(id=str(i), body=text, group=label, created_at=WHEN)
            for i, (text, label) in enumerate(zip(texts, labels, strict=True))
        ],
        path,
    )
    return path


def test_examples_without_text_are_left_out_with_a_warning(history: Path, tmp_path: Path) -> None:
    with history.open("a", encoding="utf-8") as handle:
        for i in range(3):
            record = HistoryRecord(id=f"blank{i}", body="  ", group="billing", created_at=WHEN)
            handle.write(record.model_dump_json() + "\n")
    result = _train(history, tmp_path / "group.npz")
    assert result.exit_code == 0, result.output
    assert "3 examples with a group label but no text left out" in " ".join(result.output.split())
    assert json.loads((tmp_path / "group.report.json").read_text())["empty_text_skipped"] == 3


@pytest.mark.parametrize(
    ("texts", "message"),
    [
        pytest.param(["", " ", "\n", ""], "every example with a group label has an empty text",
                     id="all blank"),
        pytest.param(["!!", "?", "...", "!"], "none of the 4 texts has a word of two or more",
                     id="punctuation only"),
    ],
)  # fmt: skip
def test_texts_with_nothing_to_learn_are_refused_plainly(
    texts: list[str], message: str, tmp_path: Path
) -> None:
    result = _train(_blank_history(tmp_path / "h.jsonl", texts), tmp_path / "m.npz")
    assert result.exit_code == 2
    output = " ".join(result.output.split())
    assert message in output and "Traceback" not in output and "vocabulary" not in output


def test_labels_seen_once_are_named_when_dropped(history: Path, tmp_path: Path) -> None:
    with history.open("a", encoding="utf-8") as handle:
        for label in ["legal", "press"]:
            record = HistoryRecord(id=label, body="a letter", group=label, created_at=WHEN)
            handle.write(record.model_dump_json() + "\n")
    result = _train(history, tmp_path / "group.npz")
    assert result.exit_code == 0, result.output
    assert "2 group labels seen only once were dropped" in " ".join(result.output.split())
    assert "legal, press" in result.output


def _relabelled(history: Path, path: Path, rename: dict[str, str]) -> Path:
    lines = history.read_text(encoding="utf-8").splitlines()
    records = [HistoryRecord.model_validate_json(line) for line in lines]
    write_history(
        [r.model_copy(update={"group": rename.get(r.group, r.group)}) for r in records], path
    )
    return path


def test_evaluating_on_labels_the_model_never_learnt_is_refused(
    history: Path, tmp_path: Path
) -> None:
    model = tmp_path / "group.npz"
    assert _train(history, model).exit_code == 0
    other = _relabelled(
        history, tmp_path / "other.jsonl", {"billing": "B", "shipping": "S", "account": "A"}
    )
    result = runner.invoke(app, ["evaluate", str(model), str(other)])
    assert result.exit_code == 2
    output = " ".join(result.output.split())
    assert "none of its group labels is one the model knows" in output
    assert "test: A, B, S; model: account, billing, shipping" in output


def test_test_labels_the_model_never_learnt_are_named_in_a_warning(
    history: Path, tmp_path: Path
) -> None:
    model = tmp_path / "group.npz"
    assert _train(history, model).exit_code == 0
    other = _relabelled(history, tmp_path / "other.jsonl", {"account": "accounts"})
    result = runner.invoke(app, ["evaluate", str(model), str(other)])
    assert result.exit_code == 0, result.output
    output = " ".join(result.output.split())
    assert "36 tickets carry 1 group labels the model never learnt" in output
    assert "accounts (36)" in output


def test_one_evaluate_run_scores_every_threshold_and_the_out_of_scope_tickets(
    history: Path, tmp_path: Path
) -> None:
    model = tmp_path / "group.npz"
    assert _train(history, model).exit_code == 0
    foreign = tmp_path / "weather.txt"
    foreign.write_text("what is the weather tomorrow\n\nplay some jazz music\n", encoding="utf-8")
    result = runner.invoke(
        app,
        ["evaluate", str(model), str(history), "--thresholds", "0.3,0.5,0.99",
         "--out-of-scope", str(foreign), "--report", str(tmp_path / "out" / "eval.json")],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    output = " ".join(result.output.split())
    assert "per threshold, 108 labelled tickets and 2 out of scope" in output
    report = json.loads((tmp_path / "out" / "eval.json").read_text())
    sweep = report["thresholds"]
    assert [row["min_confidence"] for row in sweep] == [0.3, 0.5, 0.99]
    assert all(row["tickets"] == 108 and row["out_of_scope"] == 2 for row in sweep)
    kept = [row["kept"] for row in sweep]
    caught = [row["out_of_scope_caught"] for row in sweep]
    assert kept == sorted(kept, reverse=True) and caught == sorted(caught)
    assert sweep[-1]["out_of_scope_caught"] == 2  # nothing is 99 % sure of the weather
    rows = (tmp_path / "out" / "eval.tickets.csv").read_text(encoding="utf-8").splitlines()
    assert rows[0] == "scope,text,label,predicted,confidence" and len(rows) == 1 + 108 + 2
    assert rows[-1].startswith("out,play some jazz music,,")
