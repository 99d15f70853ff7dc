"""``deskroute sandbox --profile``: a known name runs that account variant, others exit 2."""

from __future__ import annotations

import re
import signal
import subprocess
import sys

import pytest
import requests
from typer.testing import CliRunner

from cli.main import app
from sandbox import PROFILES


def test_help_lists_every_profile_with_its_summary() -> None:
    result = CliRunner().invoke(app, ["sandbox", "--help"], env={"COLUMNS": "300"})
    assert result.exit_code == 0
    text = " ".join(result.output.split())
    for name, found in PROFILES.items():
        assert name in text
        assert " ".join(found.summary.split())[:40] in text
    for flag in (
        "--profile",
        "--search-lag",
        "--export-lag",
        "--schedule",
        "--ui-updates-per-minute",
        "--bulk-safe-update",
    ):
        assert flag in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(["--profile", "zendesk-platinum"], "known: zendesk-team", id="unknown"),
        pytest.param(
            ["--profile", "zendesk-team", "--profile", "zendesk-bare"],
            "both Zendesk profiles",
            id="two-of-one-face",
        ),
        pytest.param(["--schedule", "nights"], "24/7, office", id="bad-schedule"),
    ],
)
def test_bad_choices_exit_2_without_a_traceback(args: list[str], message: str) -> None:
    result = CliRunner().invoke(app, ["sandbox", "--port", "0", *args], env={"COLUMNS": "300"})
    assert result.exit_code == 2
    assert message in " ".join(result.output.split())
    assert "Traceback" not in result.output


def test_a_profile_runs_and_the_banner_says_which() -> None:
    command = [
        sys.executable,
        "-c",
        "from cli.main import main; main()",
        "sandbox",
        "--port",
        "0",
        "--tickets",
        "1",
        "--agents",
        "2",
        "--profile",
        "zendesk-team",
        "--profile",
        "freshdesk-enterprise",
    ]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert process.stdout is not None
        banner = [process.stdout.readline() for _ in range(7)]
        url = re.search(r"http://127\.0\.0\.1:\d+", banner[0])
        assert url, banner
        assert any("zendesk-team" in line for line in banner)
        assert any("freshdesk-enterprise" in line for line in banner)
        status = requests.get(f"{url.group(0)}/_sandbox/status", timeout=5).json()
        assert status["profiles"] == {
            "zendesk": "zendesk-team",
            "freshdesk": "freshdesk-enterprise",
        }
        assert status["limits"]["zendesk"] == 200 and status["limits"]["freshdesk"] == 700
    finally:
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=10) == 0
