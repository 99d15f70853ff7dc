"""What the chaos harness reads from the sidecar's store: decisions, outbox and states."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

from config.settings import StoreSettings
from sidecar.store import Store
from sidecar.store.database import reading
from sidecar.store.schema import decisions, seen, tickets


class StoreView:
    """A read-mostly view of the replicas' shared store (opened after they migrated it)."""

    def __init__(self, url: str, schema_name: str | None = None) -> None:
        settings = StoreSettings(schema_name=schema_name) if schema_name else StoreSettings()
        self.store = Store.open(url, "chaos-observer", datetime.now(UTC), settings)

    def decided(self) -> dict[str, set[str]]:
        """Ticket id → the agents the router decided to assign it to."""
        query = sa.select(decisions.c.ticket_id, decisions.c.agent_id).where(
            decisions.c.outcome == "assigned"
        )
        found: dict[str, set[str]] = {}
        with reading(self.store.engine) as conn:
            for ticket_id, agent_id in conn.execute(query):
                found.setdefault(str(ticket_id), set()).add(str(agent_id))
        return found

    def taken_in(self, via: str) -> int:
        """Ticket versions taken in by way of ``via`` (``reconcile``, ``webhook``, ``poll``)."""
        query = sa.select(sa.func.count()).select_from(seen).where(seen.c.via == via)
        with reading(self.store.engine) as conn:
            return int(conn.execute(query).scalar() or 0)

    def outbox(self) -> dict[str, int]:
        """Write-backs per status."""
        return self.store.outbox.counts()

    def states(self) -> dict[str, int]:
        """Tickets per state."""
        query = sa.select(tickets.c.state, sa.func.count()).group_by(tickets.c.state)
        with reading(self.store.engine) as conn:
            return {str(state): int(count) for state, count in conn.execute(query)}

    def close(self) -> None:
        """Release the connections."""
        self.store.close()
