"""``deskroute run`` with ``DESKROUTE_HELPDESK=rt``: the real service routes a real RT."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from tests.integration.rt.conftest import BILLING_OWNERS, SUPPORT_OWNERS, RtDesk, RtServer

DEADLINE = 60.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def service_env(server: RtServer, database: Path) -> dict[str, str]:
    """Only ``DESKROUTE_*`` variables configure the service, as in production."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DESKROUTE_")}
    env.update({
        "DESKROUTE_HELPDESK": "rt",
        "DESKROUTE_RT__BASE_URL": server.url,
        "DESKROUTE_RT__TOKEN": server.token,
        "DESKROUTE_RT__QUEUES": "Billing,Support",
        "DESKROUTE_RT__OWNER_GROUPS": "Billing=Billing Agents",
        "DESKROUTE_DATABASE_URL": f"sqlite:///{database}",
        "DESKROUTE_HTTP__PORT": str(free_port()),
        "DESKROUTE_SCHEDULER__POLL_SECONDS": "1",
        "DESKROUTE_SCHEDULER__ROSTER_SECONDS": "5",
        "DESKROUTE_LOG_LEVEL": "INFO",
    })
    return env


def test_deskroute_run_routes_rt_tickets(rt_server: RtServer, desk: RtDesk,
                                         tmp_path: Path) -> None:
    expected = {desk.create("Billing", "run: refund please"): BILLING_OWNERS,
                desk.create("Support", "run: printer jam"): SUPPORT_OWNERS}
    command = [str(Path(sys.executable).with_name("deskroute")), "run"]
    service = subprocess.Popen(command, env=service_env(rt_server, tmp_path / "s.sqlite3"),
                               cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True)
    try:
        owners = {t: "Nobody" for t in expected}
        started = time.monotonic()
        while "Nobody" in owners.values() and time.monotonic() - started < DEADLINE:
            if service.poll() is not None:
                break
            time.sleep(0.5)
            owners = {t: desk.owner(t) for t in expected}
    finally:
        service.send_signal(signal.SIGTERM)
        output, _ = service.communicate(timeout=30)
    assert service.returncode == 0, output
    for ticket_id, allowed in expected.items():
        assert owners[ticket_id] in allowed, f"ticket {ticket_id}: {owners[ticket_id]}\n{output}"
        assert desk.owner_changes(ticket_id) == 1
    assert "shutting down" in output
