"""``deskroute sandbox`` starts a server a new user can point curl at, and stops on Ctrl-C."""

from __future__ import annotations

import re
import signal
import subprocess
import sys

import requests
from typer.testing import CliRunner

from cli.main import app
from sandbox.accounts import SANDBOX_API_KEY, SANDBOX_EMAIL, SANDBOX_TOKEN


def test_sandbox_command_serves_both_apis_until_interrupted() -> None:
    command = [
        sys.executable,
        "-c",
        "from cli.main import main; main()",
        "sandbox",
        "--port",
        "0",
        "--tickets",
        "3",
        "--agents",
        "2",
    ]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert process.stdout is not None
        banner = process.stdout.readline()
        match = re.search(r"http://127\.0\.0\.1:\d+", banner)
        assert match, banner
        url = match.group(0)
        tickets = requests.get(
            f"{url}/zendesk/api/v2/tickets.json",
            auth=(f"{SANDBOX_EMAIL}/token", SANDBOX_TOKEN),
            timeout=5,
        )
        assert len(tickets.json()["tickets"]) == 3
        agents = requests.get(
            f"{url}/freshdesk/api/v2/agents", auth=(SANDBOX_API_KEY, "X"), timeout=5
        )
        # the two seeded agents, and the API key's administrator, who is in no group
        assert len([a for a in agents.json() if a["group_ids"]]) == 2
    finally:
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=10) == 0


def test_sandbox_help_lists_the_fault_flags() -> None:
    result = CliRunner().invoke(app, ["sandbox", "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    for flag in (
        "--error-rate",
        "--timeout-rate",
        "--reset-rate",
        "--rate-window",
        "--tickets-per-minute",
        "--webhook-url",
        "--slow-rate",
        "--slow-ms",
        "--takes-per-minute",
    ):
        assert flag in result.output


def test_a_foreign_share_out_of_range_is_refused_with_its_name() -> None:
    result = CliRunner().invoke(app, ["sandbox", "--foreign-share", "1.5"])
    assert result.exit_code == 2 and "--foreign-share" in result.output
