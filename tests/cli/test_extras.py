"""Commands of an extra that is not installed say what to install (exit 2, no traceback)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from cli.extras import OPTIONAL, installed

WITHOUT = """
import sys
from importlib.abc import MetaPathFinder

class Absent(MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {blocked}:
            raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
        return None

sys.meta_path.insert(0, Absent())
from cli.main import app
sys.argv = ["deskroute", *{args}]
app()
"""


def deskroute_without(blocked: set[str], *args: str) -> subprocess.CompletedProcess[str]:
    """Run the CLI in a fresh interpreter where ``blocked`` packages cannot be imported."""
    code = WITHOUT.format(blocked=sorted(blocked), args=list(args))
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=60,
        env={"COLUMNS": "200", "PATH": ""},
    )  # fmt: skip


@pytest.mark.parametrize(
    ("blocked", "args", "extra"),
    [
        pytest.param({"simpy"}, ["simulate", "s.yaml", "-n", "2"], "sim", id="simulate"),
        pytest.param({"optuna"}, ["scenario", "fit", "h.jsonl"], "sim", id="scenario-fit"),
        pytest.param({"sklearn"}, ["train", "bitext", "--target", "group"], "train", id="train"),
    ],
)
def test_a_command_of_a_missing_extra_names_the_install(
    blocked: set[str], args: list[str], extra: str
) -> None:
    result = deskroute_without(blocked, *args)
    assert result.returncode == 2, result.stderr
    assert f"pip install -c constraints.txt 'deskroute[{extra}]'" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_router_and_the_sidecar_commands_stay_without_any_extra() -> None:
    result = deskroute_without({"simpy", "optuna", "sklearn", "scipy", "matplotlib"}, "--help")
    assert result.returncode == 0, result.stderr
    for command in ("route", "explain", "run", "demo", "doctor", "simulate", "train"):
        assert command in result.stdout
    assert "not installed" in result.stdout


def test_every_package_an_extra_needs_is_installed_here() -> None:
    """The test install carries every extra, so every command is the real one."""
    assert [p for group in OPTIONAL for p in group.needs if not installed(p)] == []
