"""Replay real arrivals: the history export (JSON lines) or a documented CSV, as simulated tickets.

Each historical ticket arrives at its real ``created_at`` (relative to the earliest one)
with its real category, priority, language and channel. Its work time is the time from
first assignment to first reply when both are known (else to solution, capped at
``MAX_HANDLE_MIN``); tickets without either take their category's mean from the scenario.

CSV columns (header required): ``created_at`` (ISO 8601 with offset), ``category``,
``priority``, ``language``, ``channel``, ``group``, ``handle_min`` (all but ``created_at``
optional).
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from connectors.history import HistoryRecord, read_history
from router.model import Priority
from simulation.scenario import Scenario
from simulation.traffic import Arrival

MAX_HANDLE_MIN = 8 * 60.0
OTHER = "other"


@dataclass(frozen=True)
class Past:
    """One historical ticket and its observed work time in minutes (None: unknown)."""

    record: HistoryRecord
    handle_min: float | None


def read_past(path: Path) -> list[Past]:
    """Historical tickets from ``.jsonl`` (export format) or ``.csv``, sorted by arrival."""
    if path.suffix.lower() == ".csv":
        past = list(_read_csv(path))
    else:
        past = [Past(record, handle_minutes(record)) for record in read_history(path)]
    if not past:
        raise ValueError(f"{path}: no tickets to replay")
    return sorted(past, key=lambda p: p.record.created_at)


def _read_csv(path: Path) -> Iterable[Past]:
    with path.open(newline="", encoding="utf-8") as handle:
        for number, row in enumerate(csv.DictReader(handle), start=2):
            try:
                created = datetime.fromisoformat(row["created_at"])
            except (KeyError, TypeError, ValueError):
                raise ValueError(f"{path}:{number}: created_at must be ISO 8601") from None
            if created.tzinfo is None:
                raise ValueError(f"{path}:{number}: created_at needs a time zone offset")
            handle_min = row.get("handle_min") or ""
            record = HistoryRecord(
                id=row.get("id") or f"csv-{number}",
                created_at=created,
                type=row.get("category") or None,
                priority=row.get("priority") or "normal",
                language=row.get("language") or None,
                channel=row.get("channel") or "email",
                group=row.get("group") or None,
            )
            yield Past(record, float(handle_min) if handle_min else None)


def category_of(record: HistoryRecord) -> str:
    """The replayed category: the ticket type, else its group, else ``other``."""
    return record.type or record.group or OTHER


def handle_minutes(record: HistoryRecord) -> float | None:
    """Observed work time in minutes, or None when the history does not show it."""
    start = record.first_assigned_at
    end = record.first_reply_at or record.solved_at
    if start is None or end is None or end <= start:
        return None
    return min((end - start).total_seconds() / 60.0, MAX_HANDLE_MIN)


def priority_name(record: HistoryRecord) -> str:
    """The record's priority as a lower-case name (unknown values become ``normal``)."""
    try:
        return Priority.parse(record.priority).name.lower()
    except ValueError:
        return "normal"


def arrivals(past: Sequence[Past], scenario: Scenario) -> list[Arrival]:
    """Replayed arrivals, minutes after ``scenario.start`` (the earliest ticket's time)."""
    categories = scenario.traffic.categories
    first = scenario.start
    replayed = []
    for number, (record, observed) in enumerate((p.record, p.handle_min) for p in past):
        category = category_of(record)
        if category not in categories:
            category = max(categories, key=lambda name: categories[name].share)
        replayed.append(Arrival(
            number=number,
            at_min=(record.created_at - first).total_seconds() / 60.0,
            category=category,
            priority=priority_name(record),
            language=record.language or "en",
            channel=record.channel,
            base_handle_min=observed if observed else categories[category].handle.mean,
            patience_min=math.inf,
            reopen_after_min=None,
        ))
    return replayed
