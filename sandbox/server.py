"""Run the sandbox in-process on a loopback port: ``start_sandbox`` and its handle."""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import replace
from pathlib import Path
from types import TracebackType
from typing import Any

import uvicorn

from sandbox.accounts import (
    SANDBOX_API_KEY,
    SANDBOX_EMAIL,
    SANDBOX_OAUTH,
    SANDBOX_TOKEN,
    SANDBOX_WEBHOOK_SECRET,
)
from sandbox.app import create_app
from sandbox.core import Sandbox, SandboxOptions
from sandbox.limits import Faults
from sandbox.profiles import FreshdeskProfile, ZendeskProfile
from sandbox.traffic import TrafficRates

STARTUP_TIMEOUT = 10.0


class SandboxHandle:
    """A running sandbox: its URLs and credentials, and a Python API to drive it.

    Use as a context manager, or call ``stop()``. ``sandbox`` is the live object behind the
    server (desk, stats, humans, traffic) for anything the helpers below do not cover.
    """

    email, api_token, oauth_token = SANDBOX_EMAIL, SANDBOX_TOKEN, SANDBOX_OAUTH
    api_key, webhook_secret = SANDBOX_API_KEY, SANDBOX_WEBHOOK_SECRET

    def __init__(
        self,
        sandbox: Sandbox,
        server: uvicorn.Server,
        thread: threading.Thread,
        host: str,
        port: int,
    ) -> None:
        self.sandbox, self._server, self._thread = sandbox, server, thread
        self.host, self.port = host, port
        self.url = f"http://{host}:{port}"
        self.zendesk_url = f"{self.url}/zendesk"
        self.freshdesk_url = f"{self.url}/freshdesk"
        self.control_url = f"{self.url}/_sandbox"

    @property
    def zendesk_profile(self) -> ZendeskProfile:
        """The Zendesk account variant this sandbox imitates."""
        return self.sandbox.zendesk_profile

    @property
    def freshdesk_profile(self) -> FreshdeskProfile:
        """The Freshdesk account variant this sandbox imitates."""
        return self.sandbox.freshdesk_profile

    # -- driving the desk ------------------------------------------------------------------
    def create_tickets(self, count: int) -> list[int]:
        """Create ``count`` unassigned tickets with Bitext texts; returns their ids."""
        return self.sandbox.create_tickets(count)

    def set_faults(self, **changes: float) -> Faults:
        """``error_rate``, ``timeout_rate``, ``reset_rate``, ``slow_rate`` (0..1),
        ``latency_ms``, ``slow_ms``, ``timeout_seconds``."""
        return self.sandbox.set_faults(**changes)

    def shop_outage(self, down: bool = True) -> None:
        """Take the shop faces down (every request 503) or bring them back; the help-desk
        faces are unaffected."""
        self.sandbox.gate.shop_down = down

    def storm(self, seconds: float, retry_after: int = 1) -> float:
        """Answer every API request 429 + ``Retry-After`` for ``seconds`` (0 ends it)."""
        return self.sandbox.storm(seconds, retry_after)

    def revoke_credentials(self, revoked: bool = True) -> None:
        """Both faces answer every API request 401, as after the token was revoked (False:
        restored)."""
        self.sandbox.revoke_credentials(revoked)

    def set_rate_limit(self, requests: int | None, window: float | None = None) -> dict[str, int]:
        """Account limit per window for both faces (None: the plans) and window seconds."""
        return self.sandbox.set_rate_limit(requests, window)

    def set_availability(self, agent_id: int | str, available: bool) -> None:
        """Switch an agent on or off line."""
        self.sandbox.desk.set_availability(int(agent_id), available, "human:python-api")

    def reassign(self, ticket_id: int | str, agent_id: int | str | None = None) -> int | None:
        """A simulated human moves a ticket (to ``agent_id`` or a colleague in its group)."""
        return self.sandbox.humans.reassign(
            int(ticket_id), None if agent_id is None else int(agent_id)
        )

    def start_traffic(self, **rates: float) -> None:
        """Start the generator: ``tickets_per_minute``, ``availability_changes_per_minute``,
        ``reassignments_per_minute``, ``solves_per_minute``, ``replies_per_minute``,
        ``takes_per_minute``, ``ui_updates_per_minute``."""
        self.sandbox.traffic.start(TrafficRates(**rates))

    def stop_traffic(self) -> None:
        """Stop the traffic generator."""
        self.sandbox.traffic.stop()

    def configure_webhook(
        self,
        url: str | None,
        secret: str | None = None,
        *,
        duplicate_share: float = 0.0,
        replay_share: float = 0.0,
    ) -> None:
        """Send signed Zendesk webhooks for every ticket change to ``url`` (a share of them
        duplicated under one invocation id, a share replayed byte for byte)."""
        self.sandbox.configure_webhook(
            url, secret, duplicate_share=duplicate_share, replay_share=replay_share
        )

    def stats(self) -> dict[str, int]:
        """Request counters (``zendesk.writes``, ``freshdesk.status.429``, ...)."""
        return self.sandbox.stats.snapshot()

    def reset_stats(self) -> None:
        """Zero the request counters."""
        self.sandbox.stats.reset()

    def audit(self) -> list[dict[str, Any]]:
        """Every change so far, with who made it."""
        with self.sandbox.desk.lock:
            return list(self.sandbox.desk.audit)

    def ticket(self, ticket_id: int | str) -> Any:
        """The desk's record of one ticket (assignee_id, group_id, status, updated_at...)."""
        return self.sandbox.desk.ticket(int(ticket_id))

    # -- lifecycle -------------------------------------------------------------------------
    def stop(self) -> None:
        """Shut the server down and stop background threads (idempotent)."""
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self.sandbox.close()

    def __enter__(self) -> SandboxHandle:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"SandboxHandle(url={self.url!r})"


def start_sandbox(
    host: str = "127.0.0.1", port: int = 0, *, log_level: str = "warning", **options: Any
) -> SandboxHandle:
    """Start the sandbox on ``host:port`` (0: a free port) in a thread; returns its handle.

    ``options`` are ``SandboxOptions`` fields: ``zendesk_profile`` and
    ``freshdesk_profile`` (account variants, ``sandbox.profiles.PROFILES``),
    ``zendesk_plan``, ``freshdesk_plan`` (override the profiles' rate limits),
    ``rate_limit`` (requests per window, both faces), ``rate_window`` (seconds),
    ``rate_limits`` (False: count but never refuse), ``search_lag`` and ``export_lag``
    (seconds; 120 and 60 by default, as real accounts lag), ``schedule`` (``24/7`` or
    ``office``), ``bulk_safe_update``, ``agents``, ``tickets``, ``seed``, ``texts``
    (Bitext CSV or directory), ``job_delay``, ``faults`` (a ``Faults``), ``traffic`` (a
    ``TrafficRates``), ``webhook_url``, ``webhook_secret``. A bad option raises ValueError.
    """
    settings = SandboxOptions(**_paths(options))
    sandbox = Sandbox(replace(settings))
    # proto=IPPROTO_TCP matters: asyncio only sets TCP_NODELAY on accepted sockets whose
    # proto says TCP, and without it every keep-alive response waits ~40 ms for an ACK.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    bound = sock.getsockname()[1]
    config = uvicorn.Config(
        create_app(sandbox), log_level=log_level, access_log=False, lifespan="off"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name=f"sandbox-{bound}", daemon=True
    )
    thread.start()
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            sandbox.close()
            raise RuntimeError(f"sandbox did not start on {host}:{bound}")
        time.sleep(0.01)
    return SandboxHandle(sandbox, server, thread, host, bound)


def _paths(options: dict[str, Any]) -> dict[str, Any]:
    if isinstance(options.get("texts"), str):
        options = {**options, "texts": Path(options["texts"])}
    return options
