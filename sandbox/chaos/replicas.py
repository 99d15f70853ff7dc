"""Sidecar replicas as real ``deskroute run`` processes, pointed at an in-process sandbox.

The chaos harness and the failover tests start them, SIGKILL them and read their role from
``/readyz``. Output goes to a log file per replica.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import requests

from sandbox.server import SandboxHandle

log = logging.getLogger("deskroute.chaos")
RUN = [sys.executable, "-c", "from cli.main import main; main()", "run"]
BRISK = {
    "DESKROUTE_LEASE__TTL_SECONDS": "3",
    "DESKROUTE_LEASE__RENEW_SECONDS": "0.5",
    "DESKROUTE_SCHEDULER__POLL_SECONDS": "1",
    "DESKROUTE_SCHEDULER__ROSTER_SECONDS": "2",
    "DESKROUTE_SCHEDULER__DRAIN_SECONDS": "0.3",
    "DESKROUTE_SCHEDULER__WRITE_SECONDS": "0.3",
}
"""Timings for tests: a 3 s lease, sub-second routing and writing."""


def wait_for(check: Callable[[], bool], seconds: float = 10, pause: float = 0.05) -> bool:
    """Poll ``check`` until it holds or ``seconds`` pass; returns whether it held."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(pause)
    return False


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def zendesk_connection(desk: SandboxHandle) -> dict[str, str]:
    """The variables that point a replica at the sandbox's Zendesk face."""
    return {
        "DESKROUTE_HELPDESK": "zendesk",
        "DESKROUTE_ZENDESK__BASE_URL": desk.zendesk_url,
        "DESKROUTE_ZENDESK__EMAIL": desk.email,
        "DESKROUTE_ZENDESK__API_TOKEN": desk.api_token,
    }


class Replica:
    """One ``deskroute run`` process on a help desk and a shared store.

    ``desk`` is the sandbox (its Zendesk face) or the desk's connection variables
    (``DESKROUTE_HELPDESK`` and ``DESKROUTE_<DESK>__*``, as a chaos ``Face`` gives them);
    ``env`` overrides the defaults (``BRISK`` timings, log level INFO).
    """

    def __init__(
        self,
        name: str,
        desk: SandboxHandle | Mapping[str, str],
        database: str,
        log: Path,
        **env: str,
    ):
        self.name, self.port = name, free_port()
        connection = zendesk_connection(desk) if isinstance(desk, SandboxHandle) else desk
        self.env = {
            **{key: value for key, value in os.environ.items() if not key.startswith("DESKROUTE_")},
            **connection,
            "DESKROUTE_DATABASE_URL": database,
            "DESKROUTE_HTTP__PORT": str(self.port),
            "DESKROUTE_LEASE__REPLICA_ID": name,
            "DESKROUTE_LOG_LEVEL": "INFO",
            **BRISK,
            **env,
        }
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None
        self.paused = False

    def start(self) -> Replica:
        """Launch the process (output goes to the log file, appended)."""
        with self.log.open("ab") as handle:
            self.process = subprocess.Popen(RUN, env=self.env, stdout=handle, stderr=handle)
        return self

    @property
    def running(self) -> bool:
        """True while the process lives."""
        return self.process is not None and self.process.poll() is None

    def role(self, timeout: float = 1.0) -> str | None:
        """``leader``/``follower`` from /readyz, or None when it does not answer."""
        try:
            answer: dict[str, Any] = requests.get(
                f"http://127.0.0.1:{self.port}/readyz", timeout=timeout
            ).json()
        except (requests.RequestException, ValueError):
            return None
        return str(answer.get("role"))

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs."""
        assert self.process is not None
        self.process.kill()
        self.process.wait(timeout=10)
        self.paused = False

    def pause(self) -> None:
        """SIGSTOP: the process stalls wherever it is (a GC pause, a frozen VM) and keeps
        its connections; it believes it still leads when it wakes."""
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)
        self.paused = True

    def resume(self) -> None:
        """SIGCONT after ``pause``."""
        assert self.process is not None
        self.process.send_signal(signal.SIGCONT)
        self.paused = False

    def wake(self) -> Replica:
        """Resume a paused replica, or start a stopped one."""
        if self.paused:
            self.resume()
            return self
        return self.start()

    def terminate(self, timeout: float = 30) -> int:
        """SIGTERM and wait; SIGKILL after ``timeout`` seconds. Returns the exit code
        (negative: the signal that ended it).

        A slow shutdown is not a broken promise (the audit is what counts), so the run
        goes on to its report; the log says how long the replica took.
        """
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            log.warning("replica %s still running %.0f s after SIGTERM: killed", self.name, timeout)
            self.kill()
            return self.process.returncode

    def ensure_stopped(self) -> None:
        """Kill the process if it is still running (after a failure)."""
        if self.running:
            self.kill()
