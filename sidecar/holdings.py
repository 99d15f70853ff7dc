"""Who holds which open ticket: the help desk's search index reconciled with our store (pure).

A help desk's search trails its writes by minutes (Zendesk: "up to a few minutes"), so a
roster refresh that counted open tickets from search alone would forget the tickets we just
assigned and hand their agents more. The store knows every version it took in and every
write it made. Per ticket, the newer of the two views wins; a ticket the search does not
show yet counts from the store while the change is younger than the index's lag (or always,
when the search was capped and absence proves nothing).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from connectors.base import Holding, Holdings


@dataclass(frozen=True, kw_only=True, slots=True)
class StoreView:
    """What the store knows of one ticket."""

    ticket_id: str
    agent_id: str | None
    updated_at: datetime | None
    """The help desk's ``updated_at`` of the version the store holds."""
    learned_at: datetime
    """When the store last changed this ticket (took in a version, or wrote it)."""
    open: bool


def _desk_newer(desk: Holding, store: StoreView) -> bool:
    if store.updated_at is None:
        return desk.updated_at is not None
    return desk.updated_at is not None and desk.updated_at > store.updated_at


def _indexed_by(store: StoreView, holdings: Holdings, now: datetime) -> bool:
    """True when the index has surely caught up with what the store learned."""
    return holdings.complete and now - store.learned_at > holdings.lag


def reconcile(holdings: Holdings, known: Iterable[StoreView], now: datetime) -> dict[str, float]:
    """Open tickets per agent id: the store's view where it is newer or not indexed yet,
    the help desk's otherwise."""
    desk = {holding.ticket_id: holding for holding in holdings.tickets}
    counts: dict[str, float] = {}
    settled: set[str] = set()
    for store in known:
        held = desk.get(store.ticket_id)
        if held is not None and _desk_newer(held, store):
            continue
        settled.add(store.ticket_id)
        if held is None and _indexed_by(store, holdings, now):
            continue
        if store.open and store.agent_id is not None:
            counts[store.agent_id] = counts.get(store.agent_id, 0.0) + 1.0
    for ticket_id, held in desk.items():
        if ticket_id not in settled:
            counts[held.agent_id] = counts.get(held.agent_id, 0.0) + 1.0
    return counts
