"""Freshdesk connector: ``updated_since`` polling past the 300-page wall, roster, writes.

Optional features: skills (``admin/skills``) exist only on plans with skill-based
assignment; the first roster read probes them and logs what it uses. Every ``include``
costs extra API credits, which the request budget is charged for.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import requests

from connectors.account import AccountReport, Discovery, Feature, Fix, Sources
from connectors.base import (
    Holding,
    Holdings,
    Listed,
    PollPage,
    RosterSnapshot,
    UnassignedPage,
)
from connectors.budget import Clock, Sleep
from connectors.errors import ConnectorError, FatalError, SkippableError
from connectors.freshdesk import account, mapping
from connectors.freshdesk.cursor import PAGE_WALL, FreshdeskCursor
from connectors.freshdesk.mapping import INTAKE_LIST_INCLUDE, INTAKE_VIEW_INCLUDE
from connectors.freshdesk.writer import FreshdeskWrites
from connectors.transport import Transport
from connectors.values import iso_z, map_each, map_one, page_cursor, time_or_none
from connectors.vendor import ConnectorOptions, VendorConnector
from router.history import HistoryRecord
from router.model import Ticket

log = logging.getLogger("deskroute.connectors.freshdesk")
PER_PAGE = 100
SEARCH_MAX_PAGES = 10  # 30 per page, 300 results per query
OPEN_QUERY = '"status:2 OR status:3"'
UNASSIGNED_QUERY = '"agent_id:null AND (status:2 OR status:3)"'
SEARCH_PAGE = 30
SEARCH_LAG = timedelta(minutes=10)
"""How far behind writes the filter-tickets index may be ("a few minutes"), with room."""
AUTO, ADMIN_SKILLS, NO_SKILLS = "auto", "admin_skills", "none"
AVAILABILITY = "each agent's 'available' toggle for automatic assignment"
LOADS = (
    "open and pending tickets from the filter-tickets search, reconciled with "
    "deskroute's own assignments (the search index trails writes by minutes)"
)


@dataclass(frozen=True, kw_only=True, slots=True)
class FreshdeskOptions(ConnectorOptions):
    """Knobs of the Freshdesk connector (all have sane defaults)."""

    skills: str = AUTO
    """``auto`` (``admin/skills`` when the plan answers it), ``admin_skills`` or ``none``."""
    page_wall: int = PAGE_WALL


class FreshdeskConnector(VendorConnector):
    """The ``Connector`` for Freshdesk v2 (also works against the sandbox)."""

    name = "freshdesk"
    notes_in_bulk = False
    """``bulk_update`` sets the same properties on every id: each note is a request."""

    def __init__(
        self,
        transport: Transport,
        options: FreshdeskOptions,
        sleep: Sleep,
        clock: Clock = time.monotonic,
    ) -> None:
        super().__init__(transport, options, sleep)
        self.options = options
        self._read_skills: bool | None = None
        self.writes = FreshdeskWrites(
            transport=transport,
            groups=self.groups,
            read=self._raw,
            advance=self._advance,
            list_changes=lambda state: self._list_page(state, include=None),
            job_poll_interval=options.job_poll_interval,
            job_timeout=options.job_timeout,
            sleep=sleep,
            clock=clock,
        )

    # -- the account's optional features ----------------------------------------------------
    def discover(self) -> Discovery:
        """Probe ``admin/skills`` (plans without skill-based assignment refuse it) and decide
        whether to read skills; logged when the choice changes."""
        skills, why = self._probe_skills()
        read = skills is not None and self.options.skills != NO_SKILLS
        fixes = []
        if self.options.skills == ADMIN_SKILLS and skills is None:
            fixes.append(
                Fix(
                    problem=f"DESKROUTE_FRESHDESK__SKILLS=admin_skills, but {why}",
                    setting="use a plan with skill-based assignment, or set "
                    "DESKROUTE_FRESHDESK__SKILLS=auto",
                )
            )
        if read != self._read_skills:
            log.info("freshdesk: skills %s", "from admin/skills" if read else f"not read ({why})")
        self._read_skills = read
        source = (
            "admin/skills (Freshdesk skills have no level: 5)"
            if read
            else "none: routing by group, language and load"
        )
        feature = Feature(
            name="skills (admin/skills)",
            present=skills is not None,
            detail=why or f"{skills} skills",
        )
        return Discovery(
            features=(feature,),
            fixes=tuple(fixes),
            sources=Sources(availability=AVAILABILITY, skills=source, loads=LOADS),
        )

    def _probe_skills(self) -> tuple[int | None, str]:
        """How many skills the account has, or None and why when the plan refuses them."""
        if self.options.skills == NO_SKILLS:
            return None, "turned off by DESKROUTE_FRESHDESK__SKILLS=none"
        try:
            response = self.transport.send(
                "GET", "/api/v2/admin/skills", params={"per_page": PER_PAGE}
            )
        except (FatalError, SkippableError) as error:
            if error.status not in (403, 404):
                raise
            return None, f"the plan refuses admin/skills (HTTP {error.status})"
        return len(response.json()), ""

    # -- reading ---------------------------------------------------------------------------
    def poll(self, cursor: str | None) -> PollPage:
        """One page of tickets by ``updated_since`` (oldest first), duplicates removed.

        Every changed ticket is handed over, resolved and closed ones too, with its status
        and first response time (``include=stats``), so the sidecar sees tickets close and
        reopen and can time first replies.
        """
        state = _decode(cursor) if cursor else FreshdeskCursor(since=self.options.start_time)
        try:
            response = self._list_page(state, include=INTAKE_LIST_INCLUDE)
        except ConnectorError as error:
            if error.status != 400 or state.page == 1:
                raise
            log.warning(
                "freshdesk: page %d refused (%s); restarting from the newest update",
                state.page,
                error,
            )
            return PollPage(tickets=(), cursor=state.restart(state.page).encode(), done=False)
        rows = response.json()
        fresh = state.unseen(rows)
        state = state.absorb(rows)
        groups = self.groups()
        tickets = tuple(
            map_each(fresh, lambda r: mapping.ticket_from_json(r, groups), "freshdesk ticket")
        )
        wall = self.options.page_wall
        if "next" not in response.links:
            return PollPage(tickets=tickets, cursor=state.restart(wall).encode(), done=True)
        after = self._advance(state)
        return PollPage(tickets=tickets, cursor=after.encode(), done=False)

    def unassigned(self, cursor: str | None) -> UnassignedPage:
        """One page (30) of the open and pending tickets without an agent, from the filter
        API, whatever the poll cursor says; the cursor is the next page number.

        developer.freshdesk.com/api/#filter_tickets: ``GET /api/v2/search/tickets`` with a
        double-quoted query, ``agent_id:null`` for no agent (the docs' own example), 30
        results a page, pages 1 to 10 (300 results a query), ``{"total", "results"}``;
        updates take a few minutes to reach the index. Status 2 is Open, 3 Pending: the
        tickets the poll would hand over unassigned.
        """
        page = page_cursor(cursor)
        data = self.transport.send(
            "GET", "/api/v2/search/tickets", params={"query": UNASSIGNED_QUERY, "page": page}
        ).json()
        rows = data.get("results") or []
        listed = tuple(
            Listed(ticket_id=str(row["id"]), updated_at=time_or_none(row.get("updated_at")))
            for row in rows
            if row.get("id") is not None
        )
        more = bool(rows) and page * SEARCH_PAGE < int(data.get("total") or 0)
        capped = more and page >= SEARCH_MAX_PAGES
        return UnassignedPage(
            tickets=listed, cursor=str(page + 1) if more and not capped else None, capped=capped
        )

    def _advance(self, state: FreshdeskCursor) -> FreshdeskCursor:
        """Where the listing goes on after a page with more behind it (see the cursor)."""
        return state.resume(self.options.page_wall)

    def _list_page(self, state: FreshdeskCursor, include: str | None) -> requests.Response:
        params: dict[str, Any] = {
            "updated_since": iso_z(state.since),
            "order_by": "updated_at",
            "order_type": "asc",
            "per_page": PER_PAGE,
            "page": state.page,
        }
        if include:
            params["include"] = include
        return self.transport.send(
            "GET", "/api/v2/tickets", params=params, cost=mapping.include_cost(include)
        )

    def fetch(self, ticket_id: str) -> Ticket:
        """Re-read one ticket with its stats; deleted or unknown raises ``SkippableError``."""
        raw = self._raw(ticket_id, include=INTAKE_VIEW_INCLUDE)
        groups = self.groups()
        return map_one(raw, lambda r: mapping.ticket_from_json(r, groups), "freshdesk ticket")

    def fetch_many(self, ticket_ids: Sequence[str]) -> dict[str, Ticket]:
        """Re-read tickets one by one (Freshdesk has no batch read), without their stats:
        one API credit each instead of three; what the writer re-checks is the assignee."""
        groups = self.groups()
        found: dict[str, Ticket] = {}
        for ticket_id in ticket_ids:
            try:
                raw = self._raw(ticket_id)
                found[ticket_id] = map_one(
                    raw, lambda r: mapping.ticket_from_json(r, groups), "freshdesk ticket"
                )
            except SkippableError:
                continue
        return found

    def _raw(self, ticket_id: str, include: str | None = None) -> Mapping[str, Any]:
        params = {"include": include} if include else None
        data: Mapping[str, Any] = self.transport.send(
            "GET",
            f"/api/v2/tickets/{ticket_id}",
            params=params,
            per_ticket=True,
            cost=mapping.include_cost(include),
        ).json()
        return data

    def _group_rows(self) -> Iterator[Mapping[str, Any]]:
        return self._list("/api/v2/groups")

    def account_report(self) -> AccountReport:
        """Who the API key is and what the account offers (``deskroute doctor``)."""
        return account.account_report(self)

    def roster(self) -> RosterSnapshot:
        """Agents with availability, group members, skills and the open tickets each holds."""
        if self._read_skills is None:
            self.discover()
        groups = self.groups(refresh=True)
        members: dict[str, set[str]] = {}
        for group_id, name in groups.names.items():
            for agent in self._list(f"/api/v2/admin/groups/{group_id}/agents"):
                members.setdefault(str(agent["id"]), set()).add(name)
        skills = (
            mapping.skills_by_agent(self._list("/api/v2/admin/skills")) if self._read_skills else {}
        )
        agents = tuple(
            map_each(
                self._list("/api/v2/agents"),
                lambda raw: mapping.agent_from_json(
                    raw,
                    frozenset(members.get(str(raw["id"]), ())),
                    skills.get(str(raw["id"])),
                    self.options.max_load,
                ),
                "freshdesk agent",
            )
        )
        holdings = self._holdings({agent.id for agent in agents})
        return RosterSnapshot(agents=agents, loads=holdings.loads(), holdings=holdings)

    def _holdings(self, known: set[str]) -> Holdings:
        """Open and pending tickets per agent via search (capped at 300 results)."""
        held: list[Holding] = []
        for page in range(1, SEARCH_MAX_PAGES + 1):
            data = self.transport.send(
                "GET", "/api/v2/search/tickets", params={"query": OPEN_QUERY, "page": page}
            ).json()
            results = data.get("results") or []
            held += [
                Holding(
                    ticket_id=str(row["id"]),
                    agent_id=str(row["responder_id"]),
                    updated_at=mapping.time_or_none(row.get("updated_at")),
                )
                for row in results
                if row.get("responder_id") is not None and str(row["responder_id"]) in known
            ]
            if len(results) < 30 or page * 30 >= int(data.get("total") or 0):
                return Holdings(tickets=tuple(held), lag=SEARCH_LAG)
        log.warning("freshdesk: more than 300 open tickets; loads are a lower bound")
        return Holdings(tickets=tuple(held), complete=False, lag=SEARCH_LAG)

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
                        log.warning(
                            "freshdesk: ticket %s left out of history: %s", raw.get("id"), error
                        )
            state = state.absorb(rows)
            if "next" not in response.links:
                return
            state = self._advance(state)

    # writing: connectors/freshdesk/writer.py, through ``VendorConnector`` (``self.writes``)


def _decode(cursor: str) -> FreshdeskCursor:
    """The stored cursor; one that is not ours is a configuration problem, not a retry."""
    try:
        return FreshdeskCursor.decode(cursor)
    except (ValueError, KeyError, TypeError) as error:
        raise FatalError(f"stored poll cursor is not a Freshdesk cursor: {error}") from None
