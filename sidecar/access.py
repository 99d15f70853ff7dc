"""The help desk refused our credentials (401/403): pause instead of parking.

A revoked or rotated token fails every request alike, so treating it as fatal per ticket
parked every write in flight until a person touched each ticket. Instead the replica stops
calling the help desk, says why in ``/readyz``, counts it in
``deskroute_desk_auth_failures_total``, tries again after a backoff (1 s doubling to 60 s)
and carries on where it stopped once a request succeeds: nothing is parked.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from connectors.errors import ConnectorError
from connectors.outcomes import refused_access

__all__ = ["DeskAccess", "DeskAccessRefusedError", "refused_access"]
log = logging.getLogger("deskroute.sidecar.access")


class DeskAccessRefusedError(Exception):
    """Raised out of a write round when the help desk refused our credentials."""

    def __init__(self, error: ConnectorError) -> None:
        self.error = error
        super().__init__(str(error))


@dataclass
class DeskAccess:
    """Whether we may call the help desk now, and why not."""

    monotonic: Callable[[], float] = time.monotonic
    base_seconds: float = 1.0
    cap_seconds: float = 60.0
    reason: str | None = None
    failures: int = 0
    until: float = 0.0

    @property
    def waiting(self) -> bool:
        """True while a refusal's backoff runs: no job calls the help desk."""
        return self.reason is not None and self.monotonic() < self.until

    def refused(self, error: ConnectorError) -> float:
        """Note a refusal; returns the seconds to wait before trying again."""
        delay = min(self.cap_seconds, self.base_seconds * 2.0**self.failures)
        self.failures += 1
        self.until = self.monotonic() + delay
        if self.reason is None:
            log.warning("the help desk refused our credentials (%s): pausing; retrying with "
                        "backoff", error.status)  # fmt: skip
        self.reason = f"help desk refused our credentials (HTTP {error.status}): {error}"
        return delay

    def answered(self) -> None:
        """A job ran through after a refusal: carry on."""
        if self.reason is not None:
            log.info("the help desk takes our credentials again after %d refusals",
                     self.failures)  # fmt: skip
        self.reason, self.failures, self.until = None, 0, 0.0
