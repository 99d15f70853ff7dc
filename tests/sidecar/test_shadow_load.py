"""Shadow picks count toward a shadow load the next shadow decisions read (issue 17)."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest

from router.model import Agent, Capacity, Ticket
from sidecar import lifecycle
from sidecar.shadow_load import shadow_loads
from sidecar.store import Store, TicketRow
from tests.sidecar.builders import Rig
from tests.sidecar.fakes import FakeClock

T0 = datetime(2026, 3, 2, 9, tzinfo=UTC)
AGENTS = {
    "ann": Agent(id="ann", name="Ann"),
    "bob": Agent(id="bob", name="Bob", capacity=Capacity(weights={"chat": 2.0})),
}


def shadow_row(ticket_id: str, ours: str | None, holder: str | None, **fields: object) -> TicketRow:
    ticket = Ticket(id=ticket_id, created_at=T0, assignee=holder, **fields)
    return TicketRow(ticket, lifecycle.SHADOW, ours, None, None, 0)


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        pytest.param([], {"ann": 1.0, "bob": 1.0}, id="no-shadow-ticket-real-loads"),
        pytest.param([shadow_row("1", "ann", None)], {"ann": 2.0, "bob": 1.0},
                     id="unassigned-pick-adds-to-ours"),
        pytest.param([shadow_row("1", "ann", "bob")], {"ann": 2.0, "bob": 0.0},
                     id="person-gave-it-to-another-moves-it-onto-ours"),
        pytest.param([shadow_row("1", "ann", "ann")], {"ann": 1.0, "bob": 1.0},
                     id="person-agreed-already-counted-by-the-desk"),
        pytest.param([shadow_row("1", "bob", None, channel="chat")], {"ann": 1.0, "bob": 3.0},
                     id="weighted-by-our-agents-capacity"),
        pytest.param([shadow_row("1", "ann", "bob"), shadow_row("2", "ann", "bob")],
                     {"ann": 3.0, "bob": 0.0}, id="never-below-zero"),
        pytest.param([shadow_row("1", "zed", "gone")], {"ann": 1.0, "bob": 1.0},
                     id="agents-off-the-roster-ignored"),
    ],
)  # fmt: skip
def test_shadow_load_moves_each_open_shadow_ticket_onto_our_pick(
    rows: list[TicketRow], expected: dict[str, float]
) -> None:
    assert shadow_loads({"ann": 1.0, "bob": 1.0}, rows, AGENTS) == expected


def test_shadow_load_leaves_the_given_loads_untouched() -> None:
    loads = {"ann": 1.0}
    shadow_loads(loads, [shadow_row("1", "ann", None)], AGENTS)
    assert loads == {"ann": 1.0}


@pytest.fixture
def sqlite_store(tmp_path: Path, clock: FakeClock) -> Store:
    return Store.open(f"sqlite:///{tmp_path / 's.sqlite3'}", "replica-a", clock())


def test_33_shadow_decisions_spread_over_a_small_team_as_live_ones_would(
    sqlite_store: Store, clock: FakeClock
) -> None:
    """Regression: without the shadow load, the one agent the help desk showed lightest
    (ann, holding nothing) got every one of 33 shadow picks, one pass after another."""
    rig = Rig(sqlite_store, clock, dry_run=True)
    for name in ("ann", "bob", "cat"):
        rig.desk.add_agent(name, capacity=Capacity(max_load=20))
    for n in range(3):  # bob and cat each hold three tickets people gave them
        rig.desk.new_ticket(f"b{n}", assignee="bob")
        rig.desk.new_ticket(f"c{n}", assignee="cat")
    for n in range(33):
        rig.desk.new_ticket(str(n))
        rig.cycle()
        clock.advance(60)
    picks = Counter(rig.store.tickets.get(str(n)).our_agent for n in range(33))  # type: ignore[union-attr]
    assert sorted(picks.values()) == [10, 10, 13]  # 13 + 0 = 10 + 3: loads level out
    assert picks["ann"] == 13
    assert rig.store.loads.loads() == {"ann": 0.0, "bob": 3.0, "cat": 3.0}  # real loads
    assert rig.desk.writes == []


def test_a_live_sidecar_never_reads_the_shadow_load(sqlite_store: Store, clock: FakeClock) -> None:
    rig = Rig(sqlite_store, clock)
    rig.desk.add_agent("ann")
    rig.desk.add_agent("bob")
    rig.desk.new_ticket("1")
    rig.cycle()
    sqlite_store.tickets.set_state("1", lifecycle.SHADOW, clock())  # as if left from a dry run
    assert rig.pipeline.roster().load("ann") + rig.pipeline.roster().load("bob") == 1.0
