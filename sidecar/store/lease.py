"""The leader lease: one row per lease name, taken or renewed by a conditional update.

``UPDATE ... WHERE holder = me OR expires_at < now`` is atomic on both databases (on
PostgreSQL the row lock makes a second replica re-check the condition after the first
commits), so at most one replica holds an unexpired lease. ``now`` is the database's
clock (``sidecar/store/fence.py: database_now``), never the replica's: a replica whose
clock runs ahead cannot see a live lease as expired. ``epoch`` grows by one at each
hand-over; the replica's ``Fence`` keeps the epoch it took, and the store refuses its
writes once a newer one exists.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from sidecar.store import schema
from sidecar.store.database import reading
from sidecar.store.fence import Fence, database_now
from sidecar.store.rows import insert_ignoring_duplicates

L = schema.lease
EPOCH_START = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class LeaseState:
    """Who holds the lease, until when, and the hand-over count."""

    holder: str | None
    epoch: int
    expires_at: datetime


class LeaseStore:
    """Acquire, renew and release one named lease."""

    def __init__(self, engine: sa.Engine, fence: Fence | None = None) -> None:
        self.engine = engine
        self.fence = fence or Fence()
        self.name = self.fence.lease

    def acquire(self, holder: str, ttl: timedelta) -> int | None:
        """Take or renew the lease for ``holder``, timed by the database's clock; returns
        the epoch ``holder`` now holds (kept in the fence), or None when another holds it."""
        with self.engine.begin() as conn:
            insert_ignoring_duplicates(
                conn, L, {"name": self.name, "holder": None, "epoch": 0, "expires_at": EPOCH_START}
            )
            now = database_now(conn)
            epoch = conn.execute(
                L.update()
                .where(L.c.name == self.name)
                .where(sa.or_(L.c.holder == holder, L.c.holder.is_(None), L.c.expires_at < now))
                .values(
                    holder=holder,
                    expires_at=now + ttl,
                    epoch=sa.case((L.c.holder == holder, L.c.epoch), else_=L.c.epoch + 1),
                )
                .returning(L.c.epoch)
            ).scalar()
        if epoch is None:
            return None
        self.fence.epoch = int(epoch)
        return self.fence.epoch

    def release(self, holder: str) -> bool:
        """Give the lease up now (graceful shutdown) so a follower takes over at once."""
        with self.engine.begin() as conn:
            return bool(
                conn.execute(
                    L.update()
                    .where(L.c.name == self.name, L.c.holder == holder)
                    .values(holder=None)
                ).rowcount
            )

    def state(self) -> LeaseState | None:
        """The lease row, if any replica ever asked for it."""
        with reading(self.engine) as conn:
            row = conn.execute(sa.select(L).where(L.c.name == self.name)).first()
        return None if row is None else LeaseState(row.holder, row.epoch, row.expires_at)
