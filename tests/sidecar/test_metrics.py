"""The rate budget gauge reads the connector's ``budget_left`` at every scrape."""

from __future__ import annotations

from pathlib import Path

import pytest

from config.policy_file import PolicyFile
from config.settings import Settings
from sidecar.metrics import Metrics
from sidecar.service import Sidecar
from sidecar.store import Store, on_clock
from tests.sidecar.fakes import FakeClock, FakeDesk

GAUGE = "deskroute_rate_budget_remaining"


def samples(metrics: Metrics) -> list[str]:
    """The gauge's sample lines (comments left out)."""
    text = metrics.render().decode()
    return [line for line in text.splitlines() if line.startswith(GAUGE)]


@pytest.mark.parametrize(
    ("left", "expected"),
    [
        pytest.param(12.5, [f"{GAUGE} 12.5"], id="known"),
        pytest.param(0.0, [f"{GAUGE} 0.0"], id="spent"),
        pytest.param(None, [], id="no-budget-no-sample"),
    ],
)
def test_the_gauge_shows_what_the_connector_reports(
    left: float | None, expected: list[str]
) -> None:
    metrics = Metrics()
    metrics.watch_budget(lambda: left)
    assert samples(metrics) == expected
    assert f"# TYPE {GAUGE} gauge" in metrics.render().decode()


def test_the_sidecar_reads_its_connectors_budget_at_scrape_time(
    tmp_path: Path, clock: FakeClock
) -> None:
    desk = FakeDesk(clock=clock, budget=40.0)
    store = Store.open(
        f"sqlite:///{tmp_path / 'm.sqlite3'}", "replica-a", clock(), due_clock=on_clock(clock)
    )
    sidecar = Sidecar(
        settings=Settings(), connector=desk, store=store, router=PolicyFile().router(), clock=clock
    )
    try:
        assert samples(sidecar.metrics) == [f"{GAUGE} 40.0"]
        desk.budget = 3.0
        assert samples(sidecar.metrics) == [f"{GAUGE} 3.0"]
    finally:
        store.close()
