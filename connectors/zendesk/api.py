"""Reading Zendesk's list shapes through the transport: cursor pages, show_many, the API user."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from connectors.transport import Transport
from connectors.zendesk.mapping import metric_sets_by_ticket, user_emails

PAGE_SIZE = 100
"""Most cursor-paginated endpoints allow at most 100 per page."""
INTAKE_SIDELOADS = "metric_sets,users"
"""What a ticket read for routing sideloads: its metric set (first reply) and its users
(the requester's e-mail address, the shop's lookup key)."""


@dataclass(frozen=True, slots=True)
class Shown:
    """A ``show_many`` answer read for intake, by ticket id (emails by user id)."""

    tickets: dict[str, Mapping[str, Any]]
    metrics: dict[str, Mapping[str, Any]]
    emails: dict[str, str]


class ZendeskApi:
    """The few request shapes every part of the Zendesk connector uses."""

    def __init__(self, transport: Transport) -> None:
        self.transport = transport
        self._me: str | None = None

    def get(self, path: str, params: Mapping[str, Any] | None = None) -> Mapping[str, Any]:
        """One JSON object."""
        data: Mapping[str, Any] = self.transport.send("GET", path, params=params).json()
        return data

    def items(
        self,
        path: str,
        key: str,
        params: Mapping[str, Any] | None = None,
        *,
        pages: int | None = None,
    ) -> Iterator[Mapping[str, Any]]:
        """Every item of a cursor-paginated list (``page[size]``), stopping when
        ``meta.has_more`` is false (``links.next`` is set even on the last page) or after
        ``pages`` pages."""
        query: Mapping[str, Any] | None = {**(params or {}), "page[size]": PAGE_SIZE}
        url, read = path, 0
        while True:
            data = self.get(url, query)
            yield from data.get(key) or []
            read += 1
            meta, links = data.get("meta") or {}, data.get("links") or {}
            if not meta.get("has_more") or not links.get("next") or read == pages:
                return
            url, query = links["next"], None

    def show_many(self, ticket_ids: Sequence[str]) -> list[Mapping[str, Any]]:
        """The raw tickets of up to 100 ids, in one ``show_many`` request."""
        data = self.get("/api/v2/tickets/show_many.json", {"ids": ",".join(ticket_ids)})
        return list(data.get("tickets") or [])

    def show_many_for_intake(self, ticket_ids: Sequence[str]) -> Shown:
        """Up to 100 raw tickets with their metric sets and their requesters' e-mail
        addresses (``include=metric_sets,users``), by id."""
        data = self.get(
            "/api/v2/tickets/show_many.json",
            {"ids": ",".join(ticket_ids), "include": INTAKE_SIDELOADS},
        )
        return Shown(
            tickets={str(t.get("id")): t for t in data.get("tickets") or []},
            metrics=metric_sets_by_ticket(data),
            emails=user_emails(data),
        )

    def show_many_with_metrics(
        self, ticket_ids: Sequence[str]
    ) -> tuple[dict[str, Mapping[str, Any]], dict[str, Mapping[str, Any]]]:
        """Up to 100 raw tickets and their metric sets (``include=metric_sets``), by id."""
        data = self.get(
            "/api/v2/tickets/show_many.json",
            {"ids": ",".join(ticket_ids), "include": "metric_sets"},
        )
        tickets = {str(t.get("id")): t for t in data.get("tickets") or []}
        metrics = {
            str(m.get("ticket_id")): m
            for m in data.get("metric_sets") or []
            if isinstance(m, Mapping)
        }
        return tickets, metrics

    def me(self) -> str:
        """The id of the user the credentials act as (read once): the author of our audits."""
        if self._me is None:
            self._me = str(self.get("/api/v2/users/me.json")["user"]["id"])
        return self._me
