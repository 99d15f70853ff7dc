"""Read-only summaries over the store: the shadow-mode agreement report and routing totals."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from sidecar import lifecycle
from sidecar.store import schema
from sidecar.store.database import reading


@dataclass(frozen=True, slots=True)
class ShadowReport:
    """How often our dry-run decision matched the agent a human actually chose."""

    decided: int
    compared: int
    agreed: int
    disagreements: list[dict[str, str]] = field(default_factory=list)

    @property
    def agreement(self) -> float | None:
        """Share of compared tickets where we agreed (None before any human assigned one)."""
        return self.agreed / self.compared if self.compared else None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "decided": self.decided,
            "compared": self.compared,
            "agreed": self.agreed,
            "agreement": self.agreement,
            "disagreements": self.disagreements,
        }


def shadow_report(engine: sa.Engine, sample: int = 20) -> ShadowReport:
    """Compare each shadow decision with the assignee the help desk shows now."""
    t = schema.tickets
    query = sa.select(t.c.ticket_id, t.c.our_agent, t.c.assignee).where(
        t.c.state == lifecycle.SHADOW
    )
    with reading(engine) as conn:
        rows = list(conn.execute(query))
    compared = [row for row in rows if row.assignee is not None]
    differ = [row for row in compared if row.assignee != row.our_agent]
    return ShadowReport(
        decided=len(rows),
        compared=len(compared),
        agreed=len(compared) - len(differ),
        disagreements=[
            {"ticket": row.ticket_id, "ours": row.our_agent, "human": row.assignee}
            for row in differ[:sample]
        ],
    )


def routed_summary(engine: sa.Engine) -> dict[str, Any]:
    """Decisions by outcome and agent, and the commonest reasons a ticket waited."""
    d = schema.decisions
    with reading(engine) as conn:
        per_agent = conn.execute(
            sa.select(d.c.agent_id, sa.func.count())
            .where(d.c.outcome == "assigned")
            .group_by(d.c.agent_id)
            .order_by(sa.func.count().desc())
        )
        agents = {agent: int(count) for agent, count in per_agent}
        reasons = conn.execute(
            sa.select(d.c.reason, sa.func.count())
            .where(d.c.outcome == "waiting")
            .group_by(d.c.reason)
            .order_by(sa.func.count().desc())
            .limit(5)
        )
        waiting = {str(reason): int(count) for reason, count in reasons}
        rules = conn.execute(sa.select(d.c.trace).where(d.c.outcome == "assigned"))
        matched: dict[str, int] = {}
        for (trace,) in rules:
            for name in trace.get("trace", {}).get("matched_rules", []):
                matched[name] = matched.get(name, 0) + 1
    return {"per_agent": agents, "waiting_reasons": waiting, "rules": matched}
