"""Freshdesk connector: ``updated_since`` polling past the 300-page wall, roster, writes."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import requests

from connectors.base import PollPage, RosterSnapshot, WriteRequest, WriteResult
from connectors.budget import Sleep
from connectors.errors import ConnectorError, FatalError, RetriableError, SkippableError
from connectors.freshdesk import mapping
from connectors.freshdesk.cursor import PAGE_WALL, FreshdeskCursor
from connectors.history import HistoryRecord
from connectors.jobs import MAX_IN_FLIGHT, PendingJob, failed, wait_for_jobs
from connectors.transport import Transport
from connectors.values import iso_z, map_each, map_one, numeric_id, parse_time
from connectors.vendor import ConnectorOptions, VendorConnector
from router.model import Ticket

log = logging.getLogger("deskroute.connectors.freshdesk")
PER_PAGE = 100
BULK_MAX = 100
SEARCH_MAX_PAGES = 10  # 30 per page, 300 results per query
JOB_RUNNING = frozenset({"IN PROGRESS", "QUEUED", "IN_PROGRESS"})
OPEN_QUERY = '"status:2 OR status:3"'


@dataclass(frozen=True, kw_only=True, slots=True)
class FreshdeskOptions(ConnectorOptions):
    """Knobs of the Freshdesk connector (all have sane defaults)."""

    read_skills: bool = True
    page_wall: int = PAGE_WALL


class FreshdeskConnector(VendorConnector):
    """The ``Connector`` for Freshdesk v2 (also works against the sandbox)."""

    name = "freshdesk"

    def __init__(self, transport: Transport, options: FreshdeskOptions, sleep: Sleep) -> None:
        super().__init__(transport, options, sleep)
        self.options = options

    # -- reading ---------------------------------------------------------------------------
    def poll(self, cursor: str | None) -> PollPage:
        """One page of tickets by ``updated_since`` (oldest first), duplicates removed.

        Every changed ticket is handed over, resolved and closed ones too, with its status
        and first response time (``include=stats``), so the sidecar sees tickets close and
        reopen and can time first replies.
        """
        state = _decode(cursor) if cursor else FreshdeskCursor(since=self.options.start_time)
        try:
            response = self._list_page(state, include="description,stats")
        except ConnectorError as error:
            if error.status != 400 or state.page == 1:
                raise
            log.warning("freshdesk: page %d refused (%s); restarting from the newest update",
                        state.page, error)
            return PollPage(tickets=(), cursor=state.restart(state.page).encode(), done=False)
        rows = response.json()
        fresh = state.unseen(rows)
        state = state.absorb(rows)
        groups = self.groups()
        tickets = tuple(map_each(fresh, lambda r: mapping.ticket_from_json(r, groups),
                                 "freshdesk ticket"))
        wall = self.options.page_wall
        if "next" not in response.links:
            return PollPage(tickets=tickets, cursor=state.restart(wall).encode(), done=True)
        after = self._advance(state)
        return PollPage(tickets=tickets, cursor=after.encode(), done=False)

    def _advance(self, state: FreshdeskCursor) -> FreshdeskCursor:
        """The next page, or past the page wall a restart from the newest update."""
        wall = self.options.page_wall
        return state.next_page() if state.page < wall else state.restart(wall)

    def _list_page(self, state: FreshdeskCursor, include: str) -> requests.Response:
        return self.transport.send("GET", "/api/v2/tickets", params={
            "updated_since": iso_z(state.since), "order_by": "updated_at", "order_type": "asc",
            "per_page": PER_PAGE, "page": state.page, "include": include})

    def fetch(self, ticket_id: str) -> Ticket:
        """Re-read one ticket with its stats; deleted or unknown raises ``SkippableError``."""
        raw = self._raw(ticket_id, include="stats")
        groups = self.groups()
        return map_one(raw, lambda r: mapping.ticket_from_json(r, groups), "freshdesk ticket")

    def _raw(self, ticket_id: str, include: str | None = None) -> Mapping[str, Any]:
        params = {"include": include} if include else None
        data: Mapping[str, Any] = self.transport.send(
            "GET", f"/api/v2/tickets/{ticket_id}", params=params, per_ticket=True).json()
        return data

    def _group_rows(self) -> Iterator[Mapping[str, Any]]:
        return self._list("/api/v2/groups")

    def roster(self) -> RosterSnapshot:
        """Agents with availability, group members, skills and open-ticket load."""
        groups = self.groups(refresh=True)
        members: dict[str, set[str]] = {}
        for group_id, name in groups.names.items():
            for agent in self._list(f"/api/v2/admin/groups/{group_id}/agents"):
                members.setdefault(str(agent["id"]), set()).add(name)
        skills = mapping.skills_by_agent(self._list("/api/v2/admin/skills")) \
            if self.options.read_skills else {}
        agents = tuple(map_each(self._list("/api/v2/agents"), lambda raw: mapping.agent_from_json(
            raw, frozenset(members.get(str(raw["id"]), ())), skills.get(str(raw["id"])),
            self.options.max_load), "freshdesk agent"))
        known = {agent.id for agent in agents}
        loads = {k: v for k, v in self._open_loads().items() if k in known}
        return RosterSnapshot(agents=agents, loads=loads)

    def _open_loads(self) -> dict[str, float]:
        """Open and pending tickets per agent via search (capped at 300 results)."""
        loads: dict[str, float] = {}
        for page in range(1, SEARCH_MAX_PAGES + 1):
            data = self.transport.send("GET", "/api/v2/search/tickets",
                                       params={"query": OPEN_QUERY, "page": page}).json()
            results = data.get("results") or []
            for row in results:
                if row.get("responder_id") is not None:
                    key = str(row["responder_id"])
                    loads[key] = loads.get(key, 0.0) + 1.0
            if len(results) < 30 or page * 30 >= int(data.get("total") or 0):
                return loads
        log.warning("freshdesk: more than 300 open tickets; loads are a lower bound")
        return loads

    def _list(self, path: str) -> Iterator[Mapping[str, Any]]:
        """Every item of a list, following the ``link: <...>; rel="next"`` header."""
        url: str | None = path
        params: Mapping[str, Any] | None = {"per_page": PER_PAGE}
        while url:
            response = self.transport.send("GET", url, params=params)
            yield from response.json()
            url, params = response.links.get("next", {}).get("url"), None

    def history(self, since: datetime) -> Iterator[HistoryRecord]:
        """Resolved and closed tickets updated since ``since``, with their stats."""
        state = FreshdeskCursor(since=since)
        groups = self.groups()
        while True:
            response = self._list_page(state, include="stats,description")
            rows = response.json()
            for raw in state.unseen(rows):
                if mapping.is_finished(raw):
                    try:
                        yield mapping.history_from_json(raw, groups)
                    except (SkippableError, ValueError) as error:
                        log.warning("freshdesk: ticket %s left out of history: %s",
                                    raw.get("id"), error)
            state = state.absorb(rows)
            if "next" not in response.links:
                return
            state = self._advance(state)

    # -- writing ---------------------------------------------------------------------------
    def assign(self, request: WriteRequest) -> WriteResult:
        """Re-read ``updated_at`` (Freshdesk has no safe update), then update and add the note."""
        ticket_id = request.assignment.ticket_id
        try:
            current = parse_time(self._raw(ticket_id).get("updated_at"))
            expected = request.expected_updated_at
            if expected is not None and current is not None and current > expected:
                return WriteResult(ticket_id=ticket_id, outcome="conflict", updated_at=current,
                                   detail="changed since it was read")
            data = self.transport.send("PUT", f"/api/v2/tickets/{ticket_id}", per_ticket=True,
                                       json=mapping.update_body(request, self.groups())).json()
            if request.note:
                self._note(ticket_id, request.note)
        except SkippableError as error:
            return WriteResult(ticket_id=ticket_id, outcome="skipped", detail=str(error))
        return WriteResult(ticket_id=ticket_id, outcome="ok",
                           updated_at=parse_time(data.get("updated_at")))

    def _note(self, ticket_id: str, text: str) -> None:
        self.transport.send("POST", f"/api/v2/tickets/{ticket_id}/notes",
                            json=mapping.note_body(text), per_ticket=True)

    def assign_many(self, requests: Sequence[WriteRequest]) -> list[WriteResult]:
        """Check freshness with one listing, then ``bulk_update`` per agent and group."""
        results: dict[str, WriteResult] = dict(self._stale(requests))
        batches: dict[tuple[int, int | None], list[WriteRequest]] = {}
        groups = self.groups()
        for request in requests:
            tid = request.assignment.ticket_id
            if tid in results:
                continue
            try:
                body = mapping.update_body(request, groups)
                numeric_id(tid, "ticket")
            except SkippableError as error:
                results[tid] = WriteResult(ticket_id=tid, outcome="skipped", detail=str(error))
                continue
            batches.setdefault((body["responder_id"], body.get("group_id")), []).append(request)
        jobs: list[PendingJob] = []
        for (agent, group), batch in batches.items():
            properties = {"responder_id": agent} | ({"group_id": group} if group else {})
            for start in range(0, len(batch), BULK_MAX):
                job = self._submit(batch[start:start + BULK_MAX], properties, results)
                jobs += [job] if job is not None else []
                if len(jobs) >= MAX_IN_FLIGHT:
                    results.update(self._finish(jobs, requests))
                    jobs = []
        results.update(self._finish(jobs, requests))
        return [results[r.assignment.ticket_id] for r in requests]

    def _stale(self, requests: Sequence[WriteRequest]) -> dict[str, WriteResult]:
        """Conflicts: tickets listed as updated after the time we read them.

        Freshdesk has no per-ticket concurrency check, so we list tickets updated since the
        oldest read. To keep the cost near one read per 100 writes, the listing stops after
        ``len(requests) / 100 + 2`` pages; tickets past that are written unchecked (logged).
        """
        expected = {r.assignment.ticket_id: r.expected_updated_at for r in requests
                    if r.expected_updated_at is not None}
        if not expected:
            return {}
        state = FreshdeskCursor(since=min(t for t in expected.values() if t is not None))
        stale: dict[str, WriteResult] = {}
        budget = len(requests) // PER_PAGE + 2
        while True:
            response = self._list_page(state, include="description")
            for row in response.json():
                tid, stamp = str(row.get("id")), parse_time(row.get("updated_at"))
                seen = expected.get(tid)
                if seen is not None and stamp is not None and stamp > seen:
                    stale[tid] = WriteResult(ticket_id=tid, outcome="conflict", updated_at=stamp,
                                             detail="changed since it was read")
            if "next" not in response.links or state.page >= self.options.page_wall:
                return stale
            if state.page >= budget:
                log.info("freshdesk: freshness check stopped after %d pages", state.page)
                return stale
            state = state.next_page()

    def _submit(self, batch: list[WriteRequest], properties: Mapping[str, Any],
                results: dict[str, WriteResult]) -> PendingJob | None:
        """Start one ``bulk_update`` job; a batch that cannot be sent is failed in ``results``."""
        ids = [r.assignment.ticket_id for r in batch]
        try:
            data = self.transport.send("POST", "/api/v2/tickets/bulk_update", json=mapping.
                                       bulk_body([int(i) for i in ids], properties)).json()
        except (RetriableError, SkippableError) as error:
            results.update(failed(ids, error))
            return None
        path = f"/api/v2/jobs/{data['job_id']}"
        return PendingJob(ids=ids, read=lambda: self.transport.send("GET", path).json())

    def _finish(self, jobs: list[PendingJob], requests: Sequence[WriteRequest]
                ) -> dict[str, WriteResult]:
        """Wait for the jobs, then add the private notes of the tickets that were written."""
        wait_for_jobs(jobs, is_finished=lambda j: str(j.get("status", "")).upper()
                      not in JOB_RUNNING, interval=self.options.job_poll_interval,
                      timeout=self.options.job_timeout, sleep=self._sleep)
        results: dict[str, WriteResult] = {}
        for job in jobs:
            if isinstance(job.outcome, RetriableError) or job.outcome is None:
                results.update(failed(job.ids, job.outcome or RetriableError("no status")))
            else:
                results.update(_job_results(job.ids, job.outcome))
        notes = {r.assignment.ticket_id: r.note for r in requests if r.note}
        for tid, result in results.items():
            if result.ok and tid in notes:
                self._note_quietly(tid, str(notes[tid]))
        return results

    def _note_quietly(self, ticket_id: str, text: str) -> None:
        try:
            self._note(ticket_id, text)
        except (SkippableError, RetriableError) as error:
            log.warning("freshdesk: note on ticket %s failed: %s", ticket_id, error)

def _decode(cursor: str) -> FreshdeskCursor:
    """The stored cursor; one that is not ours is a configuration problem, not a retry."""
    try:
        return FreshdeskCursor.decode(cursor)
    except (ValueError, KeyError, TypeError) as error:
        raise FatalError(f"stored poll cursor is not a Freshdesk cursor: {error}") from None


def _job_results(ids: list[str], job: Mapping[str, Any]) -> dict[str, WriteResult]:
    """Per-ticket outcomes of a finished bulk job (``data`` lists failures when present)."""
    status = str(job.get("status", "")).upper()
    per_id = {str(item.get("id")): item for item in job.get("data") or []
              if isinstance(item, Mapping)}
    results: dict[str, WriteResult] = {}
    for ticket in map(str, ids):
        item = per_id.get(ticket)
        if item is not None and not item.get("success", True):
            detail = str(item.get("message") or item.get("error") or "failed in bulk job")
            results[ticket] = WriteResult(ticket_id=ticket, outcome="skipped", detail=detail)
        elif item is None and status not in {"SUCCESS", "COMPLETED"}:
            results[ticket] = WriteResult(ticket_id=ticket, outcome="failed",
                                          detail=f"bulk job ended {status}")
        else:
            results[ticket] = WriteResult(ticket_id=ticket, outcome="ok")
    return results
