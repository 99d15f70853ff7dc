"""Flat simulation output: one record per ticket, and the columnar view metrics work on."""

from __future__ import annotations

import csv
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, fields
from pathlib import Path

import numpy as np
import numpy.typing as npt

NAN = math.nan


@dataclass(slots=True)
class TicketRecord:
    """What happened to one ticket. Times are minutes from the scenario start (NaN: never)."""

    ticket: str
    category: str
    priority: str
    language: str
    channel: str
    group: str | None
    arrival: float
    sla_target: float
    assigned: float = NAN
    agent: str | None = None
    end: float = NAN
    handle: float = NAN
    abandoned: bool = False
    gave_up: float = NAN
    escalated: bool = False
    reopen: bool = False
    skill_match: float = NAN
    policy: str = ""
    replication: int = 0
    customer: str | None = None
    continuity: bool = False

    @property
    def wait(self) -> float:
        """Minutes from arrival to assignment, or to abandonment (NaN: still waiting at the end)."""
        return (self.gave_up if self.abandoned else self.assigned) - self.arrival

    @property
    def sla_met(self) -> bool:
        """Assigned within the SLA target (an abandoned or unserved ticket misses it)."""
        return not math.isnan(self.assigned) and self.assigned - self.arrival <= self.sla_target


FIELDS = tuple(f.name for f in fields(TicketRecord))


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

    arrival: npt.NDArray[np.float64]
    assigned: npt.NDArray[np.float64]
    end: npt.NDArray[np.float64]
    handle: npt.NDArray[np.float64]
    sla_target: npt.NDArray[np.float64]
    abandoned: npt.NDArray[np.bool_]
    gave_up: npt.NDArray[np.float64]
    skill_match: npt.NDArray[np.float64]
    category: npt.NDArray[np.str_]
    priority: npt.NDArray[np.str_]
    agent: npt.NDArray[np.str_]

    @property
    def wait(self) -> npt.NDArray[np.float64]:
        """Minutes to assignment or abandonment (NaN: still waiting when the run ended)."""
        return np.where(self.abandoned, self.gave_up, self.assigned) - self.arrival

    @property
    def served(self) -> npt.NDArray[np.bool_]:
        """Tickets that were assigned."""
        return ~np.isnan(self.assigned)

    def __len__(self) -> int:
        return len(self.arrival)

    def where(self, mask: npt.NDArray[np.bool_]) -> Columns:
        """The rows where ``mask`` holds."""
        return Columns(**{f.name: getattr(self, f.name)[mask] for f in fields(self)})


def columns(
    records: Sequence[TicketRecord], warmup: float = 0.0, until: float = math.inf
) -> Columns:
    """Columns of the records that arrived in ``[warmup, until)``."""
    kept = [r for r in records if warmup <= r.arrival < until]

    def floats(name: str) -> npt.NDArray[np.float64]:
        return np.fromiter((getattr(r, name) for r in kept), dtype=float, count=len(kept))

    return Columns(
        arrival=floats("arrival"),
        assigned=floats("assigned"),
        end=floats("end"),
        handle=floats("handle"),
        sla_target=floats("sla_target"),
        abandoned=np.fromiter((r.abandoned for r in kept), dtype=bool, count=len(kept)),
        gave_up=floats("gave_up"),
        skill_match=floats("skill_match"),
        category=np.array([r.category for r in kept], dtype=str),
        priority=np.array([r.priority for r in kept], dtype=str),
        agent=np.array([r.agent or "" for r in kept], dtype=str),
    )
