"""Leadership: take and renew the lease on a timer; know, at any moment, whether we lead.

A replica leads only while its last successful renewal is younger than the TTL minus a
safety margin, measured on its own monotonic clock: if the database stops answering, the
leader stops routing before any follower can take over. The lease's expiry itself is timed
by the database's clock, and the store refuses a deposed leader's writes (fencing,
``sidecar/store/fence.py``), which covers the leader that stalls mid-job past its lease.
A renewal that fails because the store is unreachable drops the lease at once and is
reported to the store's health (one warning per outage); other database errors are logged
as they come.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta

import sqlalchemy as sa

from sidecar.health import StoreHealth, store_outage
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
        health: StoreHealth | None = None,
    ) -> None:
        self.lease, self.replica, self.ttl = lease, replica, ttl
        self.clock, self.monotonic, self.on_change = clock, monotonic, on_change
        self.health = health or StoreHealth()
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
            epoch: int | None = None
            try:
                epoch = self.lease.acquire(self.replica, self.ttl)
            except sa.exc.SQLAlchemyError as error:
                if store_outage(error):
                    self.health.failed(error, "lease renewal")
                else:
                    log.warning("lease renewal failed: %s", error)
            else:
                self.health.answered()
            held = epoch is not None
            self._renewed = started if held else None
            if held != before:
                verb = f"took the lease (epoch {epoch})" if held else "lost the lease"
                log.info("%s %s", self.replica, verb)
                self.on_change(held)
            return held

    def deposed(self, reason: object) -> None:
        """The store refused a write: a newer epoch leads. Stop leading now, not at the
        next renewal (this replica stalled past its lease, or its renewal was late)."""
        with self._lock:
            if self._renewed is not None:
                self._renewed = None
                log.warning("%s is deposed (%s): it stops leading", self.replica, reason)
                self.on_change(False)

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
