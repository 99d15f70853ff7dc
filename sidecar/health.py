"""Whether the store answers, and whether this replica is ready to serve.

An outage is a run of failed store calls. The first failure logs one warning that says
where it was seen, and the first success afterwards logs how long the outage lasted. The
lease, the jobs, the webhooks and ``/readyz`` all report here, so an outage costs two log
lines, not a traceback per job tick. While the store is down the replica does not lead
(``Sidecar.leading``): no routing and no write-back happens without a lease the store has
confirmed.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import sqlalchemy as sa

log = logging.getLogger("deskroute.sidecar.store")


def store_outage(error: BaseException) -> bool:
    """True when ``error`` means the database cannot be reached now, not a faulty query.

    Refused or dropped connections, a server shutting down or starting up, and SQLite's
    "database is locked" are operational errors; a connection found dead mid-statement
    is marked invalidated by SQLAlchemy whatever its class.
    """
    if isinstance(error, sa.exc.OperationalError | sa.exc.InterfaceError):
        return True
    return isinstance(error, sa.exc.DBAPIError) and error.connection_invalidated


def describe(error: BaseException) -> str:
    """One line saying what the database driver reported."""
    cause = error.orig if isinstance(error, sa.exc.DBAPIError) else error
    lines = str(cause).strip().splitlines()
    return lines[0] if lines else type(cause).__name__


def retry_delay(attempt: int, base: float, cap: float) -> float:
    """Seconds to wait before start-up attempt ``attempt + 1``: doubling from ``base``."""
    return float(min(cap, base * 2 ** min(attempt, 32)))


@dataclass(frozen=True, slots=True)
class Readiness:
    """The answer of ``/readyz``: ready or not, and why not."""

    ready: bool
    reason: str | None = None


def readiness(
    *, accepting: bool, store_error: str | None, migrated: bool, roster_loaded: bool
) -> Readiness:
    """Ready when intake is open, the store answers and is migrated, and (on the leader)
    the roster is loaded; otherwise the first thing missing is the reason."""
    if not accepting:
        return Readiness(False, "shutting down")
    if store_error is not None:
        return Readiness(False, f"store unreachable: {store_error}")
    if not migrated:
        return Readiness(False, "store not migrated yet")
    if not roster_loaded:
        return Readiness(False, "roster not loaded yet")
    return Readiness(True)


class StoreHealth:
    """The store's state as the last call saw it; thread-safe.

    ``up`` is None until the first call, then True or False. ``on_change(up)`` is called
    once when an outage starts (False) and once when it ends (True).
    """

    def __init__(
        self,
        *,
        migrated: bool = False,
        monotonic: Callable[[], float] = time.monotonic,
        on_change: Callable[[bool], None] = lambda _: None,
    ) -> None:
        self.migrated, self.monotonic, self.on_change = migrated, monotonic, on_change
        self.up: bool | None = None
        self.reason: str | None = None
        self._down_since = 0.0
        self._lock = threading.Lock()

    def failed(self, error: BaseException, where: str) -> None:
        """A store call failed with an outage error (see ``store_outage``)."""
        reason = describe(error)
        with self._lock:
            starts = self.up is not False
            self.up, self.reason = False, reason
            if starts:
                self._down_since = self.monotonic()
        if starts:
            log.warning("store unreachable (seen by %s): %s; retrying until it answers",
                        where, reason)  # fmt: skip
            self.on_change(False)

    @contextmanager
    def tolerating(self, where: str) -> Iterator[None]:
        """Run store calls; an outage error is recorded (``failed``) and swallowed, any
        other error is raised."""
        try:
            yield
        except sa.exc.SQLAlchemyError as error:
            if not store_outage(error):
                raise
            self.failed(error, where)

    def answered(self) -> None:
        """A store call succeeded."""
        with self._lock:
            ends = self.up is False
            lasted = self.monotonic() - self._down_since
            self.up, self.reason = True, None
        if ends:
            log.warning("store answers again after %.1f s", lasted)
            self.on_change(True)
