"""The live Rich dashboard of a running sidecar: queue, agents, SLA clocks, latest decisions.

``gather`` reads one consistent picture from the store; ``render`` turns it into Rich
renderables and does no I/O, so it is tested on hand-made pictures.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from config.settings import FollowThroughSettings
from router.model import Priority, Ticket
from sidecar import lifecycle
from sidecar.followthrough import reply_limits
from sidecar.sla import sla_deadline
from sidecar.store import Store

SLA_FALLBACK = timedelta(hours=8)


@dataclass(frozen=True)
class Picture:
    """Everything one dashboard frame shows."""

    now: datetime
    remaining: float | None
    states: dict[str, int]
    outbox: dict[str, int]
    agents: list[dict[str, Any]]
    assigned_by_agent: dict[str, int]
    waiting: list[Ticket]
    recent: list[dict[str, Any]]
    sla_targets: dict[int, timedelta] = field(default_factory=dict)


@dataclass(frozen=True)
class Tally:
    """What the sidecar has done so far: the counts the dashboard's header and the demo's
    closing summary both show, taken from one place so that the two always agree."""

    taken: int
    """Tickets the sidecar has seen, in any state."""
    assigned: int
    """Assignments written to the help desk (since the start, not only the open ones)."""
    redecided: int
    """Write-backs dropped because the ticket changed underneath, then decided again."""
    pending: int
    waiting: int
    human: int
    parked: int
    outbox: int
    """Write-backs queued or being sent."""

    @classmethod
    def of(cls, states: dict[str, int], outbox: dict[str, int]) -> Tally:
        """The tally of ticket-state and outbox-state counts."""
        return cls(
            taken=sum(states.values()),
            assigned=outbox.get("done", 0),
            redecided=outbox.get("superseded", 0),
            pending=states.get(lifecycle.PENDING, 0),
            waiting=states.get(lifecycle.WAITING, 0),
            human=states.get(lifecycle.HUMAN, 0),
            parked=states.get(lifecycle.PARKED, 0),
            outbox=outbox.get("pending", 0) + outbox.get("sending", 0),
        )


def sla_due(ticket: Ticket, targets: dict[int, timedelta]) -> datetime:
    """When the ticket's SLA clock runs out: the desk's due time, else its priority's target,
    else ``SLA_FALLBACK`` after creation."""
    due = sla_deadline(ticket, {Priority(p): limit for p, limit in targets.items()})
    return ticket.created_at + SLA_FALLBACK if due is None else due


def gather(
    store: Store, now: datetime, settings: FollowThroughSettings, remaining: float | None = None
) -> Picture:
    """Read one frame's worth of state from the store."""
    summary = store.summary()
    per_agent = summary["per_agent"]
    assert isinstance(per_agent, dict)
    rows = store.tickets.in_states((lifecycle.WAITING,))
    # most urgent first, then longest waiting: roughly the order the router offers them
    waiting = sorted((r.ticket for r in rows), key=lambda t: (-t.priority, t.waiting_since))[:12]
    return Picture(
        now=now, remaining=remaining, states=store.tickets.counts(),
        outbox=store.outbox.counts(), agents=store.loads.table(),
        assigned_by_agent={str(k): int(v) for k, v in per_agent.items()},
        waiting=waiting, recent=store.decisions.recent(8),
        sla_targets={int(p): limit for p, limit in reply_limits(settings).items()},
    )  # fmt: skip


def clock_text(delta: timedelta) -> str:
    """``m:ss``, or ``h:mm:ss`` from an hour on; negative when overdue."""
    seconds = int(delta.total_seconds())
    sign = "-" if seconds < 0 else ""
    hours, rest = divmod(abs(seconds), 3600)
    minutes, seconds = divmod(rest, 60)
    return (
        f"{sign}{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{sign}{minutes}:{seconds:02d}"
    )


def _header(p: Picture) -> Text:
    tally = Tally.of(p.states, p.outbox)
    parts = [
        f"taken in {tally.taken}",
        f"assigned {tally.assigned}",
        f"waiting {tally.waiting}",
        f"pending {tally.pending}",
        f"human-owned {tally.human}",
        f"parked {tally.parked}",
        f"outbox {tally.outbox}",
    ]
    if p.remaining is not None:
        parts.append(f"{p.remaining:.0f}s left")
    return Text("  ·  ".join(parts), style="bold")


def _agents(p: Picture) -> Table:
    table = Table(title="agents", expand=True)
    for column in ("agent", "status", "load", "routed by us"):
        table.add_column(column)
    for agent in p.agents:
        bar = _bar(float(agent["load"]), float(agent["max_load"]))
        style = "green" if agent["status"] == "online" else "dim"
        table.add_row(
            Text(str(agent["name"] or agent["agent_id"]), style=style), str(agent["status"]),
            bar, str(p.assigned_by_agent.get(str(agent["agent_id"]), 0)),
        )  # fmt: skip
    return table


def _bar(load: float, limit: float, width: int = 10) -> Text:
    filled = 0 if limit <= 0 else min(width, round(width * load / limit))
    style = "red" if load >= limit else "yellow" if filled > width * 0.7 else "green"
    return Text("█" * filled + "·" * (width - filled) + f" {load:g}/{limit:g}", style=style)


def _queue(p: Picture) -> Table:
    table = Table(title="waiting queue (SLA clocks)", expand=True)
    for column in ("ticket", "priority", "waited", "SLA left"):
        table.add_column(column)
    for ticket in p.waiting:
        left = sla_due(ticket, p.sla_targets) - p.now
        table.add_row(
            ticket.id, ticket.priority.name.lower(), clock_text(ticket.waited(p.now)),
            Text(clock_text(left), style="red" if left.total_seconds() < 0 else "green"),
        )  # fmt: skip
    return table


def _recent(p: Picture) -> Table:
    table = Table(title="latest decisions", expand=True)
    for column in ("ticket", "→", "why"):
        table.add_column(column)
    names = {str(agent["agent_id"]): str(agent["name"] or agent["agent_id"]) for agent in p.agents}
    for item in p.recent:
        target = (
            names.get(item["agent"], item["agent"]) if item["outcome"] == "assigned" else "wait"
        )
        passed, seen = item["eligible"]
        why = item["reason"] or f"{passed}/{seen} eligible"
        if item["rules"]:
            why += "; rules: " + ", ".join(item["rules"])
        if item["cause"] not in ("new", "queue"):
            why += f"; moved: {item['cause']}"
        table.add_row(str(item["ticket"]), str(target), why)
    return table


def render(p: Picture) -> RenderableType:
    """One frame of the dashboard."""
    body = Table.grid(expand=True)
    body.add_column(ratio=1)
    body.add_column(ratio=1)
    body.add_row(_agents(p), Group(_queue(p), _recent(p)))
    return Panel(Group(_header(p), body), title="deskroute sidecar", border_style="blue")
