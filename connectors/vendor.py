"""What the Zendesk and Freshdesk connectors share: options, construction, group names."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from connectors.base import NO_HOOKS, BulkHooks, WriteRequest, WriteResult
from connectors.budget import Sleep
from connectors.errors import SkippableError
from connectors.transport import Transport, TransportStats
from connectors.values import GroupDirectory
from router.model import Ticket


def fetch_each(fetch: Callable[[str], Ticket], ticket_ids: Sequence[str]) -> dict[str, Ticket]:
    """``fetch_many`` for help desks without a batch read: one ``fetch`` per ticket."""
    found: dict[str, Ticket] = {}
    for ticket_id in ticket_ids:
        try:
            found[ticket_id] = fetch(ticket_id)
        except SkippableError:
            continue
    return found


@dataclass(frozen=True, kw_only=True, slots=True)
class ConnectorOptions:
    """Knobs every bulk-capable connector shares (all but ``start_time`` have defaults)."""

    start_time: datetime
    max_load: float = 10.0
    bulk_threshold: int = 5
    job_poll_interval: float = 1.0
    job_timeout: float = 120.0


class DeskWrites(Protocol):
    """A vendor's write side (``ZendeskWrites``, ``FreshdeskWrites``): the connector's
    writing methods are theirs (see ``Connector`` for what each promises)."""

    def assign(self, request: WriteRequest) -> WriteResult: ...

    def assign_many(
        self, requests: Sequence[WriteRequest], hooks: BulkHooks = NO_HOOKS
    ) -> list[WriteResult]: ...

    def jobs_running(self, refs: Sequence[str]) -> set[str]: ...

    def add_note(self, ticket_id: str, text: str) -> None: ...


class VendorConnector(ABC):
    """Base of the HTTP connectors: a transport, options, a sleep seam, a group cache, and
    the vendor's write side (``writes``), which every writing method goes to."""

    writes: DeskWrites

    name = "vendor"
    read_batch = 1
    """``read_many`` reads one ticket a request unless a connector overrides it."""

    def __init__(self, transport: Transport, options: ConnectorOptions, sleep: Sleep) -> None:
        self.transport, self._sleep = transport, sleep
        self.bulk_threshold = options.bulk_threshold
        self._groups: GroupDirectory | None = None

    def groups(self, refresh: bool = False) -> GroupDirectory:
        """Group ids and names (read once, refreshed with the roster)."""
        if self._groups is None or refresh:
            rows = self._group_rows()
            self._groups = GroupDirectory({int(g["id"]): str(g["name"]) for g in rows})
        return self._groups

    def fetch_many(self, ticket_ids: Sequence[str]) -> dict[str, Ticket]:
        """Re-read several tickets one by one (connectors with a batch read override this)."""
        return fetch_each(self.fetch, ticket_ids)

    def read_many(self, ticket_ids: Sequence[str]) -> dict[str, Ticket]:
        """Read several tickets in full, one by one (connectors with a batch read that
        carries everything ``fetch`` reads override this)."""
        return fetch_each(self.fetch, ticket_ids)

    def find_overwrites(self, requests: Sequence[WriteRequest]) -> dict[str, WriteResult]:
        """None found: this help desk's writes cannot be checked afterwards (see
        ``Connector.find_overwrites``); connectors that can override this."""
        return {}

    def assign(self, request: WriteRequest) -> WriteResult:
        """One write (``writes.assign``: Zendesk's guarded update, Freshdesk's re-read first)."""
        return self.writes.assign(request)

    def assign_many(
        self, requests: Sequence[WriteRequest], hooks: BulkHooks = NO_HOOKS
    ) -> list[WriteResult]:
        """Bulk writes (``writes.assign_many``), asking and telling ``hooks``."""
        return self.writes.assign_many(requests, hooks)

    def jobs_running(self, refs: Sequence[str]) -> set[str]:
        """Bulk jobs the help desk has not finished (``writes.jobs_running``)."""
        return self.writes.jobs_running(refs)

    def add_note(self, ticket_id: str, text: str) -> None:
        """A private note on its own (``writes.add_note``)."""
        self.writes.add_note(ticket_id, text)

    def budget_left(self) -> float | None:
        """Requests the account budget allows now (see ``Connector.budget_left``)."""
        return self.transport.budget_left()

    def traffic(self) -> TransportStats:
        """What went over the wire (see ``Connector.traffic``)."""
        return self.transport.stats

    @abstractmethod
    def fetch(self, ticket_id: str) -> Ticket:
        """Re-read one ticket."""

    @abstractmethod
    def _group_rows(self) -> Iterable[Mapping[str, Any]]:
        """Every group object of the account (``id`` and ``name``)."""
