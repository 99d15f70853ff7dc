"""The console's pure formatting: shifts, SLA clocks and write-backs in words."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from router.schedule import Schedule, Window
from sidecar.console.queue import sla_text
from sidecar.console.team import shift_text
from sidecar.console.ticket import write_back_text
from sidecar.store.console_views import WriteBack

T0 = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


def window(days: range | list[int], start: int, end: int) -> Window:
    return Window(days=frozenset(days), start=time(start), end=time(end))


@pytest.mark.parametrize(
    ("schedule", "text"),
    [
        pytest.param(None, "always on shift", id="no-schedule"),
        pytest.param(Schedule(shifts=tuple(window([d], 0, 0) for d in range(7))),
                     "around the clock (UTC)", id="one-window-per-day-all-day"),
        pytest.param(Schedule(timezone="Europe/Berlin", shifts=(window(range(5), 9, 17),)),
                     "Mon–Fri 09:00–17:00 (Europe/Berlin)", id="office-hours"),
        pytest.param(Schedule(shifts=(window([0, 2], 22, 6), window([5], 10, 14)),
                              breaks=(window(range(7), 12, 13),)),
                     "Mon, Wed 22:00–06:00; Sat 10:00–14:00; breaks every day 12:00–13:00 (UTC)",
                     id="nights-weekend-and-breaks"),
    ],
)  # fmt: skip
def test_a_shift_reads_as_days_and_hours(schedule: Schedule | None, text: str) -> None:
    assert shift_text(schedule) == text


@pytest.mark.parametrize(
    ("due", "text", "breached"),
    [
        pytest.param(None, None, False, id="no-target"),
        pytest.param(T0 + timedelta(minutes=90), "1 h 30 min left", False, id="running"),
        pytest.param(T0 - timedelta(minutes=5), "breached 5 min ago", True, id="breached"),
    ],
)
def test_the_sla_clock_says_time_left_or_how_long_ago_it_broke(
    due: datetime | None, text: str | None, breached: bool
) -> None:
    assert sla_text(due, T0) == (text, breached)


def write(status: str, attempts: int = 1, error: str | None = None) -> WriteBack:
    finished = None if status in ("pending", "sending") else T0
    return WriteBack(status, attempts, error, T0, finished)


@pytest.mark.parametrize(
    ("back", "dry_run", "text"),
    [
        pytest.param(write("done"), False,
                     "written to the help desk at 2026-11-25 09:00:00 (after 1 attempt)",
                     id="done"),
        pytest.param(write("pending", 2, "429 rate limited"), False,
                     "pending: queued for the help desk (after 2 attempts); last error: "
                     "429 rate limited", id="retrying"),
        pytest.param(write("parked", 5, "ticket deleted"), False,
                     "parked at 2026-11-25 09:00:00: ticket deleted", id="parked"),
        pytest.param(write("superseded", 1, "conflict: a person assigned it"), False,
                     "not written: conflict: a person assigned it at 2026-11-25 09:00:00",
                     id="superseded"),
        pytest.param(None, True, "none (dry run: recorded only)", id="dry-run"),
    ],
)  # fmt: skip
def test_a_write_back_is_told_in_words(back: WriteBack | None, dry_run: bool, text: str) -> None:
    assert write_back_text(back, dry_run) == text
