"""Agent load from a lagging search index reconciled with the store's own knowledge."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from connectors.base import Holding, Holdings
from router.model import Capacity
from sidecar import lifecycle
from sidecar.holdings import StoreView, reconcile
from sidecar.store import Store, on_clock
from tests.sidecar.builders import Rig
from tests.sidecar.fakes import FakeClock

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
LAG = timedelta(minutes=10)


def ago(minutes: float) -> datetime:
    return NOW - timedelta(minutes=minutes)


def desk(*held: tuple[str, str, float], complete: bool = True) -> Holdings:
    """Search results: (ticket, agent, minutes since the version the index shows)."""
    return Holdings(
        tickets=tuple(Holding(ticket_id=t, agent_id=a, updated_at=ago(m)) for t, a, m in held),
        complete=complete,
        lag=LAG,
    )


def known(
    ticket: str,
    agent: str | None,
    version_minutes: float,
    learned_minutes: float,
    *,
    open: bool = True,
) -> StoreView:
    return StoreView(
        ticket_id=ticket,
        agent_id=agent,
        updated_at=ago(version_minutes),
        learned_at=ago(learned_minutes),
        open=open,
    )


@pytest.mark.parametrize(
    ("holdings", "store", "loads"),
    [
        pytest.param(
            desk(),
            [known("1", "ann", 30, 0.5)],
            {"ann": 1.0},
            id="we-just-assigned-it-the-index-has-not-caught-up",
        ),
        pytest.param(
            desk(),
            [known("1", "ann", 30, 20)],
            {},
            id="index-caught-up-long-ago-so-absence-means-not-held",
        ),
        pytest.param(
            desk(("1", "bob", 1)),
            [known("1", "ann", 30, 5)],
            {"bob": 1.0},
            id="a-person-moved-it-later-than-we-know",
        ),
        pytest.param(
            desk(("1", "ann", 30)),
            [known("1", "ann", 1, 1, open=False)],
            {},
            id="we-saw-it-solved-the-index-still-shows-it-open",
        ),
        pytest.param(
            desk(("1", "ann", 30)),
            [known("1", "bob", 30, 2)],
            {"bob": 1.0},
            id="same-version-the-store-knows-better",
        ),
        pytest.param(
            desk(complete=False),
            [known("1", "ann", 90, 60)],
            {"ann": 1.0},
            id="capped-search-proves-nothing-by-absence",
        ),
        pytest.param(
            desk(("2", "bob", 3)),
            [known("1", "ann", 30, 1)],
            {"ann": 1.0, "bob": 1.0},
            id="only-in-the-index-or-only-in-the-store",
        ),
        pytest.param(desk(), [known("1", None, 1, 1)], {}, id="unassigned"),
    ],
)
def test_reconcile(holdings: Holdings, store: list[StoreView], loads: dict[str, float]) -> None:
    assert reconcile(holdings, store, NOW) == loads


@pytest.fixture
def rig(tmp_path: Path, clock: FakeClock) -> Rig:
    store = Store.open(
        f"sqlite:///{tmp_path / 'h.sqlite3'}", "replica-a", clock(), due_clock=on_clock(clock)
    )
    made = Rig(store, clock)
    made.desk.add_agent("ann", capacity=Capacity(max_load=2))
    return made


def test_a_roster_refresh_from_a_lagging_index_does_not_overload_an_agent(rig: Rig) -> None:
    rig.desk.new_ticket("0")
    rig.cycle()
    rig.desk.freeze_index()  # the search index shows ticket 0 held, and nothing newer
    rig.desk.new_ticket("1")
    rig.cycle()
    assert rig.desk.writes == [("0", "ann"), ("1", "ann")]
    rig.clock.advance(30)
    rig.desk.new_ticket("2")
    rig.cycle()  # its roster refresh reads the lagging index: ann holds one ticket there
    assert rig.store.loads.loads()["ann"] == 2.0
    assert len(rig.desk.writes) == 2  # ann is full: ticket 2 waits
    assert rig.state("2") == lifecycle.WAITING
