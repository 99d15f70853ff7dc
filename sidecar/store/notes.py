"""Explanations waiting to be posted as private notes, after the assignment they explain.

Zendesk's bulk update carries each ticket's note; Freshdesk's does not, and a note there is
one request per ticket. Posting them inline made a bulk round as slow as single writes
(the chaos run saw 100 write-backs take 30 s through 20 % 503s). So when a connector's bulk
write cannot carry notes, the writer records each note here in the same transaction that
records the assignment done, and posts a few per round after the assignments: an
assignment never waits for its note, and no note is lost to a crash. As for write-backs,
when a note is due is on the store's due clock (the database's), never a replica's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from sidecar.store import schema
from sidecar.store.database import reading
from sidecar.store.fence import StoreClock, database_now

N = schema.notes
PENDING, DONE, DROPPED = "pending", "done", "dropped"


@dataclass(frozen=True, slots=True)
class NoteRow:
    """One note to post on one ticket."""

    id: int
    ticket_id: str
    body: str
    attempts: int


def add_note(
    conn: sa.Connection, ticket_id: str, body: str, now: datetime, due_at: datetime
) -> None:
    """Queue a note (inside the caller's transaction), due at ``due_at`` on the due clock."""
    conn.execute(
        N.insert().values(
            ticket_id=ticket_id,
            body=body,
            status=PENDING,
            attempts=0,
            next_attempt_at=due_at,
            created_at=now,
        )
    )


class NoteStore:
    """Due notes, and what became of each."""

    def __init__(self, engine: sa.Engine, due_clock: StoreClock = database_now) -> None:
        self.engine, self.due_clock = engine, due_clock

    def due(self, limit: int) -> list[NoteRow]:
        """The oldest notes due now on the due clock, at most ``limit``."""
        with reading(self.engine) as conn:
            query = (
                sa.select(N.c.id, N.c.ticket_id, N.c.body, N.c.attempts)
                .where(N.c.status == PENDING, N.c.next_attempt_at <= self.due_clock(conn))
                .order_by(N.c.id)
                .limit(limit)
            )
            return [
                NoteRow(row.id, row.ticket_id, row.body, row.attempts)
                for row in conn.execute(query)
            ]

    def posted(self, note: NoteRow, now: datetime) -> None:
        """The note is on the ticket."""
        self._finish(note, DONE, now, None)

    def dropped(self, note: NoteRow, now: datetime, reason: str) -> None:
        """The note will never be posted (the ticket is gone, or attempts ran out)."""
        self._finish(note, DROPPED, now, reason)

    def retry(self, note: NoteRow, error: str, delay: timedelta) -> None:
        """Try again ``delay`` from now on the due clock."""
        with self.engine.begin() as conn:
            due = self.due_clock(conn) + delay
            conn.execute(
                N.update()
                .where(N.c.id == note.id)
                .values(attempts=N.c.attempts + 1, next_attempt_at=due, last_error=error)
            )

    def counts(self) -> dict[str, int]:
        """Notes per status."""
        query = sa.select(N.c.status, sa.func.count()).group_by(N.c.status)
        with reading(self.engine) as conn:
            return {status: int(count) for status, count in conn.execute(query)}

    def _finish(self, note: NoteRow, status: str, now: datetime, reason: str | None) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                N.update()
                .where(N.c.id == note.id)
                .values(status=status, finished_at=now, last_error=reason)
            )
