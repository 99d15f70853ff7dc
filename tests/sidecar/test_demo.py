"""``deskroute demo`` end to end (sandbox + sidecar + dashboard), and the dashboard's frames."""

from __future__ import annotations

from datetime import timedelta

import pytest
from rich.console import Console
from typer.testing import CliRunner

from cli.main import app
from router.model import Priority, Ticket
from sidecar.dashboard import Picture, Tally, clock_text, render, sla_due
from tests.sidecar.fakes import T0


def test_demo_routes_live_sandbox_traffic_and_summarises() -> None:
    result = CliRunner().invoke(app, ["demo", "--seconds", "4", "--tickets-per-minute", "120"])
    assert result.exit_code == 0, result.output
    assert "what the sidecar did in 4s" in result.output
    taken = next(line for line in result.output.splitlines() if "tickets taken in" in line)
    assert int(taken.split("│")[2]) > 0
    assert "assignments per agent:" in result.output


def test_the_demo_routes_on_the_shops_customer_context_and_through_a_shop_outage() -> None:
    result = CliRunner().invoke(
        app, ["demo", "--seconds", "8", "--tickets-per-minute", "240",
              "--shop-outage-after", "4"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "customer context: ticket" in text and "rules:" in text
    used = int(text.split("decisions with the shop's customer context: ")[1].split(";")[0])
    down = int(text.split("routed without it (shop unavailable): ")[1].split()[0])
    assert used > 0 and down > 0
    assert "parked (could not write) │ 0" in text


@pytest.mark.parametrize(
    ("delta", "shown"),
    [
        pytest.param(timedelta(seconds=75), "1:15", id="minutes"),
        pytest.param(timedelta(hours=8, seconds=5), "8:00:05", id="hours"),
        pytest.param(timedelta(seconds=-30), "-0:30", id="overdue"),
    ],
)
def test_sla_clocks(delta: timedelta, shown: str) -> None:
    assert clock_text(delta) == shown


def test_a_dashboard_frame_shows_queue_agents_sla_and_decisions() -> None:
    waiting = Ticket(id="7", created_at=T0, priority=Priority.URGENT, queued_at=T0)
    picture = Picture(
        now=T0 + timedelta(minutes=40), remaining=12.0,
        states={"waiting": 1, "assigned": 3}, outbox={"pending": 2},
        agents=[{"agent_id": "a1", "name": "Ann", "status": "online", "load": 3.0,
                 "max_load": 3.0}],
        assigned_by_agent={"a1": 3}, waiting=[waiting],
        recent=[{"ticket": "9", "outcome": "assigned", "agent": "a1", "reason": None,
                 "cause": "offline", "rules": ["vip"], "eligible": (1, 4)}],
        sla_targets={int(Priority.URGENT): timedelta(minutes=30)},
    )  # fmt: skip
    console = Console(width=140, record=True)
    console.print(render(picture))
    text = console.export_text()
    for expected in ("waiting 1", "outbox 2", "12s left", "Ann", "3/3", "-10:00", "40:00",
                     "1/4 eligible; rules: vip; moved: offline"):  # fmt: skip
        assert expected in text
    assert sla_due(waiting, picture.sla_targets) == T0 + timedelta(minutes=30)


def test_the_header_counts_assignments_since_the_start_as_the_summary_does() -> None:
    states = {"assigned": 14, "closed": 31, "waiting": 2, "human": 1}
    outbox = {"done": 45, "superseded": 1, "pending": 2}
    picture = Picture(
        now=T0, remaining=None, states=states, outbox=outbox, agents=[],
        assigned_by_agent={}, waiting=[], recent=[],
    )  # fmt: skip
    console = Console(width=80, record=True)
    console.print(render(picture))
    header = " ".join(console.export_text().split())
    tally = Tally.of(states, outbox)  # what the demo's summary prints
    assert (tally.taken, tally.assigned, tally.waiting, tally.human) == (48, 45, 2, 1)
    for shown in ("taken in 48", "assigned 45", "waiting 2", "human-owned 1", "outbox 2"):
        assert shown in header
