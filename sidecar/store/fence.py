"""Fencing: the lease epoch a replica holds, checked by the store inside every write that
matters, and the database's own clock that lease expiry is judged by.

A leader that stalls (SIGSTOP, a long GC pause, a VM migration) past its lease resumes
believing it still leads. Its monotonic clock tells it otherwise at the next renewal, but a
job already running would still commit and send. So the epoch the replica took the lease
with travels into the store: a decision, an outbox claim, a send and the outcome of a send
commit only while no newer epoch exists. On PostgreSQL the lease row is read ``FOR SHARE``
in the same transaction, so a hand-over (an ``UPDATE`` of that row) waits until the write
has committed, and a write after the hand-over sees the new epoch; on SQLite every write
transaction is ``BEGIN IMMEDIATE``, which serialises them all.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from sidecar.store import schema

L = schema.lease
UNIX_EPOCH_JULIAN_DAY = 2440587.5
"""SQLite's ``julianday`` of 1970-01-01T00:00:00Z."""
StoreClock = Callable[[sa.Connection], datetime]
"""Where the store reads the time that write-backs come due by: ``database_now`` (every
replica of a store on one clock), or, for a service driven on simulated time, that time
(``on_clock``)."""


class DeposedError(Exception):
    """A newer lease epoch exists: this replica no longer leads and must not write."""

    def __init__(self, held: int, current: int) -> None:
        self.held, self.current = held, current
        super().__init__(f"lease epoch {held} was superseded by epoch {current}")


@dataclass(slots=True)
class Fence:
    """The lease epoch this replica last took (None: unfenced, no lease was ever taken,
    as in a single-process test or the embedded demo).

    Losing the lease keeps the epoch: a write is refused only once a newer epoch exists,
    so a replica whose lease merely lapsed, with nobody taking over, harms nothing.
    """

    lease: str = "router"
    epoch: int | None = None

    def check(self, conn: sa.Connection) -> None:
        """Raise ``DeposedError`` when the lease row carries a newer epoch than ours; on
        PostgreSQL hold the row (``FOR SHARE``) until ``conn``'s transaction ends."""
        if self.epoch is None:
            return
        query = sa.select(L.c.epoch).where(L.c.name == self.lease)
        if conn.dialect.name == "postgresql":
            query = query.with_for_update(read=True)
        current = conn.execute(query).scalar()
        if current is not None and current > self.epoch:
            raise DeposedError(self.epoch, int(current))


def database_now(conn: sa.Connection) -> datetime:
    """The database server's clock, in UTC: one clock for every replica of a store.

    PostgreSQL ``clock_timestamp()`` (the moment of the call, not of the transaction's
    start); SQLite ``julianday('now')``, the clock of the one host its file lives on.
    """
    if conn.dialect.name == "postgresql":
        moment: datetime = conn.execute(sa.text("SELECT clock_timestamp()")).scalar_one()
        return moment.astimezone(UTC)
    julian = float(conn.execute(sa.text("SELECT julianday('now')")).scalar_one())
    seconds = (julian - UNIX_EPOCH_JULIAN_DAY) * 86400.0
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(seconds=round(seconds, 3))


def on_clock(clock: Callable[[], datetime]) -> StoreClock:
    """A store clock that reads ``clock`` instead of the database: for one process driven on
    simulated time (tests, the differential run), where due times must follow that time."""
    return lambda _conn: clock()
