"""``DESKROUTE_HELPDESK=sandbox``: run the sandbox help desk in-process and point the sidecar at it.

The sandbox speaks the Zendesk wire format on a loopback port, seeded with agents and fed
by its traffic generator (new tickets, solves, availability changes, humans reassigning);
its signed webhooks go to the sidecar's ``/webhooks/zendesk``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from pydantic import SecretStr

from config.settings import Settings
from sandbox import SandboxHandle, TrafficRates, start_sandbox

log = logging.getLogger("deskroute.sidecar.sandbox")

RUN_TRAFFIC = TrafficRates(
    tickets_per_minute=20, solves_per_minute=14, availability_changes_per_minute=1,
    reassignments_per_minute=0.5,
)  # fmt: skip
"""Live traffic for ``deskroute run`` against the embedded sandbox: a small, busy desk."""


def sandbox_settings(settings: Settings, handle: SandboxHandle) -> Settings:
    """``settings`` with the Zendesk section pointed at the running sandbox."""
    zendesk = settings.zendesk.model_copy(
        update={
            "base_url": handle.zendesk_url,
            "email": handle.email,
            "api_token": SecretStr(handle.api_token),
            "webhook_secret": SecretStr(handle.webhook_secret),
        }
    )
    return settings.model_copy(update={"zendesk": zendesk})


@contextmanager
def embedded_sandbox(
    settings: Settings, traffic: TrafficRates = RUN_TRAFFIC, **options: Any
) -> Iterator[tuple[SandboxHandle, Settings]]:
    """Start the sandbox; yield its handle and the settings that reach it; stop it after."""
    handle = start_sandbox(port=settings.sidecar.sandbox_port, traffic=traffic, **options)
    log.info("sandbox help desk on %s (Zendesk API at %s)", handle.url, handle.zendesk_url)
    try:
        yield handle, sandbox_settings(settings, handle)
    finally:
        handle.stop()


def send_webhooks_to(handle: SandboxHandle, host: str, port: int) -> None:
    """Have the sandbox send its signed webhooks to a sidecar on ``host:port``."""
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    handle.configure_webhook(f"http://{shown}:{port}/webhooks/zendesk", handle.webhook_secret)
