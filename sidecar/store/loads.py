"""Agent load as the sidecar knows it: the help desk's figure plus our unsent write-backs."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from connectors.base import Holdings
from router.model import Agent
from sidecar import lifecycle
from sidecar.holdings import StoreView, reconcile
from sidecar.store import schema
from sidecar.store.database import reading

L = schema.agent_load


@dataclass(frozen=True, kw_only=True, slots=True)
class StoredRoster:
    """The roster a leader last read and stored: its agents, and when it was read."""

    agents: tuple[Agent, ...]
    read_at: datetime


def adjust_load(conn: sa.Connection, agent_id: str, delta: float) -> None:
    """Add ``delta`` capacity units to an agent's load (never below zero)."""
    conn.execute(
        L.update()
        .where(L.c.agent_id == agent_id)
        .values(load=sa.case((L.c.load + delta < 0, 0.0), else_=L.c.load + delta))
    )


class LoadStore:
    """Persisted per-agent load, refreshed from the help desk's roster."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    def refresh(
        self,
        agents: tuple[Agent, ...],
        loads: Mapping[str, float],
        now: datetime,
        holdings: Holdings | None = None,
    ) -> None:
        """Replace the table with the roster; in-flight write-backs are added on top.

        With ``holdings`` (the open tickets the help desk's search shows), each agent's load
        is those reconciled with the store's own newer knowledge (sidecar/holdings.py).
        Without, agents the help desk gave no load for keep the sum of what we routed to them.
        """
        with self.engine.begin() as conn:
            inflight = self._inflight(conn)
            routed = self._routed(conn)
            if holdings is not None:
                loads = reconcile(holdings, self._views(conn, holdings, now), now)
                routed = {}
            conn.execute(L.delete())
            for agent in agents:
                base = loads.get(agent.id, routed.get(agent.id, 0.0))
                conn.execute(
                    L.insert().values(
                        agent_id=agent.id,
                        name=agent.name,
                        status=agent.status.value,
                        load=base + inflight.get(agent.id, 0.0),
                        max_load=agent.capacity.max_load,
                        refreshed_at=now,
                        profile=agent.model_dump(mode="json"),
                    )
                )

    def loads(self) -> dict[str, float]:
        """Current load per agent."""
        with reading(self.engine) as conn:
            return {
                row.agent_id: row.load for row in conn.execute(sa.select(L.c.agent_id, L.c.load))
            }

    def table(self) -> list[dict[str, object]]:
        """Every agent's name, status, load and limit (for metrics and the dashboard)."""
        shown = [column for column in L.c if column.name != "profile"]
        with reading(self.engine) as conn:
            rows = conn.execute(sa.select(*shown).order_by(L.c.agent_id))
            return [dict(row._mapping) for row in rows]

    def last_roster(self) -> StoredRoster | None:
        """The agents as the last roster read (by any replica) gave them, and when; None
        when no roster was stored, or a row lacks its agent (written by older code)."""
        with reading(self.engine) as conn:
            rows = list(conn.execute(sa.select(L.c.profile, L.c.refreshed_at)))
        if not rows or any(row.profile is None for row in rows):
            return None
        agents = tuple(Agent.model_validate(row.profile) for row in rows)
        return StoredRoster(agents=agents, read_at=min(row.refreshed_at for row in rows))

    @staticmethod
    def _inflight(conn: sa.Connection) -> dict[str, float]:
        o = schema.outbox
        query = (
            sa.select(o.c.agent_id, sa.func.sum(o.c.weight))
            .where(o.c.status.in_(schema.ACTIVE_WRITES))
            .group_by(o.c.agent_id)
        )
        return {agent: float(total) for agent, total in conn.execute(query)}

    @staticmethod
    def _views(conn: sa.Connection, holdings: Holdings, now: datetime) -> list[StoreView]:
        """The stored tickets the reconciliation needs: those the search shows, those
        changed within its lag, and (when the search was capped) every held open one."""
        t = schema.tickets
        shown = [holding.ticket_id for holding in holdings.tickets]
        wanted = sa.or_(t.c.ticket_id.in_(shown), t.c.changed_at >= now - holdings.lag)
        if not holdings.complete:
            wanted = sa.or_(
                wanted, sa.and_(t.c.assignee.is_not(None), t.c.state != lifecycle.CLOSED)
            )
        query = sa.select(
            t.c.ticket_id, t.c.assignee, t.c.updated_at, t.c.changed_at, t.c.state
        ).where(wanted)
        return [
            StoreView(
                ticket_id=row.ticket_id,
                agent_id=row.assignee,
                updated_at=row.updated_at,
                learned_at=row.changed_at,
                open=row.state != lifecycle.CLOSED,
            )
            for row in conn.execute(query)
        ]

    @staticmethod
    def _routed(conn: sa.Connection) -> dict[str, float]:
        t = schema.tickets
        query = (
            sa.select(t.c.our_agent, sa.func.count())
            .where(t.c.state == lifecycle.ASSIGNED, t.c.our_agent.is_not(None))
            .group_by(t.c.our_agent)
        )
        return {agent: float(total) for agent, total in conn.execute(query)}
