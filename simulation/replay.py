"""Replay real arrivals: the history export (JSON lines) or a documented CSV, as simulated tickets.

Each historical ticket arrives at its real ``created_at`` (relative to the earliest one)
with its real category, priority, language and channel. Its work time is the time from
first assignment to first reply when both are known (else to solution, capped at
``MAX_HANDLE_MIN``); tickets without either take their category's mean from the scenario.

CSV columns (header required): ``created_at`` (ISO 8601 with offset), ``category``,
``priority``, ``language``, ``channel``, ``group``, ``handle_min`` (all but ``created_at``
optional; ``handle_min`` a positive number of minutes).
"""

from __future__ import annotations

import csv
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from pydantic import ValidationError

from connectors.history import read_history
from router.history import HistoryRecord
from router.model import Priority
from router.policies.speed import TOP_LEVEL, slower_by
from simulation.scenario import Scenario
from simulation.team import expand
from simulation.traffic import Arrival

MAX_HANDLE_MIN = 8 * 60.0
OTHER = "other"


@dataclass(frozen=True)
class Past:
    """One historical ticket and its observed work time in minutes (None: unknown)."""

    record: HistoryRecord
    handle_min: float | None


OnSkip = Callable[[str], None]


def read_past(path: Path, on_skip: OnSkip | None = None) -> list[Past]:
    """Historical tickets from ``.jsonl`` (export format) or ``.csv``, sorted by arrival.

    A line or row that cannot be read raises ValueError naming it, unless ``on_skip`` is
    given: then it is skipped and ``on_skip`` gets the message. No readable ticket at all
    is always an error.
    """
    if path.suffix.lower() == ".csv":
        past = list(_read_csv(path, on_skip))
    else:
        past = [Past(record, handle_minutes(record)) for record in read_history(path, on_skip)]
    if not past:
        raise ValueError(f"{path}: no tickets to replay")
    return sorted(past, key=lambda p: p.record.created_at)


def _read_csv(path: Path, on_skip: OnSkip | None) -> Iterable[Past]:
    with path.open(newline="", encoding="utf-8") as handle:
        for number, row in enumerate(csv.DictReader(handle), start=2):
            try:
                yield _past_of(row, number)
            except ValueError as error:
                message = f"{path}:{number}: {error}"
                if on_skip is None:
                    raise ValueError(message) from None
                on_skip(message)


def _past_of(row: dict[str, str], number: int) -> Past:
    """One CSV row as a historical ticket (ValueError says what is wrong with it)."""
    try:
        created = datetime.fromisoformat(row["created_at"])
    except (KeyError, TypeError, ValueError):
        raise ValueError("created_at must be ISO 8601") from None
    if created.tzinfo is None:
        raise ValueError("created_at needs a time zone offset")
    text = row.get("handle_min") or ""
    try:
        handle_min = float(text) if text else None
    except ValueError:
        raise ValueError(f"handle_min must be a number of minutes, not {text!r}") from None
    if handle_min is not None and not handle_min > 0:  # also refuses NaN
        raise ValueError(f"handle_min must be positive, not {text!r}")
    try:
        record = HistoryRecord(
            id=row.get("id") or f"csv-{number}",
            created_at=created,
            type=row.get("category") or None,
            priority=row.get("priority") or "normal",
            language=row.get("language") or None,
            channel=row.get("channel") or "email",
            group=row.get("group") or None,
        )
    except ValidationError as error:
        raise ValueError(f"not a ticket: {error.errors()[0]['msg']}") from None
    return Past(record, handle_min)


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
    """Replayed arrivals, minutes after ``scenario.start`` (the earliest ticket's time).

    An observed work time is its assignee's; when the scenario has that agent, it is
    divided by the agent's handle factor on the category (``handle_slowdown``), so the
    simulator's own factor for whoever takes the ticket is not applied on top of it.
    """
    categories = scenario.traffic.categories
    first = scenario.start
    factor = _assignee_factors(scenario)
    replayed = []
    for number, (record, observed) in enumerate((p.record, p.handle_min) for p in past):
        category = category_of(record)
        if category not in categories:
            category = max(categories, key=lambda name: categories[name].share)
        if observed and record.assignee:
            observed /= factor(record.assignee, category)
        replayed.append(
            Arrival(
                number=number,
                at_min=(record.created_at - first).total_seconds() / 60.0,
                category=category,
                priority=priority_name(record),
                language=record.language or "en",
                channel=record.channel,
                base_handle_min=observed if observed else categories[category].handle.mean,
                patience_min=math.inf,
                reopen_after_min=None,
            )
        )
    return replayed


def _assignee_factors(scenario: Scenario) -> Callable[[str, str], float]:
    """``(agent id, category) -> handle factor`` of the scenario's agents (1.0: unknown)."""
    skills = {agent_id: spec.skills for spec in scenario.agents for agent_id, _ in expand(spec)}
    categories, slowdown = scenario.traffic.categories, scenario.handle_slowdown

    def factor(agent_id: str, category: str) -> float:
        skill = categories[category].skill
        if not slowdown or skill is None or agent_id not in skills:
            return 1.0
        return slower_by(min(skills[agent_id].get(skill, 0), TOP_LEVEL) / TOP_LEVEL, slowdown)

    return factor
