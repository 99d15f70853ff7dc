"""Flat simulation output: one record per ticket, and the columnar view metrics work on."""

from __future__ import annotations

import csv
import math
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, fields
from pathlib import Path

import numpy as np
import numpy.typing as npt

NAN = math.nan


@dataclass(slots=True)
class TicketRecord:
    """What happened to one ticket. Times are minutes from the scenario start (NaN: never).

    The values known when the ticket arrives come first, so the simulator builds a record
    positionally (a keyword call costs about twice as much, once per ticket); the outcome
    fields after them start empty and are filled in as the ticket is served.
    """

    ticket: str
    category: str
    priority: str
    language: str
    channel: str
    group: str | None
    arrival: float
    sla_target: float
    reopen: bool = False
    policy: str = ""
    replication: int = 0
    assigned: float = NAN
    agent: str | None = None
    end: float = NAN
    handle: float = NAN
    abandoned: bool = False
    gave_up: float = NAN
    escalated: bool = False
    skill_match: float = NAN
    customer: str | None = None
    continuity: bool = False
    value_tier: str | None = None
    """The customer's value tier (``router.customer.value_tier``; None: no shop context)."""
    ships_at: float = NAN
    """When the unfulfilled order the ticket is about ships (NaN: not about one)."""

    @property
    def wait(self) -> float:
        """Minutes from arrival to assignment, or to abandonment (NaN: still waiting at the end)."""
        return (self.gave_up if self.abandoned else self.assigned) - self.arrival

    @property
    def sla_met(self) -> bool:
        """Assigned within the SLA target (an abandoned or unserved ticket misses it)."""
        return not math.isnan(self.assigned) and self.assigned - self.arrival <= self.sla_target


FIELDS = (
    "ticket", "category", "priority", "language", "channel", "group", "arrival", "sla_target",
    "assigned", "agent", "end", "handle", "abandoned", "gave_up", "escalated", "reopen",
    "skill_match", "policy", "replication", "customer", "continuity", "value_tier",
    "ships_at",
)  # fmt: skip
"""Every field of a record, in the order of the CSV columns: the order they have always
had, kept apart from the field order (which serves construction)."""


def as_dict(record: TicketRecord) -> dict[str, object]:
    """The record with its derived fields (wait, sla_met), ready for CSV or JSON."""
    row = asdict(record)
    row["wait"] = record.wait
    row["sla_met"] = record.sla_met
    return row


def write_csv(records: Sequence[TicketRecord], path: Path) -> None:
    """Write records as CSV, one row per ticket."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=[*FIELDS, "wait", "sla_met"])
        writer.writeheader()
        for record in records:
            writer.writerow(as_dict(record))


@dataclass(frozen=True)
class Columns:
    """Records as numpy columns (the form every metric reads)."""

    ticket: npt.NDArray[np.str_]
    arrival: npt.NDArray[np.float64]
    assigned: npt.NDArray[np.float64]
    end: npt.NDArray[np.float64]
    handle: npt.NDArray[np.float64]
    sla_target: npt.NDArray[np.float64]
    abandoned: npt.NDArray[np.bool_]
    gave_up: npt.NDArray[np.float64]
    skill_match: npt.NDArray[np.float64]
    category: npt.NDArray[np.str_]
    channel: npt.NDArray[np.str_]
    priority: npt.NDArray[np.str_]
    agent: npt.NDArray[np.str_]
    value_tier: npt.NDArray[np.str_]
    """The customer's value tier ("" without shop context)."""
    ships_at: npt.NDArray[np.float64]
    """When the unfulfilled order the ticket is about ships (NaN: not about one)."""
    reopen: npt.NDArray[np.bool_]
    came_back: npt.NDArray[np.bool_]
    """The ticket was reopened: a record ``<ticket>r`` exists (in any window)."""

    @property
    def wait(self) -> npt.NDArray[np.float64]:
        """Minutes to assignment or abandonment (NaN: still waiting when the run ended)."""
        return np.where(self.abandoned, self.gave_up, self.assigned) - self.arrival

    @property
    def served(self) -> npt.NDArray[np.bool_]:
        """Tickets that were assigned."""
        return ~np.isnan(self.assigned)

    @property
    def resolved(self) -> npt.NDArray[np.bool_]:
        """Tickets whose work ended before the run did."""
        return ~np.isnan(self.end)

    @property
    def sla_met(self) -> npt.NDArray[np.bool_]:
        """Assigned within the SLA target (abandoned or unserved tickets miss it)."""
        return self.served & (self.assigned - self.arrival <= self.sla_target)

    def __len__(self) -> int:
        return len(self.arrival)

    def where(self, mask: npt.NDArray[np.bool_] | npt.NDArray[np.intp]) -> Columns:
        """The rows where ``mask`` holds (or the rows numbered in it)."""
        return Columns(**{f.name: getattr(self, f.name)[mask] for f in fields(self)})

    def arrived(self, warmup: float, until: float) -> Columns:
        """The rows of tickets that arrived in ``[warmup, until)``."""
        return self.where((self.arrival >= warmup) & (self.arrival < until))


def columns(
    records: Sequence[TicketRecord], warmup: float = 0.0, until: float = math.inf
) -> Columns:
    """Columns of the records that arrived in ``[warmup, until)``.

    ``came_back`` looks at every record, so a ticket whose reopening arrived after ``until``
    still counts as reopened.
    """
    returned = {r.ticket.removesuffix("r") for r in records if r.reopen}
    kept = [r for r in records if warmup <= r.arrival < until]

    def floats(name: str) -> npt.NDArray[np.float64]:
        return np.fromiter((getattr(r, name) for r in kept), dtype=float, count=len(kept))

    def flags(values: Iterable[bool]) -> npt.NDArray[np.bool_]:
        return np.fromiter(values, dtype=bool, count=len(kept))

    return Columns(
        ticket=np.array([r.ticket for r in kept], dtype=str),
        arrival=floats("arrival"),
        assigned=floats("assigned"),
        end=floats("end"),
        handle=floats("handle"),
        sla_target=floats("sla_target"),
        abandoned=flags(r.abandoned for r in kept),
        gave_up=floats("gave_up"),
        skill_match=floats("skill_match"),
        category=np.array([r.category for r in kept], dtype=str),
        channel=np.array([r.channel for r in kept], dtype=str),
        priority=np.array([r.priority for r in kept], dtype=str),
        agent=np.array([r.agent or "" for r in kept], dtype=str),
        value_tier=np.array([r.value_tier or "" for r in kept], dtype=str),
        ships_at=floats("ships_at"),
        reopen=flags(r.reopen for r in kept),
        came_back=flags(not r.reopen and r.ticket in returned for r in kept),
    )
