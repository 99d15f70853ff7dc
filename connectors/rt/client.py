"""Request Tracker 5 connector over REST 2: poll unowned tickets, roster, owner write-back.

All HTTP goes through the shared ``Transport`` (token auth, budget, retries, error
classes). RT answers a refused owner change with HTTP 200 and a message, so every write
reads the message array and then re-reads the ticket before it reports success.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import quote as url_quote

from connectors.account import AccountReport
from connectors.base import (
    NO_HOOKS,
    BulkHooks,
    Listed,
    PollPage,
    RosterSnapshot,
    UnassignedPage,
    WriteRequest,
    WriteResult,
    no_longer_ours,
)
from connectors.classify import request_label
from connectors.errors import (
    ConflictError,
    FatalError,
    RetriableError,
    SkippableError,
)
from connectors.outcomes import WriteOutcome
from connectors.probing import decoded
from connectors.rt import account, mapping
from connectors.transport import Transport, TransportStats
from connectors.values import GroupDirectory, map_each
from connectors.vendor import fetch_each
from router.model import Ticket

log = logging.getLogger("deskroute.connectors.rt")
NO_BULK = 1_000_000
"""RT has no bulk update endpoint: every write is one ticket, so the threshold is never met."""
MAX_PAGES = 1000


@dataclass(frozen=True, kw_only=True, slots=True)
class RtOptions:
    """What to route and how: queues, statuses, where owners come from, what to write."""

    queues: tuple[str, ...]
    statuses: tuple[str, ...] = ("new",)
    owner_groups: Mapping[str, str] = field(default_factory=dict)
    """Queue -> RT group whose members own its tickets (``*``: every queue); else AdminCc."""
    comment: bool = True
    move_queue: bool = False
    read_body: bool = True
    page_size: int = 50
    max_load: float = 10.0
    token_user: str | None = None
    """The RT user id in the auth token (its public part), for ``account_report``."""

    def __post_init__(self) -> None:
        if not self.queues or not self.statuses:
            raise ValueError("RtOptions needs at least one queue and one status")
        if not 1 <= self.page_size <= 100:
            raise ValueError("page_size must be 1..100 (RT clamps larger pages to 100)")


class RtConnector:
    """The ``Connector`` for Request Tracker 5 (REST 2, token auth)."""

    name = "rt"
    bulk_threshold = NO_BULK
    notes_in_bulk = True
    """RT has no bulk write: each write carries its comment."""
    read_batch = 1
    """RT has no batch read."""

    def __init__(self, transport: Transport, options: RtOptions) -> None:
        self.transport, self.options = transport, options
        self._queue_names: dict[int, str] = {}

    # -- reading ---------------------------------------------------------------------------
    def poll(self, cursor: str | None) -> PollPage:
        """One page of unowned tickets with ids past ``cursor`` (the last id polled).

        Keyset paging on the id, not RT's page numbers: routing removes tickets from the
        unowned set while we read, which would make page 2 skip tickets.
        """
        after = mapping.parse_cursor(cursor)
        query = mapping.unowned_query(self.options.queues, self.options.statuses, after)
        params = mapping.search_params(query, self.options.page_size, fields=mapping.TICKET_FIELDS)
        items = self._get("/tickets", params).get("items") or []
        tickets = map_each(items, self._with_body, "rt ticket")
        return PollPage(
            tickets=tuple(tickets),
            cursor=str(mapping.last_id(items, after)),
            done=len(items) < self.options.page_size,
        )

    def unassigned(self, cursor: str | None) -> UnassignedPage:
        """One page of the unowned tickets in the routed queues and statuses, ids past
        ``cursor`` (keyset paging on the id, as ``poll``), whatever the poll cursor says.

        REST 2 (docs.bestpractical.com/rt/5.0.3/RT/REST2.html, "Tickets"): ``GET /tickets``
        with a TicketSQL ``query``, ``orderby``/``order``, ``per_page`` (at most 100) and
        ``fields``; only ``LastUpdated`` is asked for, the sweep reads the tickets it does
        not know. The poll reads the same set but never goes back below its cursor: a
        ticket whose owner was taken off later is found here.
        """
        after = mapping.parse_cursor(cursor)
        query = mapping.unowned_query(self.options.queues, self.options.statuses, after)
        params = mapping.search_params(query, self.options.page_size, fields="LastUpdated")
        items = self._get("/tickets", params).get("items") or []
        listed = tuple(
            Listed(ticket_id=str(item["id"]), updated_at=_last_updated(item))
            for item in items
            if str(item.get("id", "")).isdigit()
        )
        more = len(items) >= self.options.page_size
        return UnassignedPage(
            tickets=listed, cursor=str(mapping.last_id(items, after)) if more else None
        )

    def _with_body(self, item: Mapping[str, Any]) -> Ticket:
        """One search item as a ``Ticket``, with its first message when configured."""
        body = self._first_message(str(item["id"])) if self.options.read_body else ""
        return mapping.ticket_from_json(item, self._names_for(item), body)

    def _first_message(self, ticket_id: str) -> str:
        params = {"fields": "ContentType,Content", "orderby": "id", "order": "ASC", "per_page": 5}
        data = self._get(f"/ticket/{ticket_id}/attachments", params, per_ticket=True)
        return mapping.first_message(data.get("items") or [])

    def fetch(self, ticket_id: str) -> Ticket:
        """Re-read one ticket; a missing or hidden ticket raises ``SkippableError``."""
        raw = self._ticket_json(ticket_id)
        body = self._first_message(ticket_id) if self.options.read_body else ""
        return mapping.ticket_from_json(raw, self._names_for(raw), body)

    def fetch_many(self, ticket_ids: Sequence[str]) -> dict[str, Ticket]:
        """Re-read several tickets, one request each (RT has no batch read)."""
        return fetch_each(self.fetch, ticket_ids)

    def read_many(self, ticket_ids: Sequence[str]) -> dict[str, Ticket]:
        """Read several tickets in full: as ``fetch_many`` (RT's ``fetch`` reads it all)."""
        return fetch_each(self.fetch, ticket_ids)

    def queues(self) -> GroupDirectory:
        """Names of the routed queues by id (read once), for tickets that carry only the id."""
        if not self._queue_names:
            for name in self.options.queues:
                data = self._get(f"/queue/{url_quote(name, safe='')}")
                self._queue_names[int(data["id"])] = str(data.get("Name") or name)
        return GroupDirectory(dict(self._queue_names))

    def _names_for(self, raw: Mapping[str, Any]) -> GroupDirectory | None:
        """The queue directory, read only when ``raw`` lacks its queue's name."""
        queue = raw.get("Queue")
        return None if isinstance(queue, Mapping) and queue.get("Name") else self.queues()

    def roster(self) -> RosterSnapshot:
        """Who may own tickets in each queue, and each one's count of active owned tickets."""
        queues_of = self._owners()
        agents = tuple(
            mapping.agent_from_json(
                self._get(f"/user/{url_quote(name, safe='')}"), groups, self.options.max_load
            )
            for name, groups in sorted(queues_of.items())
        )
        known = {agent.id for agent in agents}
        loads = {name: load for name, load in self._loads().items() if name in known}
        return RosterSnapshot(agents=agents, loads=loads)

    def _owners(self) -> dict[str, set[str]]:
        """Agent name -> the queues (and owner groups) it may own tickets in."""
        found: dict[str, set[str]] = {}
        for queue in self.options.queues:
            group = mapping.owner_group_of(queue, self.options.owner_groups)
            if group is None:
                data = self._get(f"/queue/{url_quote(queue, safe='')}")
                members = mapping.members_of(data.get("AdminCc") or [])
            else:
                members = mapping.Members((), (self._group_id(group),))
            for user in self._expand(members):
                found.setdefault(user, set()).update((queue,) if group is None else (queue, group))
        return found

    def _group_id(self, name: str) -> str:
        data = self._post("/groups", [{"field": "Name", "value": name}])
        items = data.get("items") or []
        if not items:
            raise FatalError(f"RT group {name!r} not found (or the token may not see it)")
        return str(items[0]["id"])

    def _expand(self, members: mapping.Members) -> Iterator[str]:
        """User names in ``members``, following nested groups once each."""
        seen: set[str] = set()
        pending = list(members.groups)
        yield from members.users
        while pending:
            group_id = pending.pop()
            if group_id in seen:
                continue
            seen.add(group_id)
            nested = mapping.members_of(self._get(f"/group/{group_id}").get("Members") or [])
            yield from nested.users
            pending.extend(nested.groups)

    def _loads(self) -> dict[str, float]:
        """Active owned tickets per owner in the routed queues, over every result page."""
        query = mapping.owned_query(self.options.queues)
        loads: dict[str, float] = {}
        for items in self._pages("/tickets", query):
            for owner, count in mapping.loads_from_items(items).items():
                loads[owner] = loads.get(owner, 0.0) + count
        return loads

    def _pages(self, path: str, query: str) -> Iterator[list[Mapping[str, Any]]]:
        """Every page of a search; stops on a short page (RT may leave ``total`` null)."""
        for page in range(1, MAX_PAGES + 1):
            params = mapping.search_params(query, 100, page=page)
            items = self._get(path, params).get("items") or []
            yield items
            if len(items) < 100:
                return
        log.warning("rt: stopped after %d pages of %s", MAX_PAGES, query)

    # -- writing ---------------------------------------------------------------------------
    def assign(self, request: WriteRequest) -> WriteResult:
        """Set the owner (and maybe the queue), add the comment, and confirm by re-reading."""
        ticket_id = request.ticket_id
        try:
            return self._assign(request)
        except ConflictError as error:
            return WriteResult(
                ticket_id=ticket_id, outcome=WriteOutcome.CONFLICT, detail=str(error)
            )
        except SkippableError as error:
            return WriteResult.of_error(ticket_id, error)

    def _assign(self, request: WriteRequest) -> WriteResult:
        ticket_id, agent = request.ticket_id, request.agent_id
        current = self._ticket_json(ticket_id)
        owner = mapping.owner_of(current)
        if owner == agent:  # a replay after a crash: finish what is missing, repeat nothing
            if (
                self.options.comment
                and request.note
                and not self._has_comment(ticket_id, request.note)
            ):
                self._comment(ticket_id, request.note)
            return self._result(
                ticket_id, current, WriteOutcome.WRITTEN, f"already owned by {agent}"
            )
        if owner is not None:
            return self._result(
                ticket_id, current, WriteOutcome.CONFLICT, f"{owner} owns it since our read"
            )
        if mapping.changed_since(current, request.expected_updated_at):
            return self._result(
                ticket_id, current, WriteOutcome.CONFLICT, "changed since we read it"
            )
        move = self._queue_move(current, request.group)
        if move is not None:
            return move
        verdict = mapping.owner_verdict(self._put(ticket_id, mapping.owner_body(agent)), agent)
        if verdict.outcome == "changed" and self.options.comment and request.note:
            self._comment(ticket_id, request.note)
        return self._confirm(ticket_id, agent, verdict)

    def _queue_move(self, current: Mapping[str, Any], group: str | None) -> WriteResult | None:
        """Move the ticket to the queue ``group`` names; a result only when that failed."""
        if not self.options.move_queue or group is None or group not in self.options.queues:
            return None
        ticket_id = str(current["id"])
        if group == mapping.queue_of(current, self.queues()):
            return None
        verdict = mapping.update_verdict(self._put(ticket_id, mapping.queue_body(group)), "Queue")
        if verdict.outcome == "changed":
            return None
        return self._result(
            ticket_id,
            current,
            WriteOutcome.PARKED,
            f"RT refused the queue move to {group}: {verdict.detail or 'no change'}",
        )

    def _confirm(self, ticket_id: str, agent: str, verdict: mapping.UpdateVerdict) -> WriteResult:
        """Re-read the ticket: only an owner RT reports back counts as done.

        Someone else owning it now is a ``conflict`` (a human was faster; without the
        ReassignTicket right RT refuses to take it from them). Still unowned after a refusal
        of the owner themselves (the user is gone, or may no longer own tickets in the
        queue) is ``agent_gone``: the sidecar decides again without them. Any other refusal
        is ``parked``: retrying the same owner cannot help, a person reads RT's words.
        """
        fresh = self._ticket_json(ticket_id)
        owner = mapping.owner_of(fresh)
        if owner == agent:
            return self._result(ticket_id, fresh, WriteOutcome.WRITTEN, verdict.detail)
        now = f"owner is {owner or 'Nobody'}"
        if owner is not None:
            return self._result(
                ticket_id,
                fresh,
                WriteOutcome.CONFLICT,
                f"{verdict.detail or 'no change reported'}; {now}",
            )
        reason = verdict.detail or "no change reported"
        log.warning("rt: owner change of ticket %s to %s refused: %s", ticket_id, agent, reason)
        outcome = WriteOutcome.AGENT_GONE if mapping.refuses_owner(reason) else WriteOutcome.PARKED
        return self._result(
            ticket_id, fresh, outcome, f"RT refused owner {agent}: {reason} ({now})"
        )

    def _comment(self, ticket_id: str, note: str) -> None:
        """Add the explanation; a failed comment is logged, the assignment stands."""
        try:
            self._send(
                "POST",
                f"/ticket/{ticket_id}/comment",
                json=mapping.comment_body(note),
                per_ticket=True,
            )
        except (SkippableError, FatalError) as error:
            log.warning("rt: could not comment on ticket %s: %s", ticket_id, error)

    def _has_comment(self, ticket_id: str, note: str) -> bool:
        """True when ``note`` is already on the ticket (a crash came between owner and comment).

        When RT will not say, assume it is there: a missing comment beats a doubled one.
        """
        try:
            found = self._post(
                "/transactions",
                mapping.comment_search(ticket_id),
                params={"orderby": "id", "order": "DESC", "per_page": 10},
            )
            for transaction in found.get("items") or []:
                parts = self._get(
                    f"/transaction/{transaction['id']}/attachments",
                    {"fields": "ContentType,Content"},
                )
                if mapping.first_message(parts.get("items") or []) == note.strip():
                    return True
        except (SkippableError, FatalError) as error:
            log.warning("rt: cannot tell whether ticket %s has our comment: %s", ticket_id, error)
            return True
        return False

    @staticmethod
    def _result(
        ticket_id: str, raw: Mapping[str, Any], outcome: WriteOutcome, detail: str
    ) -> WriteResult:
        updated = mapping.rt_time(raw.get("LastUpdated"))
        return WriteResult(ticket_id=ticket_id, outcome=outcome, detail=detail, updated_at=updated)

    def assign_many(
        self, requests: Sequence[WriteRequest], hooks: BulkHooks = NO_HOOKS
    ) -> list[WriteResult]:
        """One write per ticket (RT has no bulk update, so no job to report; each is still
        ``hooks.still_ours`` right before it goes); a transient failure fails only its own."""
        results = []
        for request in requests:
            if not hooks.still_ours([request.ticket_id]):
                results.append(no_longer_ours(request.ticket_id))
                continue
            try:
                results.append(self.assign(request))
            except RetriableError as error:
                results.append(
                    WriteResult(
                        ticket_id=request.ticket_id,
                        outcome=WriteOutcome.RETRY_LATER,
                        detail=str(error),
                    )
                )
        return results

    def jobs_running(self, refs: Sequence[str]) -> set[str]:
        """None: every RT write is done when its request answers."""
        return set()

    def add_note(self, ticket_id: str, text: str) -> None:
        """A comment (private to staff) on the ticket."""
        self._send(
            "POST", f"/ticket/{ticket_id}/comment", json=mapping.comment_body(text), per_ticket=True
        )

    def find_overwrites(self, requests: Sequence[WriteRequest]) -> dict[str, WriteResult]:
        """None: every RT write is checked by reading the owner back before it counts."""
        return {}

    def account_report(self) -> AccountReport:
        """Who the token acts as and which routed queues it can see (``deskroute doctor``)."""
        return account.account_report(self)

    def budget_left(self) -> float | None:
        """Requests the RT budget allows now without waiting."""
        return self.transport.budget_left()

    def traffic(self) -> TransportStats:
        """What went over the wire (see ``Connector.traffic``)."""
        return self.transport.stats

    # -- HTTP ------------------------------------------------------------------------------
    def _ticket_json(self, ticket_id: str) -> Mapping[str, Any]:
        return self._get(f"/ticket/{url_quote(ticket_id, safe='')}", per_ticket=True)

    def _get(
        self, path: str, params: Mapping[str, Any] | None = None, *, per_ticket: bool = False
    ) -> Mapping[str, Any]:
        return self._json(self._send("GET", path, params=params, per_ticket=per_ticket))

    def _post(
        self, path: str, body: Any, params: Mapping[str, Any] | None = None
    ) -> Mapping[str, Any]:
        return self._json(self._send("POST", path, json=body, params=params))

    def _put(self, ticket_id: str, body: Mapping[str, Any]) -> Any:
        response = self._send(
            "PUT", f"/ticket/{url_quote(ticket_id, safe='')}", json=body, per_ticket=True
        )
        return response.json()

    def _send(self, method: str, path: str, *, per_ticket: bool = False, **kwargs: Any) -> Any:
        """``Transport.send``; for one ticket, RT's 403 (cannot see it) only skips that ticket."""
        try:
            return self.transport.send(method, path, per_ticket=per_ticket, **kwargs)
        except FatalError as error:
            if per_ticket and error.status == 403:
                raise SkippableError(f"RT denies access: {error}", status=403) from None
            raise

    @staticmethod
    def _json(response: Any) -> Mapping[str, Any]:
        data = decoded(response)
        if not isinstance(data, Mapping):
            where = request_label(response.request.method or "GET", response.url)
            raise FatalError(
                f"{where}: RT answered {type(data).__name__} where an object was expected"
            )
        return data


def _last_updated(item: Mapping[str, Any]) -> datetime | None:
    """A search item's ``LastUpdated`` (None when RT gave none or no time)."""
    try:
        return mapping.rt_time(item.get("LastUpdated"))
    except ValueError:
        return None
