"""Leadership: take and renew the lease on a timer; know, at any moment, whether we lead.

A replica leads only while its last successful renewal is younger than the TTL minus a
safety margin, measured on its own monotonic clock: if the database stops answering, the
leader stops routing before any follower can take over.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta

import sqlalchemy as sa

from sidecar.store import LeaseStore

log = logging.getLogger("deskroute.sidecar.leader")
SAFETY = 0.8
"""Share of the TTL a renewal stays trusted for (the rest absorbs clock and GC pauses)."""


class Leadership:
    """One replica's view of the lease."""

    def __init__(
        self,
        lease: LeaseStore,
        replica: str,
        ttl: timedelta,
        clock: Callable[[], datetime],
        monotonic: Callable[[], float] = time.monotonic,
        on_change: Callable[[bool], None] = lambda _: None,
    ) -> None:
        self.lease, self.replica, self.ttl = lease, replica, ttl
        self.clock, self.monotonic, self.on_change = clock, monotonic, on_change
        self._renewed: float | None = None
        self._lock = threading.Lock()

    @property
    def is_leader(self) -> bool:
        """True while our latest renewal is still trusted."""
        renewed = self._renewed
        trusted = self.ttl.total_seconds() * SAFETY
        return renewed is not None and self.monotonic() - renewed < trusted

    def tick(self) -> bool:
        """Take or renew the lease; returns whether we lead now."""
        with self._lock:
            before = self.is_leader
            started = self.monotonic()
            try:
                held = self.lease.acquire(self.replica, self.clock(), self.ttl)
            except sa.exc.SQLAlchemyError as error:
                log.warning("lease renewal failed: %s", error)
                held = False
            self._renewed = started if held else None
            if held != before:
                state = self.lease.state() if held else None
                epoch = state.epoch if state else "-"
                log.info(
                    "%s %s the lease (epoch %s)", self.replica, "took" if held else "lost", epoch
                )
                self.on_change(held)
            return held

    def release(self) -> None:
        """Give the lease up (graceful shutdown)."""
        with self._lock:
            if self._renewed is not None:
                self._renewed = None
                try:
                    self.lease.release(self.replica)
                except sa.exc.SQLAlchemyError as error:
                    log.warning("could not release the lease: %s", error)
                self.on_change(False)
