"""``scripts/rt-server``: safe to run twice, quick when RT is up, and bound to loopback only."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from urllib.parse import urlparse

import pytest

from tests.integration.rt.conftest import STATE_DIR, RtServer, read_env_file

SCRIPT = Path(__file__).resolve().parents[3] / "scripts" / "rt-server"
LISTEN = "0A"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(SCRIPT), *args], capture_output=True, text=True, timeout=300, check=False
    )


def listening_addresses(port: int) -> set[str]:
    """Local addresses (hex, as the kernel writes them) with a TCP listener on ``port``."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, _, hex_port = local.partition(":")
            if state == LISTEN and int(hex_port, 16) == port:
                found.add(address)
    return found


@pytest.fixture
def as_root(rt_server: RtServer) -> None:
    if os.geteuid() != 0:
        pytest.skip("scripts/rt-server needs root")


def test_second_run_changes_nothing_and_takes_the_fast_path(
    as_root: None, rt_server: RtServer
) -> None:
    before = (STATE_DIR / "router.token").read_text(), (STATE_DIR / "rt-server.pid").read_text()
    result = run("up")
    assert result.returncode == 0, result.stderr
    assert "already installed" in result.stderr and "already serving" in result.stderr
    after = (STATE_DIR / "router.token").read_text(), (STATE_DIR / "rt-server.pid").read_text()
    assert after == before  # same token, same server process
    assert "router.token" in result.stdout and rt_server.url in result.stdout
    assert run("status").returncode == 0


def test_server_listens_on_loopback_only(as_root: None, rt_server: RtServer) -> None:
    port = urlparse(rt_server.url).port
    assert port is not None
    addresses = listening_addresses(port)
    assert addresses, f"nothing listens on port {port}"
    assert addresses <= {"0100007F"}, addresses  # 127.0.0.1, never 0.0.0.0 or ::


def test_env_file_is_private(as_root: None, rt_server: RtServer) -> None:
    env_file = STATE_DIR / "rt.env"
    assert env_file.stat().st_mode & 0o077 == 0
    assert read_env_file(env_file)["RT_URL"] == rt_server.url


def test_unknown_command_is_refused() -> None:
    result = run("bogus")
    assert result.returncode != 0
    assert "unknown command" in result.stderr or "must run as root" in result.stderr
