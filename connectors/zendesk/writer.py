"""Writing assignments to Zendesk: guarded single updates, bulk jobs, and the bulk check.

A single ``PUT tickets/{id}`` carries ``safe_update`` + ``updated_stamp`` (documented: a
stale stamp answers 409). ``update_many`` carries the same guard per ticket, but Zendesk
does not document that a batch honours it, so after each job the written tickets are
checked (connectors/zendesk/audits.py): their metric sets show, 100 tickets a read, which
ones someone else may have assigned too; those tickets' audits tell, and a person's change
that raced our write is put back with a guarded single update and reported as a conflict,
so the ticket is left to people.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from connectors.base import (
    NO_HOOKS,
    BulkHooks,
    StillOurs,
    WriteRequest,
    WriteResult,
    no_longer_ours,
)
from connectors.budget import Sleep
from connectors.classify import names_agent
from connectors.errors import ConflictError, FatalError, RetriableError, SkippableError
from connectors.jobs import MAX_IN_FLIGHT, PendingJob, failed, finish_jobs
from connectors.outcomes import WriteOutcome
from connectors.values import GroupDirectory, parse_time
from connectors.vendor import ConnectorOptions
from connectors.zendesk import audits, mapping
from connectors.zendesk.api import ZendeskApi
from router.model import Ticket

log = logging.getLogger("deskroute.connectors.zendesk")
BULK_MAX = 100
JOB_DONE = frozenset({"completed", "failed", "killed"})
PUT_BACK_TRIES = 3
"""Reads of a raced ticket's audits before giving up putting the person's choice back."""
CONFLICT_ERRORS = frozenset({"DatabaseConflict"})
"""Job result errors meaning the ticket changed since its ``updated_stamp``."""


class ZendeskWrites:
    """Assign one or many tickets; find and undo bulk writes that overwrote a person."""

    def __init__(
        self,
        api: ZendeskApi,
        groups: Callable[[], GroupDirectory],
        fetch: Callable[[str], Ticket],
        options: ConnectorOptions,
        sleep: Sleep,
    ) -> None:
        self.api, self._groups, self._fetch = api, groups, fetch
        self.options, self._sleep = options, sleep

    # -- one ticket ------------------------------------------------------------------------
    def assign(self, request: WriteRequest) -> WriteResult:
        """Update one ticket with ``safe_update``; a 409 re-reads it and reports a conflict."""
        ticket_id = request.ticket_id
        try:
            body = mapping.update_body(request, self._groups())
            data = self.api.transport.send(
                "PUT",
                f"/api/v2/tickets/{ticket_id}.json",
                json=body,
                limit="update",
                per_ticket=True,
            ).json()
        except ConflictError as error:
            return self._conflict(ticket_id, str(error))
        except SkippableError as error:
            return WriteResult.of_error(ticket_id, error)
        updated = parse_time((data.get("ticket") or {}).get("updated_at"))
        return WriteResult(ticket_id=ticket_id, outcome=WriteOutcome.WRITTEN, updated_at=updated)

    def add_note(self, ticket_id: str, text: str) -> None:
        """A private comment on its own (notes normally ride with the assignment), sent once:
        whoever queued it retries it."""
        self.api.transport.send(
            "PUT",
            f"/api/v2/tickets/{ticket_id}.json",
            json={"ticket": {"comment": {"body": text, "public": False}}},
            limit="update",
            per_ticket=True,
            retry=False,
        )

    def _conflict(self, ticket_id: str, detail: str) -> WriteResult:
        try:
            fresh = self._fetch(ticket_id)
        except SkippableError as error:
            return WriteResult.of_error(ticket_id, error)
        return WriteResult(
            ticket_id=ticket_id,
            outcome=WriteOutcome.CONFLICT,
            detail=detail,
            updated_at=fresh.updated_at,
            fresh=fresh,
        )

    # -- many tickets ----------------------------------------------------------------------
    def assign_many(
        self, requests: Sequence[WriteRequest], hooks: BulkHooks = NO_HOOKS
    ) -> list[WriteResult]:
        """Per 100: check freshness with ``show_many``, ask ``hooks.still_ours`` and submit
        ``update_many`` (each job told to ``hooks.carried``); wait for the jobs together;
        then check the written tickets for a raced person. One result per request, in order."""
        results: dict[str, WriteResult] = {}
        before: dict[str, audits.Stations | None] = {}
        jobs: list[PendingJob] = []
        for start in range(0, len(requests), BULK_MAX):
            chunk = list(requests[start : start + BULK_MAX])
            try:
                job = self._submit_chunk(chunk, results, before, hooks.still_ours)
            except RetriableError as error:
                results.update(failed([r.ticket_id for r in chunk], error))
                continue
            if job is not None:
                jobs.append(job)
                hooks.carried(job.ids, job.ref)
            if len(jobs) >= MAX_IN_FLIGHT:
                results.update(self._finish(jobs))
                jobs = []
        results.update(self._finish(jobs))
        written = [r for r in requests if results[r.ticket_id].ok]
        results.update(self._check(written, before))
        return [results[r.ticket_id] for r in requests]

    def _submit_chunk(
        self,
        chunk: list[WriteRequest],
        results: dict[str, WriteResult],
        before: dict[str, audits.Stations | None],
        still_ours: StillOurs,
    ) -> PendingJob | None:
        """Record stale and unmappable requests in ``results`` and the tickets' counts of
        assignees in ``before``; submit the rest still ours as a job."""
        stale, checked = self._stale(chunk, before)
        results.update(stale)
        ours = set(still_ours([r.ticket_id for r in checked]))
        fresh = [r for r in checked if r.ticket_id in ours]
        results.update(
            {r.ticket_id: no_longer_ours(r.ticket_id) for r in checked if r not in fresh}
        )
        groups = self._groups()
        items = []
        for request in fresh:
            try:
                items.append(mapping.bulk_item(request, groups))
            except SkippableError as error:
                tid = request.ticket_id
                results[tid] = WriteResult.of_error(tid, error)
        if not items:
            return None
        data = self.api.transport.send(
            "PUT", "/api/v2/tickets/update_many.json", json={"tickets": items}
        ).json()
        ref = str(data["job_status"]["id"])
        path = f"/api/v2/job_statuses/{ref}.json"
        return PendingJob(
            ids=[str(item["id"]) for item in items],
            read=lambda: self.api.get(path)["job_status"],
            ref=ref,
        )

    def jobs_running(self, refs: Sequence[str]) -> set[str]:
        """Jobs of ``refs`` still queued or working: ``job_statuses/show_many``, 100 ids a
        read (Zendesk keeps a job's status for a day; one it no longer lists is over)."""
        running: set[str] = set()
        for start in range(0, len(refs), BULK_MAX):
            ids = ",".join(refs[start : start + BULK_MAX])
            data = self.api.get("/api/v2/job_statuses/show_many.json", params={"ids": ids})
            running |= {
                str(job.get("id"))
                for job in data.get("job_statuses") or []
                if str(job.get("status")) not in JOB_DONE
            }
        return running

    def _finish(self, jobs: list[PendingJob]) -> dict[str, WriteResult]:
        """Wait for submitted jobs; per-ticket results (a late or unreadable job: failed)."""
        return finish_jobs(
            jobs,
            is_finished=lambda j: str(j.get("status")) in JOB_DONE,
            results_of=job_results,
            interval=self.options.job_poll_interval,
            timeout=self.options.job_timeout,
            sleep=self._sleep,
        )

    def _stale(
        self, chunk: list[WriteRequest], before: dict[str, audits.Stations | None]
    ) -> tuple[dict[str, WriteResult], list[WriteRequest]]:
        """Split a chunk into conflicts/skips (changed or gone since read) and fresh requests."""
        current, metrics = self.api.show_many_with_metrics([r.ticket_id for r in chunk])
        before.update({tid: audits.stations_of(metric) for tid, metric in metrics.items()})
        results: dict[str, WriteResult] = {}
        fresh = []
        for request in chunk:
            tid = request.ticket_id
            raw = current.get(tid)
            if raw is None:
                results[tid] = WriteResult(
                    ticket_id=tid, outcome=WriteOutcome.PARKED, detail="not found"
                )
                continue
            updated = parse_time(raw.get("updated_at"))
            expected = request.expected_updated_at
            if expected is not None and updated is not None and updated > expected:
                results[tid] = WriteResult(
                    ticket_id=tid,
                    outcome=WriteOutcome.CONFLICT,
                    updated_at=updated,
                    detail="changed since it was read",
                )
            else:
                fresh.append(request)
        return results, fresh

    # -- the check after a bulk write -----------------------------------------------------
    def find_overwrites(self, requests: Sequence[WriteRequest]) -> dict[str, WriteResult]:
        """Landed writes that replaced a person's change: put back, reported as conflicts.

        A write that could not be checked now is reported ``retry_later``: the writer retries the
        check later (it finds the write landed and checks again, without sending it twice).
        """
        return self._check(requests, {})

    def _check(
        self, requests: Sequence[WriteRequest], before: Mapping[str, audits.Stations | None]
    ) -> dict[str, WriteResult]:
        """Per 100 written tickets, one read of their metric sets; the audits of those
        someone else may have assigned since ``before`` (see the module docstring)."""
        found: dict[str, WriteResult] = {}
        for start in range(0, len(requests), BULK_MAX):
            chunk = requests[start : start + BULK_MAX]
            try:
                current, metrics = self.api.show_many_with_metrics([r.ticket_id for r in chunk])
            except RetriableError as error:
                found.update({r.ticket_id: _unchecked(r, error) for r in chunk})
                continue
            for request in chunk:
                tid = request.ticket_id
                raw = current.get(tid)
                if raw is None:
                    continue  # the ticket is gone: nobody to put back
                if str(raw.get("assignee_id")) != request.agent_id:
                    found[tid] = WriteResult(
                        ticket_id=tid,
                        outcome=WriteOutcome.CONFLICT,
                        detail="changed by someone since our write",
                    )
                elif audits.suspect(before.get(tid), audits.stations_of(metrics.get(tid))):
                    found.update(self._audited(request))
        return found

    def _audited(self, request: WriteRequest) -> dict[str, WriteResult]:
        """The ticket's audits say whether our write raced a person (then put back). A
        put-back refused because the ticket changed after the audits were read reads them
        again: a comment or status change since still leaves the person's choice to restore."""
        tid = request.ticket_id
        for _ in range(PUT_BACK_TRIES):
            try:
                overwrite = self._overwrite(request)
            except RetriableError as error:
                return {tid: _unchecked(request, error)}
            except SkippableError:
                return {}  # the ticket is gone: nobody to put back
            if overwrite is None:
                return {}
            try:
                return {tid: self._put_back(overwrite)}
            except ConflictError:
                continue
        return {tid: self._conflict(tid, "raced a person's change; it kept changing since")}

    def _overwrite(self, request: WriteRequest) -> audits.Overwrite | None:
        ticket_id = request.ticket_id
        trail = list(self.api.items(f"/api/v2/tickets/{ticket_id}/audits.json", "audits"))
        return audits.find_overwrite(
            ticket_id,
            trail,
            me=self.api.me(),
            agent_id=request.agent_id,
            read_at=request.expected_updated_at,
        )

    def _put_back(self, overwrite: audits.Overwrite) -> WriteResult:
        """Restore the person's values (guarded); either way the ticket is theirs now.
        ``ConflictError`` when the ticket changed since the audits were read."""
        ticket_id = overwrite.ticket_id
        if not overwrite.restore:
            return self._conflict(
                ticket_id, f"raced a change by user {overwrite.person}; the ticket is theirs"
            )
        log.warning(
            "zendesk: the bulk write on ticket %s raced user %s; putting their assignment back",
            ticket_id,
            overwrite.person,
        )
        detail = f"raced a change by user {overwrite.person}; their assignment was put back"
        try:
            data = self.api.transport.send(
                "PUT",
                f"/api/v2/tickets/{ticket_id}.json",
                json=audits.restore_body(overwrite),
                limit="update",
                per_ticket=True,
            ).json()
        except SkippableError as error:
            return WriteResult(
                ticket_id=ticket_id,
                outcome=WriteOutcome.CONFLICT,
                detail=(
                    f"raced a change by user {overwrite.person}; putting it back failed: {error}"
                ),
            )
        updated = parse_time((data.get("ticket") or {}).get("updated_at"))
        return WriteResult(
            ticket_id=ticket_id, outcome=WriteOutcome.CONFLICT, detail=detail, updated_at=updated
        )


def _unchecked(request: WriteRequest, error: Exception) -> WriteResult:
    """A landed write whose check failed now: ``retry_later``, so the writer checks it again."""
    return WriteResult(
        ticket_id=request.ticket_id,
        outcome=WriteOutcome.RETRY_LATER,
        detail=f"written; the check for a raced person failed: {error}",
    )


def _failed(item: Mapping[str, Any], detail: str) -> WriteOutcome:
    """A ticket a job could not update: changed since its stamp (conflict), the chosen agent
    refused (decided again without them), or anything else (parked)."""
    if item.get("error") in CONFLICT_ERRORS:
        return WriteOutcome.CONFLICT
    return WriteOutcome.AGENT_GONE if names_agent(detail) else WriteOutcome.PARKED


def job_results(ids: list[str], job: Mapping[str, Any]) -> dict[str, WriteResult]:
    """Per-ticket outcomes from a finished Zendesk job status."""
    if str(job.get("status")) != "completed" and not job.get("results"):
        message = str(job.get("message") or job.get("status"))
        if "auth" in message.lower():
            raise FatalError(f"bulk update failed: {message}")
        return {
            tid: WriteResult(ticket_id=tid, outcome=WriteOutcome.RETRY_LATER, detail=message)
            for tid in ids
        }
    results = {
        tid: WriteResult(ticket_id=tid, outcome=WriteOutcome.RETRY_LATER, detail="missing from job")
        for tid in ids
    }
    for item in job.get("results") or []:
        tid = str(item.get("id"))
        if item.get("success", "error" not in item):
            results[tid] = WriteResult(ticket_id=tid, outcome=WriteOutcome.WRITTEN)
        else:
            detail = f"{item.get('error', 'error')}: {item.get('details', '')}".strip(": ")
            results[tid] = WriteResult(ticket_id=tid, outcome=_failed(item, detail), detail=detail)
    return results
