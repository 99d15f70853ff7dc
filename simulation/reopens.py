"""Was a historical ticket reopened? From the help desk's count, else a repeat contact.

A record's ``reopens`` (Zendesk's metric-set count) answers when present: reopened at least
once or not. Otherwise a repeat contact is the proxy: the same requester opened another
ticket of the same category within ``window`` after this one was solved (the usual
first-contact-resolution measure; 7 days by default). A ticket without requester or solved
time, or solved less than ``window`` before the history ends with no repeat seen, is
unjudged (None): its outcome is not known yet.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from router.history import HistoryRecord
from simulation.replay import category_of

DEFAULT_WINDOW_DAYS = 7.0


@dataclass(frozen=True)
class Reopens:
    """Each record's outcome (True, False, None: unjudged) and where the answers came from."""

    outcomes: list[bool | None]
    from_field: int
    from_repeat_contact: int
    unjudged: int


def judge_reopens(records: Sequence[HistoryRecord], window: timedelta) -> Reopens:
    """The reopen outcome of every record, in order (see the module's rules)."""
    if not records:
        return Reopens([], 0, 0, 0)
    contacts = _contacts(records)
    end = max(record.created_at for record in records)
    outcomes: list[bool | None] = []
    field = repeat = 0
    for record in records:
        if record.reopens is not None:
            outcomes.append(record.reopens > 0)
            field += 1
            continue
        outcome = _repeat_contact(record, contacts, window, end)
        repeat += outcome is not None
        outcomes.append(outcome)
    return Reopens(outcomes, field, repeat, len(records) - field - repeat)


def _contacts(records: Sequence[HistoryRecord]) -> dict[tuple[str, str], list[datetime]]:
    """Creation times of each requester's tickets per category, sorted."""
    contacts: dict[tuple[str, str], list[datetime]] = defaultdict(list)
    for record in records:
        if record.requester:
            contacts[record.requester, category_of(record)].append(record.created_at)
    for times in contacts.values():
        times.sort()
    return contacts


def _repeat_contact(
    record: HistoryRecord,
    contacts: dict[tuple[str, str], list[datetime]],
    window: timedelta,
    end: datetime,
) -> bool | None:
    """True when the requester came back about the same category within ``window``."""
    solved = record.solved_at
    if not record.requester or solved is None:
        return None
    times = contacts[record.requester, category_of(record)]
    later = bisect_right(times, solved)
    if later < len(times) and times[later] <= solved + window:
        return True
    return False if solved + window <= end else None
