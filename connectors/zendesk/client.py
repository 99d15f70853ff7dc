"""Zendesk Support connector: incremental export polling, roster, safe updates, bulk jobs.

Optional features differ per account (omnichannel routing, skills, schedules); the first
roster read probes them (``discover``), picks where availability and skills come from and
logs the choice once (connectors/zendesk/features.py). Writing lives in
connectors/zendesk/writer.py.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from connectors.account import AccountReport, Discovery
from connectors.base import (
    Holding,
    Holdings,
    Listed,
    PollPage,
    RosterSnapshot,
    UnassignedPage,
    WriteRequest,
    WriteResult,
)
from connectors.budget import Sleep
from connectors.errors import SkippableError
from connectors.transport import Transport
from connectors.values import map_each, map_one, page_cursor, time_or_none
from connectors.vendor import ConnectorOptions, VendorConnector
from connectors.zendesk import account, features, mapping, presence, routing_skills
from connectors.zendesk.api import INTAKE_SIDELOADS, ZendeskApi
from connectors.zendesk.features import Probes, ZendeskModes
from connectors.zendesk.writer import BULK_MAX, ZendeskWrites
from router.history import HistoryRecord
from router.model import Agent, AgentStatus, Ticket

log = logging.getLogger("deskroute.connectors.zendesk")
SEARCH_MAX_PAGES = 10  # 1,000-result cap at 100 per page
OPEN_QUERY = "type:ticket status<solved"
UNASSIGNED_QUERY = "type:ticket status<solved assignee:none"
SEARCH_PAGE = 100
SEARCH_LAG = timedelta(minutes=10)
"""How far behind writes Zendesk's search index may be ("up to a few minutes"), with room."""
USER_ROLES = {"role[]": ["agent", "admin"]}
REDISCOVER_EVERY = 30
"""Roster reads between two probes of the account's features (30 min at the default 60 s)."""
OPEN_STATUSES = frozenset({"new", "open"})


@dataclass(frozen=True, kw_only=True, slots=True)
class ZendeskOptions(ConnectorOptions):
    """Knobs of the Zendesk connector (all have sane defaults)."""

    export_page_size: int = 1000
    availability: str = features.AUTO
    """``auto``, ``omnichannel``, ``schedule`` or ``all_agents``."""
    skills: str = features.AUTO
    """``auto``, ``routing_attributes``, ``user_field`` or ``none``."""
    schedule_id: int | None = None
    """The business-hours schedule agents work to (None: the account's first)."""


class ZendeskConnector(VendorConnector):
    """The ``Connector`` for Zendesk Support (also works against the sandbox)."""

    name = "zendesk"
    notes_in_bulk = True
    """``update_many`` items carry their private comment."""
    read_batch = BULK_MAX
    """``read_many`` reads 100 tickets a request (``show_many``)."""
    writes: ZendeskWrites

    def __init__(self, transport: Transport, options: ZendeskOptions, sleep: Sleep) -> None:
        super().__init__(transport, options, sleep)
        self.options = options
        self.api = ZendeskApi(transport)
        self.writes = ZendeskWrites(self.api, self.groups, self.fetch, options, sleep)
        self._modes: ZendeskModes | None = None
        self._discovery: Discovery | None = None
        self._rosters = 0

    # -- the account's optional features ----------------------------------------------------
    def discover(self) -> Discovery:
        """Probe the account's optional features and choose the sources to read (logged
        when the choice differs from the last one)."""
        modes, found = features.decide(
            self.options.availability, self.options.skills, self._probe()
        )
        if modes != self._modes:
            log.info(
                "zendesk: availability from %s; skills from %s",
                found.sources.availability,
                found.sources.skills,
            )
            for fix in found.fixes:
                log.warning("zendesk: %s — %s", fix.problem, fix.setting)
        self._modes, self._discovery = modes, found
        return found

    def account_report(self) -> AccountReport:
        """Who the credentials are and what the account offers (``deskroute doctor``)."""
        return account.account_report(self)

    def modes(self) -> ZendeskModes:
        """The sources in use, probing the account first when due."""
        if self._modes is None or self._rosters % REDISCOVER_EVERY == 0:
            self.discover()
        assert self._modes is not None
        return self._modes

    def _probe(self) -> Probes:
        records, refused_why = features.refused(
            lambda: list(self.api.items("/api/v2/agent_availabilities", "data", pages=1))
        )
        status = presence.has_agent_status(records or [])
        detail = refused_why or (
            "agent_status returned" if status else "records carry no agent_status"
        )
        schedules, schedule_why = features.refused(
            lambda: self.api.get("/api/v2/business_hours/schedules.json").get("schedules") or []
        )
        attributes, _ = features.refused(
            lambda: self.api.get("/api/v2/routing/attributes.json").get("attributes") or []
        )
        users = list(self.api.items("/api/v2/users.json", "users", USER_ROLES, pages=1))
        chosen, chosen_detail = self._schedule(schedules, schedule_why)
        return Probes(
            agent_status=status,
            availability_detail=detail,
            schedules=None if schedules is None else tuple(schedules),
            schedule=chosen,
            schedule_detail=chosen_detail,
            attributes=None if attributes is None else len(attributes),
            user_fields=features.deskroute_fields(users),
        )

    def _schedule(
        self, schedules: list[Mapping[str, Any]] | None, why: str | None
    ) -> tuple[Any, str]:
        """The configured (or first) schedule with its holidays, and how to name it."""
        if not schedules:
            return None, why or "none defined"
        wanted = self.options.schedule_id
        raw = next((s for s in schedules if wanted is None or s.get("id") == wanted), None)
        if raw is None:
            return None, f"schedule {wanted} not found among {len(schedules)}"
        holidays, _ = features.refused(
            lambda: (
                self.api.get(f"/api/v2/business_hours/schedules/{raw['id']}/holidays.json").get(
                    "holidays"
                )
                or []
            )
        )
        try:
            chosen = presence.schedule_from_json(raw, holidays or [])
        except (ValueError, KeyError, TypeError) as error:
            return None, f"schedule {raw.get('id')} cannot be read: {error}"
        return chosen, f"'{raw.get('name')}' ({chosen.timezone})"

    # -- reading ---------------------------------------------------------------------------
    def poll(self, cursor: str | None) -> PollPage:
        """One page of the cursor-based incremental export (``start_time`` only the first time).

        Every changed ticket is handed over, solved and closed ones too, with its status and
        first reply time (``metric_sets`` sideload), so the sidecar sees tickets close and
        reopen and can time first replies.
        """
        data = self._export_page(cursor, self.options.start_time, include=INTAKE_SIDELOADS)
        groups = self.groups()
        metrics, emails = mapping.metric_sets_by_ticket(data), mapping.user_emails(data)
        tickets = map_each(
            data.get("tickets") or [],
            lambda raw: mapping.ticket_from_json(
                raw, groups, metrics.get(str(raw.get("id"))), emails
            ),
            "zendesk ticket",
        )
        next_cursor = data.get("after_cursor") or cursor
        return PollPage(
            tickets=tuple(self._with_skills(tickets)),
            cursor=next_cursor,
            done=bool(data.get("end_of_stream")),
        )

    def unassigned(self, cursor: str | None) -> UnassignedPage:
        """One page (100) of the open tickets without an assignee, oldest first, from the
        Search API, whatever the export cursor says; the cursor is the next page number.

        developer.zendesk.com/api-reference/ticketing/ticket-management/search/: offset
        pages of at most 100, at most 1,000 results a query (page 11 answers 422), ordered
        by ``sort_by`` (``created_at``) and ``sort_order``; ``status<solved`` is new, open,
        pending and on-hold, as the poll hands them over; ``assignee:none`` is a property
        with no value (support article 4408886879258). The index trails writes by minutes
        (the same page), so the sweep compares each ticket's ``updated_at`` with the store.
        """
        page = page_cursor(cursor)
        data = self.transport.send(
            "GET",
            "/api/v2/search.json",
            params={"query": UNASSIGNED_QUERY, "page": page, "per_page": SEARCH_PAGE,
                    "sort_by": "created_at", "sort_order": "asc"},
        ).json()  # fmt: skip
        listed = tuple(
            Listed(ticket_id=str(row["id"]), updated_at=time_or_none(row.get("updated_at")))
            for row in data.get("results") or []
            if row.get("id") is not None and row.get("result_type", "ticket") == "ticket"
        )
        more = bool(data.get("next_page"))
        capped = more and page >= SEARCH_MAX_PAGES
        return UnassignedPage(
            tickets=listed, cursor=str(page + 1) if more and not capped else None, capped=capped
        )

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
        result: Mapping[str, Any] = self.transport.send(
            "GET", path, params=params, limit="export"
        ).json()
        return result

    def fetch(self, ticket_id: str) -> Ticket:
        """Re-read one ticket with its metric set; a deleted ticket raises ``SkippableError``."""
        path = f"/api/v2/tickets/{ticket_id}.json"
        data = self.transport.send(
            "GET", path, params={"include": INTAKE_SIDELOADS}, per_ticket=True
        ).json()
        raw = data["ticket"]
        metrics = mapping.metric_sets_by_ticket(data).get(str(raw.get("id")))
        emails, groups = mapping.user_emails(data), self.groups()
        ticket = map_one(
            raw, lambda r: mapping.ticket_from_json(r, groups, metrics, emails), "zendesk ticket"
        )
        return self._with_skills([ticket])[0]

    def _with_skills(self, tickets: list[Ticket]) -> list[Ticket]:
        """Tickets waiting for an agent, with the skills Zendesk's skill rules gave them
        (one read per such ticket, only where skills come from routing attributes)."""
        if (
            self.options.skills not in (features.AUTO, features.ROUTING_ATTRIBUTES)
            or (self._modes or self.modes()).skills != features.ROUTING_ATTRIBUTES
        ):
            return tickets
        return [self._ticket_skills(t) if _waiting(t) else t for t in tickets]

    def _ticket_skills(self, ticket: Ticket) -> Ticket:
        path = f"/api/v2/routing/tickets/{ticket.id}/instance_values.json"
        data, why = features.refused(lambda: self.api.get(path))
        if data is None:
            log.warning("zendesk: the skills API stopped answering (%s); probing again", why)
            self._reprobe()
            return ticket
        skills = routing_skills.ticket_skills(data.get("attribute_values") or [])
        merged = {**skills, **ticket.required_skills}
        return ticket.evolve(required_skills=merged) if merged else ticket

    def _group_rows(self) -> Iterator[Mapping[str, Any]]:
        return self.api.items("/api/v2/groups.json", "groups")

    def fetch_many(self, ticket_ids: Sequence[str]) -> dict[str, Ticket]:
        """Re-read tickets with ``show_many``, 100 per request (unknown ids are left out)."""
        groups = self.groups()
        found: dict[str, Ticket] = {}
        for start in range(0, len(ticket_ids), BULK_MAX):
            for ticket in map_each(
                self.api.show_many(ticket_ids[start : start + BULK_MAX]),
                lambda raw: mapping.ticket_from_json(raw, groups),
                "zendesk ticket",
            ):
                found[ticket.id] = ticket
        return found

    def read_many(self, ticket_ids: Sequence[str]) -> dict[str, Ticket]:
        """Read tickets in full for intake: ``show_many`` with their metric sets, 100 per
        request, and their skills as ``fetch`` reads them (unknown ids are left out)."""
        found: list[Ticket] = []
        for start in range(0, len(ticket_ids), BULK_MAX):
            found += self._read_batch(ticket_ids[start : start + BULK_MAX])
        return {ticket.id: ticket for ticket in self._with_skills(found)}

    def _read_batch(self, ticket_ids: Sequence[str]) -> list[Ticket]:
        groups = self.groups()
        shown = self.api.show_many_for_intake(ticket_ids)

        def build(row: Mapping[str, Any]) -> Ticket:
            metrics = shown.metrics.get(str(row.get("id")))
            return mapping.ticket_from_json(row, groups, metrics, shown.emails)

        return map_each(shown.tickets.values(), build, "zendesk ticket")

    def roster(self) -> RosterSnapshot:
        """Agents with groups, availability and skills from this account's sources, and the
        open tickets each holds."""
        modes = self.modes()
        self._rosters += 1
        groups = self.groups(refresh=True)
        members = mapping.memberships_by_user(
            self.api.items("/api/v2/group_memberships.json", "group_memberships"), groups
        )
        # an administrator outside every group, as the API user often is (the sandbox's
        # is), manages the desk rather than taking its tickets: never routed to
        users = [
            user
            for user in self.api.items("/api/v2/users.json", "users", USER_ROLES)
            if user.get("role") != "admin" or str(user["id"]) in members
        ]
        people, why = features.refused(lambda: self._people(modes, users))
        if people is None:
            log.warning("zendesk: an optional API stopped answering (%s); probing again", why)
            modes = self._reprobe()
            people = self._people(modes, users)
        statuses, skills = people
        agents = tuple(
            map_each(
                users,
                lambda user: self._agent(user, members, statuses, skills, modes),
                "zendesk agent",
            )
        )
        holdings = self._holdings({agent.id for agent in agents})
        return RosterSnapshot(agents=agents, loads=holdings.loads(), holdings=holdings)

    def _people(
        self, modes: ZendeskModes, users: list[Mapping[str, Any]]
    ) -> tuple[dict[str, AgentStatus], dict[str, dict[str, int]] | None]:
        """Presence per user, and skills per user where routing attributes hold them."""
        skills = self._agent_skills(users) if modes.skills == features.ROUTING_ATTRIBUTES else None
        return self._statuses(modes, users), skills

    def _reprobe(self) -> ZendeskModes:
        """Probe the account again now (a feature went away) and return the new modes."""
        self._modes = None
        return self.modes()

    def _agent(
        self,
        user: Mapping[str, Any],
        members: Mapping[str, frozenset[str]],
        statuses: Mapping[str, AgentStatus],
        skills: Mapping[str, dict[str, int]] | None,
        modes: ZendeskModes,
    ) -> Agent:
        user_id = str(user["id"])
        own = (
            skills.get(user_id, {})
            if skills is not None
            else features.field_skills(user)
            if modes.skills == features.USER_FIELD
            else {}
        )
        return mapping.agent_from_json(
            user,
            members.get(user_id, frozenset()),
            statuses[user_id],
            self.options.max_load,
            skills=own,
            schedule=modes.schedule,
        )

    def _statuses(
        self, modes: ZendeskModes, users: list[Mapping[str, Any]]
    ) -> dict[str, AgentStatus]:
        """Each user's presence: omnichannel status (no record: offline), else away or not."""
        if modes.availability == features.OMNICHANNEL:
            known = presence.statuses(self.api.items("/api/v2/agent_availabilities", "data"))
            return {str(u["id"]): known.get(str(u["id"]), AgentStatus.OFFLINE) for u in users}
        return {
            str(u["id"]): AgentStatus.AWAY if presence.is_away(u) else AgentStatus.ONLINE
            for u in users
        }

    def _agent_skills(self, users: list[Mapping[str, Any]]) -> dict[str, dict[str, int]]:
        """Skills per agent from routing attributes, 100 agents per request."""
        ids = [str(u["id"]) for u in users]
        rows: list[Mapping[str, Any]] = []
        for start in range(0, len(ids), BULK_MAX):
            rows += self.api.items(
                "/api/v2/routing/agents/instance_values",
                "instance_values",
                {"filter[agent_ids]": ",".join(ids[start : start + BULK_MAX])},
            )
        values = routing_skills.agents_values(rows)
        return {
            str(u["id"]): routing_skills.agent_skills(
                values.get(str(u["id"]), []),
                (u.get("user_fields") or {}).get(features.SKILLS_FIELD),
            )
            for u in users
        }

    def _holdings(self, known: set[str]) -> Holdings:
        """Open tickets per assignee via search (offset pages, capped at 1,000 results)."""
        held: list[Holding] = []
        for page in range(1, SEARCH_MAX_PAGES + 1):
            data = self.transport.send(
                "GET",
                "/api/v2/search.json",
                params={"query": OPEN_QUERY, "page": page, "per_page": 100},
            ).json()
            held += [
                Holding(
                    ticket_id=str(row["id"]),
                    agent_id=str(row["assignee_id"]),
                    updated_at=time_or_none(row.get("updated_at")),
                )
                for row in data.get("results") or []
                if row.get("assignee_id") is not None and str(row["assignee_id"]) in known
            ]
            if not data.get("next_page"):
                return Holdings(tickets=tuple(held), lag=SEARCH_LAG)
        log.warning("zendesk: more than 1,000 open tickets; loads are a lower bound")
        return Holdings(tickets=tuple(held), complete=False, lag=SEARCH_LAG)

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
                        yield mapping.history_from_json(
                            raw, metrics.get(str(raw.get("id"))), groups
                        )
                    except (SkippableError, ValueError) as error:
                        log.warning(
                            "zendesk: ticket %s left out of history: %s", raw.get("id"), error
                        )
            cursor = data.get("after_cursor") or cursor
            if data.get("end_of_stream"):
                return

    # -- writing (connectors/zendesk/writer.py; assign, assign_many, jobs_running and add_note
    # go to ``self.writes`` through ``VendorConnector``) -------------------------------------
    def find_overwrites(self, requests: Sequence[WriteRequest]) -> dict[str, WriteResult]:
        """Landed writes that replaced a person's change, put back (``ZendeskWrites``)."""
        return self.writes.find_overwrites(requests)


def _waiting(ticket: Ticket) -> bool:
    """Open and unassigned: a ticket the router may decide on."""
    status = str(ticket.custom_fields.get("status") or "new")
    return ticket.assignee is None and status in OPEN_STATUSES
