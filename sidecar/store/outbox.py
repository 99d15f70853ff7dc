"""The outbox: write-backs waiting to be sent, with attempts, backoff and final outcome.

A row goes ``pending`` → ``sending`` (claimed, attempt counted, committed *before* the
HTTP call) → ``done`` | ``superseded`` (a conflict, or the help desk refused the agent:
decided again) | ``parked`` (cannot be written). A crash leaves rows in ``sending``:
``recover`` turns them back to ``pending`` and the writer checks the help desk before
re-sending one that may have landed.

Fencing: a claim records the claiming leader's lease epoch on the row and is refused
(``DeposedError``) once a newer epoch exists; it locks the rows it takes (``FOR UPDATE SKIP
LOCKED`` on PostgreSQL; SQLite's ``BEGIN IMMEDIATE`` serialises writers) and re-checks
``status = 'pending'`` in the update itself, so two replicas never claim one row.
Due times (``next_attempt_at``) are on the store's due clock, the database's
(``fence.database_now``), never a replica's: a row one replica queued or put off is due for
every replica at the same moment, whatever their clocks say (a replica 30 s behind that
took over held back the rows of its predecessor for 30 s). A retry's delay is measured on
the caller's clock and starts on the due clock.

``confirm`` re-checks the epoch and the claim right before the help desk is called, and
every outcome (``done``, ``retry``, ``park``, ``supersede``, ``release``) applies only to
a row still ``sending`` under the epoch that claimed it: a deposed leader that resumes
neither sends nor records over the rows its successor took back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from router.model import Ticket
from sidecar import lifecycle
from sidecar.store import schema
from sidecar.store.database import reading
from sidecar.store.fence import Fence, StoreClock, database_now
from sidecar.store.loads import adjust_load
from sidecar.store.notes import add_note
from sidecar.store.rows import insert_ignoring_duplicates
from sidecar.store.tickets import set_state, store_version

OUTBOX = schema.outbox


@dataclass(frozen=True, slots=True)
class OutboxRow:
    """One write-back: assign ``ticket_id`` to ``agent_id`` if unchanged since ``expected``."""

    id: int
    ticket_id: str
    agent_id: str
    group: str | None
    weight: float
    policy: str
    expected_updated_at: datetime | None
    note: str | None
    attempts: int
    """Attempts made before this claim (0: never sent)."""
    created_at: datetime
    epoch: int | None = None
    """The lease epoch of the claim (None: unfenced)."""
    job: str | None = None
    """The help desk's bulk job that carried the last attempt (None: none did)."""


def _row(row: sa.Row[tuple[object, ...]], attempts_before: int = 0) -> OutboxRow:
    m = row._mapping
    return OutboxRow(
        id=m["id"], ticket_id=m["ticket_id"], agent_id=m["agent_id"], group=m["group_name"],
        weight=m["weight"], policy=m["policy"], expected_updated_at=m["expected_updated_at"],
        note=m["note"], attempts=m["attempts"] - attempts_before, created_at=m["created_at"],
        epoch=m["epoch"], job=m["job"],
    )  # fmt: skip


def _claimed_by(row: OutboxRow) -> sa.ColumnElement[bool]:
    """The row is still ``sending`` under the claim that produced ``row``."""
    return sa.and_(
        OUTBOX.c.id == row.id,
        OUTBOX.c.status == "sending",
        OUTBOX.c.epoch.is_not_distinct_from(row.epoch),
    )


class OutboxStore:
    """Claims, completes, retries and parks write-backs."""

    def __init__(
        self, engine: sa.Engine, fence: Fence | None = None, due_clock: StoreClock = database_now
    ) -> None:
        self.engine = engine
        self.fence = fence or Fence()
        self.due_clock = due_clock

    def claim(self, now: datetime, limit: int, *, backoff: bool = True) -> list[OutboxRow]:
        """Mark up to ``limit`` due rows ``sending`` (counting the attempt) and return them.

        Due is judged on the due clock, not on ``now`` (the caller's clock, which may be
        off). ``backoff=False`` also takes rows still waiting out a retry delay (final
        flush). Raises ``DeposedError`` when a newer lease epoch than ours exists.
        """
        with self.engine.begin() as conn:
            return self.claim_in(conn, now, limit, backoff=backoff)

    def claim_in(
        self, conn: sa.Connection, now: datetime, limit: int, *, backoff: bool = True
    ) -> list[OutboxRow]:
        """``claim`` inside the caller's transaction (the rows stay locked until it ends)."""
        self.fence.check(conn)
        due_at = self.due_clock(conn) if backoff else datetime.max.replace(tzinfo=now.tzinfo)
        due = (
            sa.select(OUTBOX.c.id)
            .where(OUTBOX.c.status == "pending", OUTBOX.c.next_attempt_at <= due_at)
            .order_by(OUTBOX.c.id)
            .limit(limit)
        )
        if conn.dialect.name == "postgresql":
            # locked until commit; a separate statement, since PostgreSQL may run a LIMIT
            # subquery inside UPDATE ... WHERE id IN (...) more than once and take more
            due = due.with_for_update(skip_locked=True)
        ids = list(conn.execute(due).scalars())
        if not ids:
            return []
        claimed = conn.execute(
            OUTBOX.update()
            .where(OUTBOX.c.id.in_(ids), OUTBOX.c.status == "pending")
            .values(status="sending", attempts=OUTBOX.c.attempts + 1, epoch=self.fence.epoch)
            .returning(*OUTBOX.c)
        )
        return sorted((_row(row, attempts_before=1) for row in claimed), key=lambda r: r.id)

    def confirm(self, rows: list[OutboxRow]) -> list[OutboxRow]:
        """Right before sending: the rows still ``sending`` under their claim. Raises
        ``DeposedError`` when a newer lease epoch exists (a stalled leader resumed)."""
        if not rows:
            return rows
        with self.engine.begin() as conn:
            self.fence.check(conn)
            ours = set(
                conn.execute(
                    sa.select(OUTBOX.c.id).where(sa.or_(*(_claimed_by(row) for row in rows)))
                ).scalars()
            )
        return [row for row in rows if row.id in ours]

    def release(self, rows: list[OutboxRow], wait: timedelta = timedelta(0)) -> None:
        """Give claimed rows back untouched (their attempt is not counted); with ``wait``
        they are due that long from now on the due clock, else as they were."""
        if rows:
            with self.engine.begin() as conn:
                self.fence.check(conn)
                values: dict[str, object] = {"status": "pending", "attempts": OUTBOX.c.attempts - 1}
                if wait:
                    values["next_attempt_at"] = self.due_clock(conn) + wait
                for row in rows:
                    conn.execute(OUTBOX.update().where(_claimed_by(row)).values(**values))

    def carried(self, rows: list[OutboxRow], job: str) -> None:
        """The help desk accepted bulk job ``job`` for ``rows`` (recorded at once, before
        its end: a leader that takes the rows over after a crash waits for the job)."""
        if rows:
            with self.engine.begin() as conn:
                self.fence.check(conn)
                conn.execute(
                    OUTBOX.update()
                    .where(sa.or_(*(_claimed_by(row) for row in rows)))
                    .values(job=job)
                )

    def done(
        self,
        row: OutboxRow,
        now: datetime,
        updated_at: datetime | None,
        state: lifecycle.TicketState = lifecycle.ASSIGNED,
        *,
        note: str | None = None,
    ) -> datetime | None:
        """The assignment is in the help desk, whose copy now has ``updated_at``; ``note``,
        when given, is queued to be posted after it (sidecar/store/notes.py). Returns when
        the ticket was created (None: this claim was no longer ours, or it is not known).

        The snapshot is brought up to that version (and the version marked seen), so the
        echo of our own write coming back through poll or webhook changes nothing.
        ``state`` is ``assigned`` when the help desk confirmed our write; ``human`` or
        ``closed`` when a re-read only shows our agent assigned (a person may have chosen
        the same agent), so follow-through never moves it.
        """
        with self.engine.begin() as conn:
            if not self._settle(conn, row, status="done", finished_at=now):
                return None
            if note:
                add_note(conn, row.ticket_id, note, now, self.due_clock(conn))
            t = schema.tickets
            current = conn.execute(sa.select(t.c.payload).where(t.c.ticket_id == row.ticket_id))
            payload = dict(current.scalar() or {})
            values: dict[str, object] = {"payload": {**payload, "assignee": row.agent_id}}
            if updated_at is not None and payload:
                values["payload"] = {**payload, "assignee": row.agent_id,
                                     "updated_at": updated_at.isoformat()}  # fmt: skip
                values["updated_at"] = updated_at
                key = {"ticket_id": row.ticket_id, "version": lifecycle.version_key(updated_at)}
                insert_ignoring_duplicates(
                    conn, schema.seen, {**key, "via": "write", "seen_at": now}
                )
            set_state(
                conn, row.ticket_id, state, now,
                our_agent=row.agent_id, assignee=row.agent_id, assigned_at=now, reason=None,
                **values,
            )  # fmt: skip
        return _created(payload)

    def retry(self, row: OutboxRow, now: datetime, error: str, at: datetime) -> None:
        """Send again at ``at`` (on the caller's clock, whose ``now`` is given): due after
        the same delay on the due clock; ``error`` is kept for the operator."""
        with self.engine.begin() as conn:
            due = self.due_clock(conn) + max(at - now, timedelta(0))
            self._settle(conn, row, status="pending", next_attempt_at=due, last_error=error)

    def park(self, row: OutboxRow, now: datetime, reason: str) -> None:
        """Give up on this write: release the load and leave the ticket for a human."""
        with self.engine.begin() as conn:
            if self._finish(conn, row, "parked", now, reason):
                set_state(conn, row.ticket_id, lifecycle.PARKED, now, reason=reason)

    def supersede(self, row: OutboxRow, now: datetime, fresh: Ticket, via: str) -> str:
        """The ticket changed under us: drop this write and take in ``fresh`` to decide again.

        Returns the ticket's new state (``human`` when a person assigned it meanwhile), or
        the stored state untouched when the row is no longer ours (taken back after a
        hand-over: the new leader re-checks it).
        """
        with self.engine.begin() as conn:
            if not self._finish(conn, row, "superseded", now, f"conflict: {via}"):
                return "taken back"
            set_state(conn, row.ticket_id, lifecycle.PENDING, now, our_agent=None)
            key = {"ticket_id": fresh.id, "version": lifecycle.version_of(fresh)}
            insert_ignoring_duplicates(conn, schema.seen, {**key, "via": via, "seen_at": now})
            return store_version(conn, fresh, now)

    def redecide(self, row: OutboxRow, now: datetime, reason: str) -> bool:
        """The help desk refused the chosen agent: drop this write (its load released) and
        put the ticket back to ``pending`` to be decided again. False when the row is no
        longer ours (taken back after a hand-over: the new leader sends it)."""
        with self.engine.begin() as conn:
            if not self._finish(conn, row, "superseded", now, reason):
                return False
            set_state(conn, row.ticket_id, lifecycle.PENDING, now, our_agent=None, reason=reason)
            return True

    def recover(self) -> int:
        """Put rows a crashed leader left in ``sending`` back to ``pending``; returns how many."""
        with self.engine.begin() as conn:
            self.fence.check(conn)
            return int(
                conn.execute(
                    OUTBOX.update().where(OUTBOX.c.status == "sending").values(status="pending")
                ).rowcount
            )

    def counts(self) -> dict[str, int]:
        """Rows per status."""
        query = sa.select(OUTBOX.c.status, sa.func.count()).group_by(OUTBOX.c.status)
        with reading(self.engine) as conn:
            return {status: int(count) for status, count in conn.execute(query)}

    def active(self) -> int:
        """Write-backs not finished yet."""
        counts = self.counts()
        return sum(counts.get(status, 0) for status in schema.ACTIVE_WRITES)

    def _settle(self, conn: sa.Connection, row: OutboxRow, **values: object) -> bool:
        """Apply an outcome to a row still ours (see ``_claimed_by``); False when it is not.

        Raises ``DeposedError`` when a newer lease epoch than ours exists.
        """
        self.fence.check(conn)
        return bool(conn.execute(OUTBOX.update().where(_claimed_by(row)).values(**values)).rowcount)

    def _finish(
        self, conn: sa.Connection, row: OutboxRow, status: str, now: datetime, why: str
    ) -> bool:
        if not self._settle(conn, row, status=status, finished_at=now, last_error=why):
            return False
        adjust_load(conn, row.agent_id, -row.weight)
        return True


def _created(payload: dict[str, object]) -> datetime | None:
    """The creation time in a stored ticket snapshot."""
    text = payload.get("created_at")
    try:
        return datetime.fromisoformat(text) if isinstance(text, str) else None
    except ValueError:
        return None
