"""Writing assignments to Freshdesk, which has no concurrency control at all.

Freshdesk's v2 API carries no version, ETag or safe-update field: the last write wins. So
every write is preceded by a freshness check, as close to the write as it can be: a single
write re-reads its ticket; a bulk write checks every ticket of the batch, never some of
them, by listing the tickets updated since the oldest read (one read per 100 changes) and
re-reading one by one the few whose read is much older than the rest (their listing would
cost more than they do). The listing covers only the span of the reads: a ticket changed
since its read no longer sits inside it. Freshdesk keeps no change history the API shows,
so a person who changes a ticket between that check and the write is not seen afterwards:
the check is made right before the write to keep that gap small, and a write is sent
once: after a backoff the check would be stale, so a failed write fails, and the outbox
checks again before it sends again; a check older than a second when the next batch is due
is made again for that batch. A batch of one or two for one agent is written with single
updates: a bulk job for it costs more requests than it saves.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

import requests

from connectors.base import (
    NO_HOOKS,
    BulkHooks,
    StillOurs,
    WriteRequest,
    WriteResult,
    no_longer_ours,
)
from connectors.budget import Clock, Sleep
from connectors.classify import names_agent
from connectors.errors import RetriableError, SkippableError
from connectors.freshdesk import mapping
from connectors.freshdesk.cursor import FreshdeskCursor
from connectors.jobs import MAX_IN_FLIGHT, PendingJob, failed, finish_jobs
from connectors.outcomes import WriteOutcome
from connectors.transport import Transport
from connectors.values import GroupDirectory, numeric_id, parse_time

log = logging.getLogger("deskroute.connectors.freshdesk")
BULK_MAX = 100
SMALL_BATCH = 2
"""A batch this small for one agent is written with single updates: a bulk job costs a
submission and at least one status read."""
JOB_RUNNING = frozenset({"IN PROGRESS", "QUEUED", "IN_PROGRESS"})
RECHECK_AFTER = 1.0
"""Seconds after which a freshness check is too old for the next batch: it is made again for
that batch (a round of many small jobs takes seconds, and people act meanwhile)."""
LISTING_SPAN = timedelta(minutes=15)
"""Reads older than the newest one by more than this are re-read one by one: listing every
change since them would cost more than a read each."""
DATE_SLACK = timedelta(seconds=2)
"""A re-check lists changes from this long before the last check's ``Date``: both it and
``updated_at`` are whole seconds."""
Lister = Callable[[FreshdeskCursor], requests.Response]
Reader = Callable[[str], Mapping[str, Any]]


class FreshdeskWrites:
    """Assign one or many tickets, each after checking that nobody changed it since."""

    def __init__(
        self,
        *,
        transport: Transport,
        groups: Callable[[], GroupDirectory],
        list_changes: Lister,
        read: Reader,
        advance: Callable[[FreshdeskCursor], FreshdeskCursor],
        job_poll_interval: float,
        job_timeout: float,
        sleep: Sleep,
        clock: Clock,
    ) -> None:
        self.transport, self._groups, self._clock = transport, groups, clock
        self._checked_at: datetime | None = None  # the desk's clock at the last check
        self._list_changes, self._read, self._advance = list_changes, read, advance
        self._interval, self._timeout, self._sleep = job_poll_interval, job_timeout, sleep

    # -- one ticket ------------------------------------------------------------------------
    def assign(self, request: WriteRequest) -> WriteResult:
        """Re-read ``updated_at``, then update and add the note."""
        ticket_id = request.ticket_id
        try:
            current = parse_time(self._read(ticket_id).get("updated_at"))
        except SkippableError as error:
            return WriteResult.of_error(ticket_id, error)
        expected = request.expected_updated_at
        if expected is not None and current is not None and current > expected:
            return _changed(ticket_id, current)
        return self._put(request)

    def _put(self, request: WriteRequest) -> WriteResult:
        """One update, sent once, and its note; the freshness check is the caller's."""
        ticket_id = request.ticket_id
        try:
            data = self.transport.send(
                "PUT",
                f"/api/v2/tickets/{ticket_id}",
                per_ticket=True,
                json=mapping.update_body(request, self._groups()),
                retry=False,
            ).json()
            if request.note:
                self._note(ticket_id, request.note)
        except SkippableError as error:
            return WriteResult.of_error(ticket_id, error)
        return WriteResult(
            ticket_id=ticket_id,
            outcome=WriteOutcome.WRITTEN,
            updated_at=parse_time(data.get("updated_at")),
        )

    def add_note(self, ticket_id: str, text: str) -> None:
        """A private note on one ticket, sent once (the writer's notes queue retries it)."""
        self._note(ticket_id, text, retry=False)

    def _note(self, ticket_id: str, text: str, *, retry: bool = True) -> None:
        self.transport.send(
            "POST",
            f"/api/v2/tickets/{ticket_id}/notes",
            json=mapping.note_body(text),
            per_ticket=True,
            retry=retry,
        )

    # -- many tickets ----------------------------------------------------------------------
    def assign_many(
        self, requests: Sequence[WriteRequest], hooks: BulkHooks = NO_HOOKS
    ) -> list[WriteResult]:
        """Check every ticket's freshness, then ``bulk_update`` per agent and group (Freshdesk
        applies one property set to all ids), 100 ids a job; each batch still ours right
        before it goes (``hooks.still_ours``), each job told to ``hooks.carried``; jobs
        awaited together."""
        checked_at = self._clock()
        results: dict[str, WriteResult] = dict(self.stale(requests))
        jobs: list[PendingJob] = []
        batches = list(self._batches(requests, results).items())
        for index, (properties, batch) in enumerate(batches):
            if self._clock() - checked_at > RECHECK_AFTER:
                self._recheck([r for _, later in batches[index:] for r in later], results)
                checked_at = self._clock()
            batch = self._still_ours(
                [r for r in batch if r.ticket_id not in results], hooks.still_ours, results
            )
            if not batch:
                continue
            if len(batch) <= SMALL_BATCH:
                results.update({r.ticket_id: self._put_quietly(r) for r in batch})
                continue
            for start in range(0, len(batch), BULK_MAX):
                job = self._submit(batch[start : start + BULK_MAX], dict(properties), results)
                if job is not None:
                    jobs.append(job)
                    hooks.carried(job.ids, job.ref)
                if len(jobs) >= MAX_IN_FLIGHT:
                    results.update(self._finish(jobs, requests))
                    jobs = []
        results.update(self._finish(jobs, requests))
        return [results[r.ticket_id] for r in requests]

    @staticmethod
    def _still_ours(
        batch: list[WriteRequest], still_ours: StillOurs, results: dict[str, WriteResult]
    ) -> list[WriteRequest]:
        """The requests of ``batch`` still ours to send; the others are recorded not sent."""
        if not batch:
            return batch
        ours = set(still_ours([r.ticket_id for r in batch]))
        results.update({r.ticket_id: no_longer_ours(r.ticket_id) for r in batch
                        if r.ticket_id not in ours})  # fmt: skip
        return [r for r in batch if r.ticket_id in ours]

    def _recheck(self, waiting: list[WriteRequest], results: dict[str, WriteResult]) -> None:
        """Check every request not sent yet again; the changed and gone go to ``results``.

        Each was found unchanged by the last check, which covered them all, so only what
        changed since that check can make one stale: the listing starts at the desk's own
        time of that check (its ``Date`` header), a little before, and runs to the end,
        usually a page. Every waiting request is matched against it, not only the next
        batch's, so the one after it can start from this check too. Without the desk's
        time the whole check is made again."""
        waiting = [r for r in waiting if r.ticket_id not in results]
        since = self._checked_at
        if since is None:
            results.update(self.stale(waiting))
            return
        expected = {
            r.ticket_id: r.expected_updated_at for r in waiting if r.expected_updated_at is not None
        }
        results.update(self._changes_since(since - DATE_SLACK, expected))

    def _changes_since(
        self, since: datetime, expected: Mapping[str, datetime]
    ) -> dict[str, WriteResult]:
        """Tickets of ``expected`` listed as changed after their read, among every change
        from ``since`` to the end of the listing."""
        found: dict[str, WriteResult] = {}
        for row in self._listed_rows(since):
            tid, stamp = str(row.get("id")), parse_time(row.get("updated_at"))
            if tid in expected and stamp is not None and stamp > expected[tid]:
                found[tid] = _changed(tid, stamp)
        return found

    def _listed_rows(
        self, since: datetime, until: datetime | None = None
    ) -> Iterator[Mapping[str, Any]]:
        """The changes listed from ``since``, oldest first, to the end of the listing or
        past ``until``; the desk's time at the first page is kept as this check's time."""
        state = FreshdeskCursor(since=since)
        first = True
        while True:
            response = self._list_changes(state)
            if first:
                self._checked_at, first = desk_time(response), False
            rows = response.json()
            yield from rows
            state = state.absorb(rows)
            past = until is not None and state.tail is not None and state.tail > until
            if "next" not in response.links or past:
                return
            state = self._advance(state)

    def _put_quietly(self, request: WriteRequest) -> WriteResult:
        """``_put``, a transient failure reported as ``retry_later`` (the batch goes on)."""
        try:
            return self._put(request)
        except RetriableError as error:
            return WriteResult(
                ticket_id=request.ticket_id, outcome=WriteOutcome.RETRY_LATER, detail=str(error)
            )

    def _batches(
        self, requests: Sequence[WriteRequest], results: dict[str, WriteResult]
    ) -> dict[tuple[tuple[str, int | None], ...], list[WriteRequest]]:
        """The fresh requests grouped by the properties their job sets; unmappable ones are
        recorded ``parked`` in ``results``."""
        batches: dict[tuple[tuple[str, int | None], ...], list[WriteRequest]] = {}
        groups = self._groups()
        for request in requests:
            tid = request.ticket_id
            if tid in results:
                continue
            try:
                body = mapping.update_body(request, groups)
                numeric_id(tid, "ticket")
            except SkippableError as error:
                results[tid] = WriteResult.of_error(tid, error)
                continue
            key = (("responder_id", body["responder_id"]),) + (
                (("group_id", body["group_id"]),) if body.get("group_id") else ()
            )
            batches.setdefault(key, []).append(request)
        return batches

    def stale(self, requests: Sequence[WriteRequest]) -> dict[str, WriteResult]:
        """Conflicts (changed since read) and skips (gone) among ``requests``, every ticket
        checked: by one listing of the changes since the oldest recent read, and one read
        each for reads older than ``LISTING_SPAN`` before the newest."""
        expected = {
            r.ticket_id: r.expected_updated_at
            for r in requests
            if r.expected_updated_at is not None
        }
        if not expected:
            return {}
        self._checked_at = None  # set by the listing below, from the desk's clock
        horizon = max(expected.values()) - LISTING_SPAN
        listed = {tid: at for tid, at in expected.items() if at >= horizon}
        found = self._listed_changes(listed)
        for tid, at in expected.items():
            if at < horizon:
                found.update(self._read_change(tid, at))
        return found

    def _listed_changes(self, expected: Mapping[str, datetime]) -> dict[str, WriteResult]:
        """Tickets changed since we read them, from the listing of changes ordered by
        ``updated_at``, read from the oldest read until it passes the newest one.

        A ticket's current ``updated_at`` is at least its read's, so it shows in that span
        unless it changed after the span, or is gone: the few the span does not show are
        read one by one to tell which.
        """
        current: dict[str, datetime] = {}
        for row in self._listed_rows(min(expected.values()), until=max(expected.values())):
            stamp = parse_time(row.get("updated_at"))
            if str(row.get("id")) in expected and stamp is not None:
                current[str(row.get("id"))] = stamp
        found: dict[str, WriteResult] = {}
        for tid, at in expected.items():
            stamp = current.get(tid)
            if stamp is None:
                found.update(self._read_change(tid, at))
            elif stamp > at:
                found[tid] = _changed(tid, stamp)
        return found

    def _read_change(self, ticket_id: str, expected: datetime) -> dict[str, WriteResult]:
        try:
            current = parse_time(self._read(ticket_id).get("updated_at"))
        except SkippableError as error:
            return {ticket_id: WriteResult.of_error(ticket_id, error)}
        return (
            {ticket_id: _changed(ticket_id, current)}
            if current is not None and current > expected
            else {}
        )

    def _submit(
        self,
        batch: list[WriteRequest],
        properties: Mapping[str, Any],
        results: dict[str, WriteResult],
    ) -> PendingJob | None:
        """Start one ``bulk_update`` job; a batch that cannot be sent is failed in ``results``."""
        ids = [r.ticket_id for r in batch]
        try:
            data = self.transport.send(
                "POST",
                "/api/v2/tickets/bulk_update",
                json=mapping.bulk_body([int(i) for i in ids], properties),
                retry=False,
            ).json()
        except (RetriableError, SkippableError) as error:
            results.update(failed(ids, error))
            return None
        ref = str(data["job_id"])
        path = f"/api/v2/jobs/{ref}"
        return PendingJob(ids=ids, read=lambda: self.transport.send("GET", path).json(), ref=ref)

    def jobs_running(self, refs: Sequence[str]) -> set[str]:
        """Jobs of ``refs`` still queued or in progress, one ``GET jobs/{id}`` each (Freshdesk
        has no batch read of jobs); one it no longer knows (404) is over."""
        running: set[str] = set()
        for ref in refs:
            try:
                job = self.transport.send("GET", f"/api/v2/jobs/{ref}").json()
            except SkippableError:
                continue
            if str(job.get("status", "")).upper() in JOB_RUNNING:
                running.add(ref)
        return running

    def _finish(
        self, jobs: list[PendingJob], requests: Sequence[WriteRequest]
    ) -> dict[str, WriteResult]:
        """Wait for the jobs, then add the private notes of the tickets that were written."""
        results = finish_jobs(
            jobs,
            is_finished=lambda j: str(j.get("status", "")).upper() not in JOB_RUNNING,
            results_of=job_results,
            interval=self._interval,
            timeout=self._timeout,
            sleep=self._sleep,
        )
        notes = {r.ticket_id: r.note for r in requests if r.note}
        for tid, result in results.items():
            if result.ok and tid in notes:
                self._note_quietly(tid, str(notes[tid]))
        return results

    def _note_quietly(self, ticket_id: str, text: str) -> None:
        try:
            self._note(ticket_id, text)
        except (SkippableError, RetriableError) as error:
            log.warning("freshdesk: note on ticket %s failed: %s", ticket_id, error)


def desk_time(response: requests.Response) -> datetime | None:
    """The help desk's clock when it answered (the ``Date`` header), if it said."""
    try:
        return parsedate_to_datetime(response.headers["Date"])
    except (KeyError, TypeError, ValueError):
        return None


def _changed(ticket_id: str, stamp: datetime) -> WriteResult:
    return WriteResult(
        ticket_id=ticket_id,
        outcome=WriteOutcome.CONFLICT,
        updated_at=stamp,
        detail="changed since it was read",
    )


def job_results(ids: list[str], job: Mapping[str, Any]) -> dict[str, WriteResult]:
    """Per-ticket outcomes of a finished bulk job (``data`` lists failures when present)."""
    status = str(job.get("status", "")).upper()
    per_id = {
        str(item.get("id")): item for item in job.get("data") or [] if isinstance(item, Mapping)
    }
    results: dict[str, WriteResult] = {}
    for ticket in map(str, ids):
        item = per_id.get(ticket)
        if item is not None and not item.get("success", True):
            detail = str(item.get("message") or item.get("error") or "failed in bulk job")
            refused = WriteOutcome.AGENT_GONE if names_agent(detail) else WriteOutcome.PARKED
            results[ticket] = WriteResult(ticket_id=ticket, outcome=refused, detail=detail)
        elif item is None and status not in {"SUCCESS", "COMPLETED"}:
            results[ticket] = WriteResult(
                ticket_id=ticket,
                outcome=WriteOutcome.RETRY_LATER,
                detail=f"bulk job ended {status}",
            )
        else:
            results[ticket] = WriteResult(ticket_id=ticket, outcome=WriteOutcome.WRITTEN)
    return results
