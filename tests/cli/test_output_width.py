"""Output that fits: help and tables at 80 columns and piped, wrapped and never cut."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from cli.main import app
from config.reference import effective
from config.settings import Settings
from tests.cli.test_mistakes import commands

CUT = ("…", "...")


def _fits(text: str, width: int) -> None:
    long = [line for line in text.splitlines() if len(line) > width]
    assert long == [], long
    cut = [line for line in text.splitlines() if line.rstrip().endswith(CUT)]
    cut = [line for line in cut if not line.rstrip().endswith("[ARGS]...")]  # click's usage
    assert cut == [], cut


def _piped(*args: str, columns: int = 80) -> str:
    """``deskroute ARGS`` in a child process, its output a pipe (no terminal)."""
    environment = {**os.environ, "COLUMNS": str(columns)}
    environment.pop("DESKROUTE_POLICY_FILE", None)
    done = subprocess.run(
        [sys.executable, "-m", "cli", *args], capture_output=True, text=True, check=True,
        env=environment, timeout=120,
    )  # fmt: skip
    return done.stdout


@pytest.mark.parametrize("name", sorted(commands()))
def test_every_commands_help_fits_80_columns_with_every_option_name_whole(name: str) -> None:
    result = CliRunner().invoke(app, [*name.split(), "--help"], env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    _fits(result.output, 80)
    for param in commands()[name].params:
        for option in param.opts:
            if option.startswith("--"):
                assert option in result.output.split() or f"{option}," in result.output


def test_the_command_list_shows_each_summary_whole_when_piped() -> None:
    text = _piped("--help")
    _fits(text, 80)
    flat = " ".join(text.split())
    assert "instead of a guessed queue." in flat  # evaluate's summary, to its end


def test_sandbox_help_piped_keeps_option_names_and_profile_names_whole() -> None:
    text = _piped("sandbox", "--help")
    _fits(text, 80)
    assert "--availability-changes-per-minute" in text.split()
    assert "zendesk-professional" in text and "[bold]" not in text


@pytest.mark.parametrize("columns", [80, 60])
def test_config_check_piped_names_every_variable_whole(columns: int) -> None:
    text = _piped("config", "check", columns=columns)
    _fits(text, columns)
    words = text.split()
    names = [name for name, _ in effective(Settings())]
    assert [name for name in names if name not in words] == []
