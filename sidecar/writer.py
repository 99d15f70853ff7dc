"""The outbox writer: sends due write-backs, in bulk when there are enough, and settles each.

Every write ends in one ``WriteOutcome`` (connectors/outcomes.py; an error the connector
raises is turned into one by ``WriteResult.of_error``), and ``_settle`` acts on it in one
place: ``written`` → done; ``conflict`` → the ticket as the conflict check re-read it (or,
when the connector did not re-read it, one re-read here): done if our write had landed,
else handed back to the router, or to the human who took it; ``agent_gone`` → the help
desk refused the chosen agent (deleted, deactivated, out of the group): the ticket goes
back to ``pending`` and the agent is left out until the roster is read again;
``retry_later`` → retried with backoff, parked after ``max_attempts``; ``auth_paused`` →
the round stops and gives its rows back (sidecar/access.py); ``parked`` → parked with the
reason. A row that may already have landed (a crash after sending) is checked before
re-sending. Right before the help desk is called the claim is confirmed in the store: a
leader deposed meanwhile (``DeposedError``) sends nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from config.settings import WriterSettings
from connectors.base import BulkHooks, Connector, WriteRequest, WriteResult
from connectors.errors import ConnectorError, FatalError
from connectors.outcomes import WriteOutcome, outcome_of
from router.model import Ticket
from sidecar import lifecycle
from sidecar.access import DeskAccessRefusedError
from sidecar.metrics import Metrics
from sidecar.store import NoteRow, OutboxRow, Store

log = logging.getLogger("deskroute.sidecar.writer")
Clock = Callable[[], datetime]
AgentGone = Callable[[str], None]
JOB_RECHECK = timedelta(seconds=2)
"""How long write-backs whose bulk job is still running wait before it is asked again."""


@dataclass
class WriteRound:
    """What one ``flush`` did."""

    sent: int = 0
    done: int = 0
    conflicts: int = 0
    retried: int = 0
    parked: int = 0
    redecided: int = 0
    bulk: bool = False
    notes: int = 0


def request_for(row: OutboxRow, *, with_note: bool = True) -> WriteRequest:
    """The connector request for an outbox row (``with_note=False``: its note goes later)."""
    return WriteRequest(
        ticket_id=row.ticket_id,
        agent_id=row.agent_id,
        group=row.group,
        expected_updated_at=row.expected_updated_at,
        note=row.note if with_note else None,
    )


def unproven(fresh: Ticket) -> lifecycle.TicketState:
    """The state of a ticket a re-read shows assigned to our agent, without proof that the
    write was ours: a person may have chosen the same agent (the chaos run saw a person
    take and solve a ticket before our write was re-checked, and follow-through then moved
    it). Hands off: ``human``, or ``closed`` when the help desk says it is finished."""
    closed = lifecycle.status_of(fresh) in lifecycle.CLOSED_STATUSES
    return lifecycle.CLOSED if closed else lifecycle.HUMAN


class Writer:
    """Drains the outbox through one connector."""

    def __init__(
        self,
        *,
        connector: Connector,
        store: Store,
        settings: WriterSettings,
        clock: Clock,
        metrics: Metrics,
        agent_gone: AgentGone = lambda _agent_id: None,
    ) -> None:
        """``agent_gone`` is told each agent the help desk refused for a ticket (the pipeline
        leaves them out until it reads the roster again)."""
        self.connector, self.store, self.settings = connector, store, settings
        self.clock, self.metrics, self.agent_gone = clock, metrics, agent_gone

    def flush(self, *, backoff: bool = True) -> WriteRound:
        """Send one round of due write-backs and record every outcome.

        ``backoff=False`` (the shutdown flush) also sends rows waiting out a retry delay.
        """
        rows = self.store.outbox.claim(self.clock(), self.settings.batch_max, backoff=backoff)
        result = WriteRound()
        try:
            rows = self.store.outbox.confirm(self._not_landed(self._bounded(rows), result))
            if rows:
                self._send(rows, result)
        except DeskAccessRefusedError:
            self.store.outbox.release(rows)  # those still ``sending``: their attempt is void
            raise
        if rows:
            self.metrics.outbox_depth.set(self.store.outbox.active())
        result.notes = self.post_notes()
        return result

    def _send(self, rows: list[OutboxRow], result: WriteRound) -> None:
        result.sent = len(rows)
        result.bulk = len(rows) >= self.connector.bulk_threshold
        if result.bulk:
            self._send_bulk(rows, result)
        else:
            for row in rows:
                self._send_one(row, result)

    def post_notes(self) -> int:
        """Post up to ``notes_per_round`` queued notes, after the assignments they explain;
        returns how many were posted. One that keeps failing is dropped, never an
        assignment: the decision's explanation stays in the store either way."""
        now, posted = self.clock(), 0
        for note in self.store.notes.due(self.settings.notes_per_round):
            try:
                self.connector.add_note(note.ticket_id, note.body)
            except ConnectorError as error:
                self._note_failed(note, error, now)
            else:
                self.store.notes.posted(note, now)
                posted += 1
        return posted

    def _note_failed(self, note: NoteRow, error: ConnectorError, now: datetime) -> None:
        """Kept through a pause for refused credentials, retried when transient, dropped
        when the help desk will not take it (or after ``max_attempts``)."""
        outcome = outcome_of(error)
        if outcome is WriteOutcome.AUTH_PAUSED:
            raise DeskAccessRefusedError(error) from error  # kept: posted after the pause
        if outcome in (WriteOutcome.PARKED, WriteOutcome.AGENT_GONE):
            self.store.notes.dropped(note, now, str(error))
        elif note.attempts + 1 >= self.settings.max_attempts:
            log.warning("dropping the note on ticket %s: %s", note.ticket_id, error)
            self.store.notes.dropped(note, now, str(error))
        else:
            delay = min(
                self.settings.retry_base_seconds * 2**note.attempts,
                self.settings.retry_max_seconds,
            )
            self.store.notes.retry(note, str(error), timedelta(seconds=delay))

    def _send_bulk(self, rows: list[OutboxRow], result: WriteRound) -> None:
        by_ticket = {row.ticket_id: row for row in rows}

        def of(ticket_ids: Sequence[str]) -> list[OutboxRow]:
            return [by_ticket[t] for t in ticket_ids if t in by_ticket]

        def still_ours(ticket_ids: Sequence[str]) -> list[str]:
            # raises DeposedError for a leader stalled past its lease: it sends nothing
            return [row.ticket_id for row in self.store.outbox.confirm(of(ticket_ids))]

        def carried(ticket_ids: Sequence[str], job: str) -> None:
            self.store.outbox.carried(of(ticket_ids), job)

        hooks = BulkHooks(still_ours=still_ours, carried=carried)
        try:
            outcomes = self.connector.assign_many([self._request(row) for row in rows], hooks)
        except ConnectorError as error:
            outcomes = [WriteResult.of_error(row.ticket_id, error) for row in rows]
        for row, outcome in zip(rows, outcomes, strict=True):
            self._settle(row, outcome, result)

    def _send_one(self, row: OutboxRow, result: WriteRound) -> None:
        try:
            outcome = self.connector.assign(self._request(row))
        except ConnectorError as error:
            outcome = WriteResult.of_error(row.ticket_id, error)
        self._settle(row, outcome, result)

    def _request(self, row: OutboxRow) -> WriteRequest:
        """The write for a row; its note rides along unless this help desk posts notes one
        request each, which the writer does after the assignments (``post_notes``)."""
        return request_for(row, with_note=self.connector.notes_in_bulk)

    def _later(self, row: OutboxRow) -> str | None:
        """The note to queue with a done write (None: it went with the write, or none)."""
        return None if self.connector.notes_in_bulk else row.note

    def _settle(self, row: OutboxRow, outcome: WriteResult, result: WriteRound) -> None:
        """Act on one write's outcome: the one place each ``WriteOutcome`` is handled."""
        kind = outcome.outcome
        if kind is WriteOutcome.AUTH_PAUSED:
            refusal = FatalError(outcome.detail, status=outcome.status)
            raise DeskAccessRefusedError(refusal)  # every write would fail alike: park none
        self.metrics.written.labels(outcome=kind).inc()
        match kind:
            case WriteOutcome.WRITTEN:
                self._written(row, outcome)
                result.done += 1
                return
            case WriteOutcome.CONFLICT:
                self._conflict(row, outcome.fresh, result)
            case WriteOutcome.AGENT_GONE:
                self._agent_gone(row, outcome.detail, result)
            case WriteOutcome.PARKED:
                self._park(row, f"refused by the help desk: {outcome.detail}", result)
            case _:
                self._retry(row, outcome, result)
        self.metrics.write_errors.labels(kind=kind).inc()

    def _written(self, row: OutboxRow, outcome: WriteResult) -> None:
        """Record a write the help desk took, and how long the ticket waited for it."""
        now = self.clock()
        created = self.store.outbox.done(row, now, outcome.updated_at, note=self._later(row))
        if created is not None:
            self.metrics.time_to_assignment.observe(max(0.0, (now - created).total_seconds()))

    def _conflict(self, row: OutboxRow, fresh: Ticket | None, result: WriteRound) -> None:
        """Our write may have landed, a human may own the ticket, or it is decided again:
        judged on the ticket as the connector's conflict check re-read it, or re-read once
        here when it did not."""
        if fresh is None:
            try:
                fresh = self.connector.fetch(row.ticket_id)
            except ConnectorError as error:
                self._unreadable(row, error, result)
                return
        if fresh.assignee == row.agent_id:
            self.store.outbox.done(row, self.clock(), fresh.updated_at, unproven(fresh))
            result.done += 1
            return
        state = self.store.outbox.supersede(row, self.clock(), fresh, "conflict")
        log.info("ticket %s changed since it was read; now %s", row.ticket_id, state)
        result.conflicts += 1

    def _unreadable(self, row: OutboxRow, error: ConnectorError, result: WriteRound) -> None:
        """A conflict whose re-read failed: settled as the re-read's own outcome (a ticket
        gone since is parked, a transient failure retried, refused credentials pause)."""
        outcome = WriteResult.of_error(row.ticket_id, error)
        if outcome.outcome in (WriteOutcome.CONFLICT, WriteOutcome.AGENT_GONE):
            outcome = replace(outcome, outcome=WriteOutcome.RETRY_LATER)  # a read: try again
        detail = f"cannot re-read after a conflict: {outcome.detail}"
        self._settle(row, replace(outcome, detail=detail), result)

    def _agent_gone(self, row: OutboxRow, detail: str, result: WriteRound) -> None:
        """The help desk refused the chosen agent: decide again, without them."""
        log.info("ticket %s: the help desk refused agent %s (%s); deciding again",
                 row.ticket_id, row.agent_id, detail)  # fmt: skip
        if self.store.outbox.redecide(row, self.clock(), f"agent refused: {detail}"):
            self.agent_gone(row.agent_id)
            result.redecided += 1

    def _bounded(self, rows: list[OutboxRow]) -> list[OutboxRow]:
        """At most ``recheck_per_round`` rows that need a re-read before sending; the rest go
        back, for the next rounds. After a crash in a round of 100 (a help desk without a
        batch read re-reads one by one), this keeps each round short enough to finish and
        record its progress before the next interruption."""
        again = [row for row in rows if row.attempts > 0]
        later = again[self.settings.recheck_per_round :]
        self.store.outbox.release(later)
        return [row for row in rows if row not in later]

    def _not_landed(self, rows: list[OutboxRow], result: WriteRound) -> list[OutboxRow]:
        """Rows still to send: those sent before (maybe before a crash, maybe in a failed
        batch) whose assignment the help desk already has are recorded done instead, unless
        the landed write replaced a person's change (then it is put back and they own it).

        One batch read covers them all: after a failed bulk write every row of it was sent
        before, and re-reading them one by one would cost a request each.
        """
        rows = self._not_in_running_jobs(rows)
        again = [row.ticket_id for row in rows if row.attempts > 0]
        if not again:
            return rows
        try:
            current = self.connector.fetch_many(again)
        except ConnectorError:
            return rows  # sending again is safe: expected_updated_at guards it
        landed = [
            row
            for row in rows
            if row.attempts > 0
            and row.ticket_id in current
            and current[row.ticket_id].assignee == row.agent_id
        ]
        if landed:
            self._settle_landed(landed, current, result)
        return [row for row in rows if row not in landed]

    def _not_in_running_jobs(self, rows: list[OutboxRow]) -> list[OutboxRow]:
        """Rows whose last attempt rode in a bulk job the help desk has not finished go back
        for ``JOB_RECHECK``: a re-read cannot show their write yet, and sending them again
        would write each a second time when the job runs (after a leader's crash, or a job
        slower than the wait for it: the chaos run's ``double=25``, issue 16). When the
        help desk cannot say, they wait too."""
        jobs = sorted({row.job for row in rows if row.attempts > 0 and row.job})
        if not jobs:
            return rows
        try:
            running = self.connector.jobs_running(jobs)
        except ConnectorError as error:
            log.info("cannot tell whether bulk jobs are still running: %s", error)
            running = set(jobs)
        held = [row for row in rows if row.attempts > 0 and row.job in running]
        if held:
            log.info("%d write-backs wait for %d bulk jobs still running at the help desk",
                     len(held), len({row.job for row in held}))  # fmt: skip
            self.store.outbox.release(held, JOB_RECHECK)
        return [row for row in rows if row not in held]

    def _settle_landed(
        self, landed: list[OutboxRow], current: dict[str, Ticket], result: WriteRound
    ) -> None:
        """Done, unless the write replaced a person's change (put back: theirs now) or the
        check could not be made (retried later, without sending again)."""
        try:
            found = self.connector.find_overwrites([request_for(row) for row in landed])
        except ConnectorError as error:
            for row in landed:
                self._settle(row, WriteResult.of_error(row.ticket_id, error), result)
            return
        for row in landed:
            if row.ticket_id in found:
                self._settle(row, found[row.ticket_id], result)
            else:
                fresh = current[row.ticket_id]
                self.store.outbox.done(row, self.clock(), fresh.updated_at, unproven(fresh))
                result.done += 1

    def _retry(self, row: OutboxRow, outcome: WriteResult, result: WriteRound) -> None:
        """Send again after a backoff (at least what the help desk asked), or park once the
        attempts run out."""
        if row.attempts + 1 >= self.settings.max_attempts:
            self._park(row, f"gave up after {row.attempts + 1} attempts: {outcome.detail}", result)
            return
        delay = min(
            self.settings.retry_base_seconds * 2**row.attempts, self.settings.retry_max_seconds
        )
        delay = max(delay, outcome.retry_after or 0.0)
        now = self.clock()
        self.store.outbox.retry(row, now, outcome.detail, now + timedelta(seconds=delay))
        result.retried += 1

    def _park(self, row: OutboxRow, reason: str, result: WriteRound) -> None:
        log.warning("parking ticket %s: %s", row.ticket_id, reason)
        self.store.outbox.park(row, self.clock(), reason)
        result.parked += 1
