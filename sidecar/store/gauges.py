"""What the queue looks like now, for the metrics a dashboard plots (read at scrape time)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa

from router.policies.base import refusal_kind
from sidecar import lifecycle
from sidecar.store import schema
from sidecar.store.database import reading


@dataclass(frozen=True, slots=True)
class QueueGauges:
    """The waiting queue and the parked tickets at one moment."""

    oldest_waiting_s: float | None = None
    """Seconds the longest-waiting ticket has waited (None: nothing waits)."""
    waiting: dict[str, int] = field(default_factory=dict)
    """Tickets waiting, by the filter that finally left nobody (``refusal_kind``);
    ``undecided`` for tickets not decided yet."""
    parked: int = 0
    """Tickets whose write-back the help desk refused for good."""


def queue_gauges(engine: sa.Engine, now: datetime) -> QueueGauges:
    """Read the gauges: one grouped query over the tickets table."""
    t = schema.tickets
    since = sa.func.coalesce(t.c.queued_at, t.c.first_seen_at)
    query = (
        sa.select(t.c.state, t.c.reason, sa.func.count(), sa.func.min(since))
        .where(t.c.state.in_([*lifecycle.TO_DECIDE, lifecycle.PARKED]))
        .group_by(t.c.state, t.c.reason)
    )
    waiting: dict[str, int] = {}
    parked, oldest = 0, None
    with reading(engine) as conn:
        for state, reason, count, first in conn.execute(query):
            if state == lifecycle.PARKED:
                parked += int(count)
                continue
            kind = refusal_kind(reason) if state == lifecycle.WAITING else "undecided"
            waiting[kind] = waiting.get(kind, 0) + int(count)
            if first is not None and (oldest is None or first < oldest):
                oldest = first
    age = None if oldest is None else max(0.0, (now - oldest).total_seconds())
    return QueueGauges(age, waiting, parked)
