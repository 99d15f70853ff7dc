"""Every command, walked with the common mistakes: each ends in a plain error, exit 2.

The commands are read from the Typer app (a new command joins the walk by itself, and
fails it until its valid arguments are listed in ``VALID``); the mistakes are made from
each command's parameters: a file to read that does not exist, an output under a file
or of the wrong kind, a number that is not one, an unknown policy or metric, and a bad
environment variable. Each must be refused before any work, exit 2, naming what was
wrong, with no traceback.
"""

from __future__ import annotations

import typing
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pytest
import typer.main
from typer.testing import CliRunner

from cli.main import app
from connectors.history import HistoryRecord, write_history
from tests.classify.conftest import topic_corpus
from tests.cli.test_skills_cmd import history as write_history_file

WHEN = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
ROOT = Path(__file__).resolve().parents[2]
SCENARIO = str(ROOT / "config" / "scenarios" / "ecommerce.yaml")
AGENTS = str(ROOT / "config" / "examples" / "agents.yaml")
TICKETS = str(ROOT / "config" / "examples" / "tickets.jsonl")

VALID: dict[str, list[str]] = {
    "route": ["--agents", AGENTS, "--tickets", TICKETS],
    "explain": ["{decisions}"],
    "export": ["--since", "2026-01-01"],
    "doctor": [],
    "sandbox": [],
    "run": [],
    "demo": [],
    "simulate": [SCENARIO, "--days", "0.05", "-n", "1"],
    "tune": [SCENARIO, "-p", "gcmu", "--trials", "1", "--days", "0.05"],
    "staff": [SCENARIO, "--target", "80% within 1h", "--days", "0.05"],
    "recommend": [SCENARIO, "--trials", "0", "--days", "0.5"],
    "train": ["{topics}", "--target", "group", "--out", "{tmp}/m.npz", "--no-embedding"],
    "evaluate": ["{model}", "{topics}"],
    "config check": [],
    "config docs": [],
    "scenario fit": ["{history}", "--out", "{tmp}/fitted.yaml"],
    "skills learn": ["{history}", "--out", "{tmp}/strengths.json"],
    "shadow-report": [],
    "whatif": [
        "{history}",
        "--out",
        "{tmp}/whatif",
        "--days",
        "0.05",
        "-p",
        "round_robin",
        "-n",
        "2",
        "--max-replications",
        "2",
        "--executor",
        "serial",
    ],
}
"""Arguments each command accepts (the mistakes are made one at a time on top of them)."""

OUTPUTS = {"out", "report", "keep"}
"""Path parameters a command writes to; every other Path parameter is read."""
FOLDER_OUTPUTS = {("simulate", "out"), ("whatif", "out")}
STRING_INPUTS = {
    ("explain", "decisions"),
    ("train", "history"),
    ("evaluate", "test"),
    ("evaluate", "out_of_scope"),
}
"""Parameters typed ``str`` (they take a dataset name or ``-`` too) that name a file."""
POLICY_NAMES = {"policy"}
METRICS = {"objective": "gini", "constraint": "gini<=0.25"}
BAD_ENVIRONMENT = {"DESKROUTE_HTTP__PORT": "eighty"}


@dataclass(frozen=True)
class Mistake:
    """One wrong invocation and what its error must say."""

    command: str
    args: list[str]
    says: tuple[str, ...]
    """Each must appear in the output ({tmp}: the test's folder)."""
    env: dict[str, str] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return f"{self.command}: {' '.join(self.args[-2:])}"


def commands() -> dict[str, typer.core.TyperCommand]:
    """Every leaf command of the app by its full name (``scenario fit``)."""
    found: dict[str, typer.core.TyperCommand] = {}

    def walk(command: typing.Any, prefix: list[str]) -> None:
        if hasattr(command, "commands"):
            for name, sub in command.commands.items():
                walk(sub, [*prefix, name])
        else:
            found[" ".join(prefix)] = command

    walk(typer.main.get_command(app), [])
    return found


def _option(param: typing.Any) -> list[str]:
    """How to pass a value to ``param``: its first option name, or nothing (an argument)."""
    return [param.opts[0]] if param.opts[0].startswith("-") else []


def _replace(base: list[str], param: typing.Any, value: str) -> list[str]:
    """``base`` with ``param`` set to ``value`` (an argument replaces the first given)."""
    option = _option(param)
    if option:
        args = list(base)
        for name in param.opts:
            if name in args:  # drop the valid value given for it
                at = args.index(name)
                del args[at : at + 2]
        return [*args, *option, value]
    positional = [a for a in base if not a.startswith("-")]
    first = base.index(positional[0]) if positional else len(base)
    return [*base[:first], value, *base[first + 1 :]]


def _kind(hint: typing.Any) -> str:
    text = str(hint)
    if "Path" in text:
        return "path"
    if "float" in text:
        return "float"
    if "int" in text and "bool" not in text:
        return "int"
    return "str"


def mistakes_of(name: str, command: typing.Any) -> Iterator[Mistake]:
    """The common mistakes for one command, made from its parameters."""
    base = VALID[name]
    hints = typing.get_type_hints(command.callback)
    for param in command.params:
        kind, key = _kind(hints.get(param.name)), param.name
        label = param.opts[0] if _option(param) else param.name.upper()
        if kind == "path" and key in OUTPUTS:
            under = "{tmp}/a-file/x"
            yield Mistake(name, _replace(base, param, under), ("{tmp}/a-file is a file",))
            if (name, key) in FOLDER_OUTPUTS:
                wrong, says = "{tmp}/a-file", "{tmp}/a-file: is a file; give a folder"
            else:
                wrong, says = "{tmp}", "{tmp}: is a folder; give a file name"
            yield Mistake(name, _replace(base, param, wrong), (says,))
        elif (kind == "path" and key != "data_dir") or (name, key) in STRING_INPUTS:
            missing = "{tmp}/missing.txt"
            yield Mistake(name, _replace(base, param, missing), (missing,))
        elif kind in ("int", "float"):
            yield Mistake(name, _replace(base, param, "abc"), (f"Invalid value for '{label}'",))
        elif key in POLICY_NAMES:
            yield Mistake(name, _replace(base, param, "skils"), ("unknown policy 'skils'",))
        elif key in METRICS:
            yield Mistake(name, _replace(base, param, METRICS[key]), ("unknown metric 'gini'",))
    for variable, value in BAD_ENVIRONMENT.items():
        yield Mistake(name, list(base), (variable,), env={variable: value})


MISTAKES = [m for name, c in sorted(commands().items()) for m in mistakes_of(name, c)]


def test_every_command_is_walked() -> None:
    assert sorted(commands()) == sorted(VALID)
    walked = {m.command for m in MISTAKES if not m.env}
    assert sorted(set(VALID) - walked) == ["config check", "config docs", "doctor", "run"]


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The inputs the valid arguments name: histories, a model, decisions."""
    folder = tmp_path_factory.mktemp("inputs")
    texts, labels = topic_corpus()
    topics = folder / "topics.jsonl"  # a history export of the topic corpus, to train on
    write_history(
        [
            HistoryRecord(id=str(i), body=text, group=label, created_at=WHEN)
            for i, (text, label) in enumerate(zip(texts, labels, strict=True))
        ],
        topics,
    )
    runner = CliRunner()
    model = folder / "topics.npz"
    trained = runner.invoke(
        app, ["train", str(topics), "--target", "group", "--out", str(model), "--no-embedding"]
    )
    assert trained.exit_code == 0, trained.output
    decisions = folder / "decisions.jsonl"
    routed = runner.invoke(app, ["route", *VALID["route"], "--out", str(decisions)])
    assert routed.exit_code == 0, routed.output
    return {
        "topics": str(topics),
        "model": str(model),
        "decisions": str(decisions),
        "history": str(write_history_file(folder / "history.jsonl")),
    }


def _squeezed(text: str) -> str:
    """Text without whitespace or box edges: wrapping at any width compares equal."""
    return "".join(text.replace("│", "").split())


@pytest.mark.timeout(60)
@pytest.mark.parametrize("mistake", MISTAKES, ids=[m.id for m in MISTAKES])
def test_a_mistake_is_a_plain_error_exit_2(
    mistake: Mistake, files: dict[str, str], tmp_path: Path
) -> None:
    (tmp_path / "a-file").write_text("not a folder\n", encoding="utf-8")
    args = [a.format(tmp=tmp_path, **files) for a in [*mistake.command.split(), *mistake.args]]
    result = CliRunner().invoke(app, args, env=mistake.env)
    output = result.output
    assert result.exit_code == 2, output
    assert isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in output
    for says in mistake.says:
        assert _squeezed(says.format(tmp=tmp_path)) in _squeezed(output), output


@pytest.mark.parametrize(
    ("args", "says"),
    [
        pytest.param(["evaluate", "{model}", "bitext", "--data-dir", "{tmp}/none"],
                     "{tmp}/none/bitext", id="evaluate: a data folder without the datasets"),
        pytest.param(["train", "bitext", "--target", "group", "--out", "{tmp}/m.npz",
                      "--data-dir", "{tmp}/none"], "{tmp}/none/bitext", id="train: the same"),
        pytest.param(["simulate", SCENARIO, "--days", "-1"], "--days must be more than 0",
                     id="simulate: a negative horizon"),
        pytest.param(["tune", SCENARIO, "-p", "gcmu", "--param", "exponent=a:b"],
                     "low and high must be numbers", id="tune: a search range of words"),
        pytest.param(["scenario", "fit", "{history}", "--timezone", "Mars/Base"],
                     "unknown time zone 'Mars/Base'", id="scenario fit: an unknown zone"),
        pytest.param(["tune", SCENARIO, "-p", "skils"], "did you mean skills?",
                     id="tune: a policy name with a typo"),
        pytest.param(["tune", SCENARIO, "-p", "gcmu", "--objective", "SLA"],
                     "did you mean sla?", id="tune: an objective in capitals"),
        pytest.param(["tune", SCENARIO, "-p", "gcmu", "--objective", "sla_low", "--trials", "3",
                      "--days", "0.05", "-n", "1", "--executor", "serial"],
                     "the objective 'sla_low' has no value on ecommerce",
                     id="tune: an objective no ticket gives a value (stops after one trial)"),
    ],
)  # fmt: skip
def test_mistakes_a_parameter_walk_cannot_make(
    args: list[str], says: str, files: dict[str, str], tmp_path: Path
) -> None:
    result = CliRunner().invoke(app, [a.format(tmp=tmp_path, **files) for a in args])
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit) and "Traceback" not in result.output
    assert _squeezed(says.format(tmp=tmp_path)) in _squeezed(result.output), result.output


@pytest.mark.parametrize(
    ("args", "written"),
    [
        pytest.param(["route", *VALID["route"], "--out", "{tmp}/new/d.jsonl"], "new/d.jsonl",
                     id="route"),
        pytest.param(["scenario", "fit", "{history}", "--out", "{tmp}/new/f.yaml"], "new/f.yaml",
                     id="scenario fit"),
        pytest.param(["evaluate", "{model}", "{topics}", "--report", "{tmp}/new/e.json"],
                     "new/e.json", id="evaluate"),
    ],
)  # fmt: skip
def test_a_missing_output_folder_is_created(
    args: list[str], written: str, files: dict[str, str], tmp_path: Path
) -> None:
    result = CliRunner().invoke(app, [a.format(tmp=tmp_path, **files) for a in args])
    assert result.exit_code == 0, result.output
    assert (tmp_path / written).is_file()
