"""A private, real PostgreSQL server for store-outage tests: stopped and started at will.

The machine's shared PostgreSQL must never be stopped (other tests use it), so outage
tests run their own: ``initdb`` into a temporary directory, trust authentication, a free
loopback port and a Unix socket in that directory. As root the server binaries run as the
``postgres`` OS user (``initdb`` refuses root). Without the binaries the tests are skipped
with the reason; under CI (``CI=true``) they fail instead.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Literal, NoReturn

import pytest

from tests.sidecar.replicas import free_port

StopMode = Literal["smart", "fast", "immediate"]
SEARCH = "/usr/lib/postgresql/*/bin"


def unavailable(reason: str) -> NoReturn:
    """Skip with ``reason``, or fail under CI where the server must be there."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason} (CI=true: the store-outage tests must run)", pytrace=False)
    pytest.skip(reason)


def server_binaries() -> Path | None:
    """The newest PostgreSQL ``bin`` directory holding initdb and pg_ctl, if any."""
    found = [Path(path) for path in glob.glob(SEARCH) if (Path(path) / "pg_ctl").exists()]
    if found:
        return max(found, key=lambda path: int(path.parent.name))
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


class PrivatePostgres:
    """One throwaway PostgreSQL cluster on loopback, owned by this test run."""

    def __init__(self, binaries: Path, scratch: Path, user: str | None) -> None:
        self.binaries, self.scratch, self.user = binaries, scratch, user
        self.data, self.log = scratch / "data", scratch / "server.log"
        self.port = free_port()
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, tool: str, *args: str, timeout: float = 60) -> None:
        prefix = ["runuser", "-u", self.user, "--"] if self.user else []
        command = [*prefix, str(self.binaries / tool), *args]
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
        if done.returncode != 0:
            log = self.log.read_text() if self.log.exists() else ""
            raise RuntimeError(f"{tool} {args[:2]} failed: {done.stderr.strip()}\n{log[-2000:]}")

    def init(self) -> None:
        """Create the cluster (trust authentication, superuser ``postgres``)."""
        self._run(
            "initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8",
            "--no-sync", "--no-instructions",
        )  # fmt: skip

    def start(self) -> None:
        """Start the server and wait until it accepts connections."""
        # fsync off only risks data when the machine crashes, not the server; commits stay
        # synchronous, so an immediate stop loses nothing a client saw committed
        options = f"-p {self.port} -k {self.scratch} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options,
                  "-w", "-t", "30", "start")  # fmt: skip

    def stop(self, mode: StopMode = "fast") -> None:
        """Stop the server (``immediate``: no shutdown checkpoint, like a crash)."""
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "30", "stop")

    @property
    def running(self) -> bool:
        """True while the postmaster's pid file exists."""
        return (self.data / "postmaster.pid").exists()

    def remove(self) -> None:
        """Stop the server if it runs, and delete its files."""
        if self.running:
            self.stop("immediate")
        shutil.rmtree(self.scratch, ignore_errors=True)


def private_postgres() -> PrivatePostgres:
    """A fresh cluster, started; skips (fails under CI) when PostgreSQL is not installed."""
    binaries = server_binaries()
    if binaries is None:
        unavailable(f"no PostgreSQL server binaries ({SEARCH}/initdb) on this machine")
    user = None
    if os.geteuid() == 0:  # initdb refuses to run as root
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            unavailable("running as root and there is no `postgres` OS user to run initdb as")
        if shutil.which("runuser") is None:
            unavailable("running as root and `runuser` is missing (needed to run initdb)")
        user = "postgres"
    # under /tmp, not pytest's tmp_path: root's pytest directory is closed to other users
    scratch = Path(tempfile.mkdtemp(prefix="deskroute-pg-"))
    if user is not None:
        shutil.chown(scratch, user=user, group=pwd.getpwnam(user).pw_gid)
    server = PrivatePostgres(binaries, scratch, user)
    try:
        server.init()
        server.start()
    except (RuntimeError, subprocess.TimeoutExpired):
        server.remove()
        raise
    return server
