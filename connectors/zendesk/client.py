"""Zendesk Support connector: incremental export polling, roster, safe updates, bulk jobs."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from connectors.base import PollPage, RosterSnapshot, WriteRequest, WriteResult
from connectors.budget import Sleep
from connectors.errors import ConflictError, FatalError, RetriableError, SkippableError
from connectors.history import HistoryRecord
from connectors.jobs import MAX_IN_FLIGHT, PendingJob, failed, wait_for_jobs
from connectors.transport import Transport
from connectors.values import map_each, map_one, parse_time
from connectors.vendor import ConnectorOptions, VendorConnector
from connectors.zendesk import mapping
from router.model import AgentStatus, Ticket

log = logging.getLogger("deskroute.connectors.zendesk")
BULK_MAX = 100
SEARCH_MAX_PAGES = 10  # 1,000-result cap at 100 per page
JOB_DONE = frozenset({"completed", "failed", "killed"})
OPEN_QUERY = "type:ticket status<solved"
CONFLICT_ERRORS = frozenset({"DatabaseConflict"})
"""Job result errors meaning the ticket changed since its ``updated_stamp``."""


@dataclass(frozen=True, kw_only=True, slots=True)
class ZendeskOptions(ConnectorOptions):
    """Knobs of the Zendesk connector (all have sane defaults)."""

    export_page_size: int = 1000


class ZendeskConnector(VendorConnector):
    """The ``Connector`` for Zendesk Support (also works against the sandbox)."""

    name = "zendesk"

    def __init__(self, transport: Transport, options: ZendeskOptions, sleep: Sleep) -> None:
        super().__init__(transport, options, sleep)
        self.options = options

    # -- reading ---------------------------------------------------------------------------
    def poll(self, cursor: str | None) -> PollPage:
        """One page of the cursor-based incremental export (``start_time`` only the first time).

        Every changed ticket is handed over, solved and closed ones too, with its status and
        first reply time (``metric_sets`` sideload), so the sidecar sees tickets close and
        reopen and can time first replies.
        """
        data = self._export_page(cursor, self.options.start_time, include="metric_sets")
        groups = self.groups()
        metrics = mapping.metric_sets_by_ticket(data)
        tickets = map_each(data.get("tickets") or [], lambda raw: mapping.ticket_from_json(
            raw, groups, metrics.get(str(raw.get("id")))), "zendesk ticket")
        next_cursor = data.get("after_cursor") or cursor
        return PollPage(tickets=tuple(tickets), cursor=next_cursor,
                        done=bool(data.get("end_of_stream")))

    def _export_page(
        self, cursor: str | None, start: datetime, include: str | None
    ) -> Mapping[str, Any]:
        params: dict[str, Any] = {"per_page": self.options.export_page_size}
        if cursor:
            params["cursor"] = cursor
        else:
            params["start_time"] = int(start.timestamp())
        if include:
            params["include"] = include
        path = "/api/v2/incremental/tickets/cursor.json"
        result: Mapping[str, Any] = self.transport.send("GET", path, params=params,
                                                        limit="export").json()
        return result

    def fetch(self, ticket_id: str) -> Ticket:
        """Re-read one ticket with its metric set; a deleted ticket raises ``SkippableError``."""
        path = f"/api/v2/tickets/{ticket_id}.json"
        data = self.transport.send("GET", path, params={"include": "metric_sets"},
                                   per_ticket=True).json()
        raw = data["ticket"]
        metrics = mapping.metric_sets_by_ticket(data).get(str(raw.get("id")))
        groups = self.groups()
        return map_one(raw, lambda r: mapping.ticket_from_json(r, groups, metrics),
                       "zendesk ticket")

    def fetch_many(self, ticket_ids: Sequence[str]) -> dict[str, Ticket]:
        """Re-read tickets with ``show_many``, 100 per request (unknown ids are left out)."""
        groups = self.groups()
        found: dict[str, Ticket] = {}
        for start in range(0, len(ticket_ids), BULK_MAX):
            for ticket in map_each(self._show_many(ticket_ids[start:start + BULK_MAX]),
                                   lambda raw: mapping.ticket_from_json(raw, groups),
                                   "zendesk ticket"):
                found[ticket.id] = ticket
        return found

    def _show_many(self, ticket_ids: Sequence[str]) -> list[Mapping[str, Any]]:
        """The raw tickets of up to 100 ids, in one ``show_many`` request."""
        data = self.transport.send("GET", "/api/v2/tickets/show_many.json",
                                   params={"ids": ",".join(ticket_ids)}).json()
        return list(data.get("tickets") or [])

    def _group_rows(self) -> Iterator[Mapping[str, Any]]:
        return self._list("/api/v2/groups.json", "groups")

    def roster(self) -> RosterSnapshot:
        """Agents with group memberships, unified availability and open-ticket load."""
        groups = self.groups(refresh=True)
        members = mapping.memberships_by_user(
            self._list("/api/v2/group_memberships.json", "group_memberships"), groups)
        presence = mapping.availability_by_user(self._list("/api/v2/agent_availabilities",
                                                           "data"))
        users = self._list("/api/v2/users.json", "users", {"role[]": ["agent", "admin"]})
        agents = tuple(map_each(users, lambda user: mapping.agent_from_json(
            user, members.get(str(user["id"]), frozenset()),
            presence.get(str(user["id"]), AgentStatus.ONLINE), self.options.max_load,
        ), "zendesk agent"))
        known = {agent.id for agent in agents}
        loads = {k: v for k, v in self._open_loads().items() if k in known}
        return RosterSnapshot(agents=agents, loads=loads)

    def _open_loads(self) -> dict[str, float]:
        """Open tickets per assignee via search (offset pages, capped at 1,000 results)."""
        loads: dict[str, float] = {}
        for page in range(1, SEARCH_MAX_PAGES + 1):
            data = self.transport.send("GET", "/api/v2/search.json", params={
                "query": OPEN_QUERY, "page": page, "per_page": 100}).json()
            for result in data.get("results") or []:
                if result.get("assignee_id") is not None:
                    key = str(result["assignee_id"])
                    loads[key] = loads.get(key, 0.0) + 1.0
            if not data.get("next_page"):
                return loads
        log.warning("zendesk: more than 1,000 open tickets; loads are a lower bound")
        return loads

    def _list(self, path: str, key: str, params: Mapping[str, Any] | None = None
              ) -> Iterator[Mapping[str, Any]]:
        """Every item of a cursor-paginated list (``page[size]``; stop when ``has_more`` ends)."""
        query: Mapping[str, Any] | None = {**(params or {}), "page[size]": 100}
        url = path
        while True:
            data = self.transport.send("GET", url, params=query).json()
            yield from data.get(key) or []
            meta, links = data.get("meta") or {}, data.get("links") or {}
            if not meta.get("has_more") or not links.get("next"):
                return
            url, query = links["next"], None

    def history(self, since: datetime) -> Iterator[HistoryRecord]:
        """Solved and closed tickets changed since ``since``, with their metric sets."""
        cursor: str | None = None
        groups = self.groups()
        while True:
            data = self._export_page(cursor, since, include="metric_sets")
            metrics = mapping.metric_sets_by_ticket(data)
            for raw in data.get("tickets") or []:
                if str(raw.get("status")) in mapping.FINISHED:
                    try:
                        yield mapping.history_from_json(raw, metrics.get(str(raw.get("id"))),
                                                        groups)
                    except (SkippableError, ValueError) as error:
                        log.warning("zendesk: ticket %s left out of history: %s",
                                    raw.get("id"), error)
            cursor = data.get("after_cursor") or cursor
            if data.get("end_of_stream"):
                return

    # -- writing ---------------------------------------------------------------------------
    def assign(self, request: WriteRequest) -> WriteResult:
        """Update one ticket with ``safe_update``; a 409 re-reads it and reports a conflict."""
        ticket_id = request.assignment.ticket_id
        try:
            body = mapping.update_body(request, self.groups())
            data = self.transport.send("PUT", f"/api/v2/tickets/{ticket_id}.json", json=body,
                                       limit="update", per_ticket=True).json()
        except ConflictError as error:
            return self._conflict(ticket_id, str(error))
        except SkippableError as error:
            return WriteResult(ticket_id=ticket_id, outcome="skipped", detail=str(error))
        updated = parse_time((data.get("ticket") or {}).get("updated_at"))
        return WriteResult(ticket_id=ticket_id, outcome="ok", updated_at=updated)

    def _conflict(self, ticket_id: str, detail: str) -> WriteResult:
        try:
            fresh = self.fetch(ticket_id)
        except SkippableError as error:
            return WriteResult(ticket_id=ticket_id, outcome="skipped", detail=str(error))
        return WriteResult(ticket_id=ticket_id, outcome="conflict", detail=detail,
                           updated_at=fresh.updated_at)

    def assign_many(self, requests: Sequence[WriteRequest]) -> list[WriteResult]:
        """Bulk: per 100, check freshness with ``show_many`` and submit ``update_many``; then
        wait for the jobs together. One result per request, in order."""
        results: dict[str, WriteResult] = {}
        jobs: list[PendingJob] = []
        for start in range(0, len(requests), BULK_MAX):
            chunk = list(requests[start:start + BULK_MAX])
            try:
                job = self._submit_chunk(chunk, results)
            except RetriableError as error:
                results.update(failed([r.assignment.ticket_id for r in chunk], error))
                continue
            if job is not None:
                jobs.append(job)
            if len(jobs) >= MAX_IN_FLIGHT:
                results.update(self._finish(jobs))
                jobs = []
        results.update(self._finish(jobs))
        return [results[r.assignment.ticket_id] for r in requests]

    def _submit_chunk(self, chunk: list[WriteRequest], results: dict[str, WriteResult]
                      ) -> PendingJob | None:
        """Record stale and unmappable requests in ``results``; submit the rest as a job."""
        stale, fresh = self._stale(chunk)
        results.update(stale)
        groups = self.groups()
        items = []
        for request in fresh:
            try:
                items.append(mapping.bulk_item(request, groups))
            except SkippableError as error:
                tid = request.assignment.ticket_id
                results[tid] = WriteResult(ticket_id=tid, outcome="skipped", detail=str(error))
        if not items:
            return None
        data = self.transport.send("PUT", "/api/v2/tickets/update_many.json",
                                   json={"tickets": items}).json()
        path = f"/api/v2/job_statuses/{data['job_status']['id']}.json"
        return PendingJob(ids=[str(item["id"]) for item in items],
                          read=lambda: self.transport.send("GET", path).json()["job_status"])

    def _finish(self, jobs: list[PendingJob]) -> dict[str, WriteResult]:
        """Wait for submitted jobs; per-ticket results (a late or unreadable job: failed)."""
        wait_for_jobs(jobs, is_finished=lambda j: str(j.get("status")) in JOB_DONE,
                      interval=self.options.job_poll_interval,
                      timeout=self.options.job_timeout, sleep=self._sleep)
        results: dict[str, WriteResult] = {}
        for job in jobs:
            if isinstance(job.outcome, RetriableError) or job.outcome is None:
                results.update(failed(job.ids, job.outcome or RetriableError("no status")))
            else:
                results.update(_job_results(job.ids, job.outcome))
        return results

    def _stale(self, chunk: list[WriteRequest]) -> tuple[dict[str, WriteResult],
                                                         list[WriteRequest]]:
        """Split a chunk into conflicts/skips (changed or gone since read) and fresh requests."""
        raws = self._show_many([r.assignment.ticket_id for r in chunk])
        current = {str(t["id"]): t for t in raws}
        results: dict[str, WriteResult] = {}
        fresh = []
        for request in chunk:
            tid = request.assignment.ticket_id
            raw = current.get(tid)
            if raw is None:
                results[tid] = WriteResult(ticket_id=tid, outcome="skipped", detail="not found")
                continue
            updated = parse_time(raw.get("updated_at"))
            expected = request.expected_updated_at
            if expected is not None and updated is not None and updated > expected:
                results[tid] = WriteResult(ticket_id=tid, outcome="conflict", updated_at=updated,
                                           detail="changed since it was read")
            else:
                fresh.append(request)
        return results, fresh


def _job_results(ids: list[str], job: Mapping[str, Any]) -> dict[str, WriteResult]:
    """Per-ticket outcomes from a finished Zendesk job status."""
    if str(job.get("status")) != "completed" and not job.get("results"):
        message = str(job.get("message") or job.get("status"))
        if "auth" in message.lower():
            raise FatalError(f"bulk update failed: {message}")
        return {tid: WriteResult(ticket_id=tid, outcome="failed", detail=message) for tid in ids}
    results = {tid: WriteResult(ticket_id=tid, outcome="failed", detail="missing from job")
               for tid in ids}
    for item in job.get("results") or []:
        tid = str(item.get("id"))
        if item.get("success", "error" not in item):
            results[tid] = WriteResult(ticket_id=tid, outcome="ok")
        else:
            detail = f"{item.get('error', 'error')}: {item.get('details', '')}".strip(": ")
            outcome = "conflict" if item.get("error") in CONFLICT_ERRORS else "skipped"
            results[tid] = WriteResult(ticket_id=tid, outcome=outcome, detail=detail)
    return results

