"""The outbox writer: sends due write-backs, in bulk when there are enough, and settles each.

Per outcome: ``ok`` → done; ``conflict`` → re-read the ticket (done if our write had
landed, else hand the fresh version back to the router, or to the human who took it);
``skipped`` → parked with the reason; ``failed`` or a retriable error → retried with
backoff, parked after ``max_attempts``; a fatal error → parked with the reason.
A row that may already have landed (a crash after sending) is checked before re-sending.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from config.settings import WriterSettings
from connectors.base import Connector, WriteRequest, WriteResult
from connectors.errors import (
    ConflictError,
    ConnectorError,
    FatalError,
    RetriableError,
    SkippableError,
)
from router.decision import Assignment, DecisionTrace
from router.model import Ticket
from sidecar import lifecycle
from sidecar.metrics import Metrics
from sidecar.store import OutboxRow, Store

log = logging.getLogger("deskroute.sidecar.writer")
Clock = Callable[[], datetime]


@dataclass
class WriteRound:
    """What one ``flush`` did."""

    sent: int = 0
    done: int = 0
    conflicts: int = 0
    retried: int = 0
    parked: int = 0
    bulk: bool = False


def request_for(row: OutboxRow) -> WriteRequest:
    """The connector request for an outbox row."""
    trace = DecisionTrace(
        policy=row.policy, ticket_id=row.ticket_id, at=row.created_at, chosen=row.agent_id
    )
    assignment = Assignment(
        ticket_id=row.ticket_id, agent_id=row.agent_id, weight=row.weight, trace=trace,
        group=row.group,
    )  # fmt: skip
    return WriteRequest(
        assignment=assignment, expected_updated_at=row.expected_updated_at, note=row.note
    )


def unproven(fresh: Ticket) -> str:
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
    ) -> None:
        self.connector, self.store, self.settings = connector, store, settings
        self.clock, self.metrics = clock, metrics

    def flush(self, *, backoff: bool = True) -> WriteRound:
        """Send one round of due write-backs and record every outcome.

        ``backoff=False`` (the shutdown flush) also sends rows waiting out a retry delay.
        """
        rows = self.store.outbox.claim(self.clock(), self.settings.batch_max, backoff=backoff)
        result = WriteRound()
        rows = self._not_landed(rows, result)
        if not rows:
            return result
        result.sent = len(rows)
        result.bulk = len(rows) >= self.connector.bulk_threshold
        if result.bulk:
            self._send_bulk(rows, result)
        else:
            for row in rows:
                self._send_one(row, result)
        self.metrics.outbox_depth.set(self.store.outbox.active())
        return result

    def _send_bulk(self, rows: list[OutboxRow], result: WriteRound) -> None:
        try:
            outcomes = self.connector.assign_many([request_for(row) for row in rows])
        except ConnectorError as error:
            for row in rows:
                self._failed(row, error, result)
            return
        for row, outcome in zip(rows, outcomes, strict=True):
            self._settle(row, outcome, result)

    def _send_one(self, row: OutboxRow, result: WriteRound) -> None:
        try:
            outcome = self.connector.assign(request_for(row))
        except ConflictError as error:
            outcome = WriteResult(ticket_id=row.ticket_id, outcome="conflict", detail=str(error))
        except ConnectorError as error:
            self._failed(row, error, result)
            return
        self._settle(row, outcome, result)

    def _settle(self, row: OutboxRow, outcome: WriteResult, result: WriteRound) -> None:
        self.metrics.written.labels(outcome=outcome.outcome).inc()
        if outcome.ok:
            self.store.outbox.done(row, self.clock(), outcome.updated_at)
            result.done += 1
        elif outcome.outcome == "conflict":
            self.metrics.write_errors.labels(kind="conflict").inc()
            self._conflict(row, result)
        elif outcome.outcome == "skipped":
            self._park(row, f"skipped by the help desk: {outcome.detail}", "skippable", result)
        else:
            self._failed(row, RetriableError(outcome.detail or "write failed"), result)

    def _conflict(self, row: OutboxRow, result: WriteRound) -> None:
        """Re-read the ticket: our write may have landed, a human may own it, or decide again."""
        try:
            fresh = self.connector.fetch(row.ticket_id)
        except SkippableError as error:
            self._park(row, f"cannot re-read after a conflict: {error}", "skippable", result)
            return
        except ConnectorError as error:
            self._failed(row, error, result)
            return
        if fresh.assignee == row.agent_id:
            self.store.outbox.done(row, self.clock(), fresh.updated_at, unproven(fresh))
            result.done += 1
            return
        state = self.store.outbox.supersede(row, self.clock(), fresh, "conflict")
        log.info("ticket %s changed since it was read; now %s", row.ticket_id, state)
        result.conflicts += 1

    def _not_landed(self, rows: list[OutboxRow], result: WriteRound) -> list[OutboxRow]:
        """Rows still to send: those sent before (maybe before a crash, maybe in a failed
        batch) whose assignment the help desk already has are recorded done instead.

        One batch read covers them all: after a failed bulk write every row of it was sent
        before, and re-reading them one by one would cost a request each.
        """
        again = [row.ticket_id for row in rows if row.attempts > 0]
        if not again:
            return rows
        try:
            current = self.connector.fetch_many(again)
        except ConnectorError:
            return rows  # sending again is safe: expected_updated_at guards it
        left = []
        for row in rows:
            fresh = current.get(row.ticket_id) if row.attempts > 0 else None
            if fresh is not None and fresh.assignee == row.agent_id:
                self.store.outbox.done(row, self.clock(), fresh.updated_at, unproven(fresh))
                result.done += 1
            else:
                left.append(row)
        return left

    def _failed(self, row: OutboxRow, error: ConnectorError, result: WriteRound) -> None:
        kind = type(error).__name__.removesuffix("Error").lower()
        if isinstance(error, FatalError | SkippableError):
            self._park(row, f"{kind}: {error}", kind, result)
            return
        self.metrics.write_errors.labels(kind=kind).inc()
        if row.attempts + 1 >= self.settings.max_attempts:
            self._park(row, f"gave up after {row.attempts + 1} attempts: {error}", None, result)
            return
        delay = min(
            self.settings.retry_base_seconds * 2**row.attempts, self.settings.retry_max_seconds
        )
        if isinstance(error, RetriableError) and error.retry_after:
            delay = max(delay, error.retry_after)
        now = self.clock()
        self.store.outbox.retry(row, now, str(error), now + timedelta(seconds=delay))
        result.retried += 1

    def _park(self, row: OutboxRow, reason: str, kind: str | None, result: WriteRound) -> None:
        if kind:
            self.metrics.write_errors.labels(kind=kind).inc()
        log.warning("parking ticket %s: %s", row.ticket_id, reason)
        self.store.outbox.park(row, self.clock(), reason)
        result.parked += 1
