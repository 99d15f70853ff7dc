"""Sideloads of the sandbox's Zendesk ticket endpoints: ``include=metric_sets,users``.

Zendesk sideloads records a response refers to when ``include`` names them; the ticket
endpoints (show, show_many, list) and the incremental ticket export accept ``users`` and
``metric_sets`` among others (developer.zendesk.com/documentation/ticketing/using-the-zendesk-api/
side_loading/; developer.zendesk.com/api-reference/ticketing/ticket-management/
incremental_exports/: "The ticket, ticket event, organization, and user incremental export
endpoints support side-loading"). ``users`` holds every user the tickets name (requester,
submitter, assignee), each once, in full user shape. The sandbox serves these two; any other
name is ignored, as Zendesk ignores a sideload it does not know.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from fastapi import Request

from sandbox import zendesk_history_render as history_render
from sandbox import zendesk_people_render as people
from sandbox.store import Desk, TicketRecord
from sandbox.ticket_metrics import ticket_metrics


def asked(request: Request) -> set[str]:
    """The sideload names of the request's ``include``."""
    return {part.strip() for part in request.query_params.get("include", "").split(",")}


def sideloads(
    request: Request, desk: Desk, tickets: Iterable[TicketRecord], base: str
) -> dict[str, Any]:
    """The sideloaded lists ``include`` asks for, to merge into the response body."""
    names, found = asked(request), list(tickets)
    body: dict[str, Any] = {}
    if "metric_sets" in names:
        body["metric_sets"] = [
            history_render.metric_set(ticket_metrics(desk, t), base) for t in found
        ]
    if "users" in names:
        body["users"] = users_of(desk, found, base, request.app.state.sandbox.zendesk_profile)
    return body


def users_of(desk: Desk, tickets: list[TicketRecord], base: str, profile: Any) -> list[Any]:
    """Every user the tickets name (requester, assignee), once each, by id."""
    ids = {t.requester_id for t in tickets} | {t.assignee_id for t in tickets if t.assignee_id}
    users: list[dict[str, Any]] = []
    with desk.lock:
        for user_id in sorted(ids):
            agent = desk.agents.get(user_id)
            if agent is not None:
                stamps = desk.directory.stamp(desk.directory.agents, agent.id)
                users.append(people.user(agent, stamps, base, profile))
            else:
                users.append(people.person(desk.directory.requester(user_id), base, profile))
    return users
