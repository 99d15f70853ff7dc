"""``GET /admin/shadow-report``: the shadow report as JSON over a window the request names."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from config.settings import Settings
from sidecar.http import AppContext, create_app
from sidecar.metrics import Metrics
from sidecar.store import Store
from tests.secret_values import ADMIN_TOKEN
from tests.sidecar.builders import Rig
from tests.sidecar.fakes import T0, FakeClock

AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


@pytest.fixture
def http(tmp_path: Path, clock: FakeClock) -> Iterator[TestClient]:
    """The admin API over a store where, in dry run, three tickets were decided on the
    first day and a person assigned two of them (one as we would have)."""
    store = Store.open(f"sqlite:///{tmp_path / 'h.sqlite3'}", "r", clock())
    rig = Rig(store, clock, dry_run=True)
    for name in ("ann", "bob"):
        rig.desk.add_agent(name)
    for n in range(3):
        rig.desk.new_ticket(str(n))
    rig.cycle()
    ours = {n: store.tickets.get(str(n)).our_agent for n in range(2)}  # type: ignore[union-attr]
    rig.desk.human_edit("0", assignee=ours[0])
    rig.desk.human_edit("1", assignee="bob" if ours[1] == "ann" else "ann")
    rig.cycle()
    clock.advance(2 * 86400)
    ctx = AppContext(
        settings=Settings(admin_token=ADMIN_TOKEN, shadow={"min_compared": 2}), store=store,
        metrics=Metrics(), clock=clock, is_leader=lambda: True, ready=lambda: True,
        kick=lambda: None, accepting=lambda: True,
    )  # fmt: skip
    with TestClient(create_app(ctx)) as client:
        yield client
    store.close()


def test_the_default_window_reports_agreement_with_the_persons_first_choice(
    http: TestClient,
) -> None:
    answer = http.get("/admin/shadow-report", headers=AUTH)
    assert answer.status_code == 200
    report = answer.json()
    assert (report["decided"], report["compared"], report["agreed"]) == (3, 2, 1)
    assert report["agreement"] == 0.5
    assert report["disagreements"]["eligible"] == 1
    assert report["time_to_assign"]["ours"]["count"] == 2
    assert set(report["load_spread"]["ours"]["picks"]) == {"ann", "bob"}
    assert report["recommendation"]["ready"] is True  # the thresholds, min_compared 2, hold
    assert report["thresholds"]["min_compared"] == 2


@pytest.mark.parametrize(
    ("query", "decided"),
    [
        pytest.param("?days=3", 3, id="days-covering-the-decisions"),
        pytest.param("?days=1", 0, id="days-after-the-decisions"),
        pytest.param(f"?since={T0.date().isoformat()}&until={T0.date().isoformat()}", 3,
                     id="since-until-one-day"),
        pytest.param("?since=2026-11-26", 0, id="since-the-next-day"),
    ],
)  # fmt: skip
def test_the_window_is_chosen_by_days_or_since_and_until(
    http: TestClient, query: str, decided: int
) -> None:
    answer = http.get("/admin/shadow-report" + query, headers=AUTH)
    assert answer.status_code == 200
    assert answer.json()["decided"] == decided


@pytest.mark.parametrize(
    ("query", "message"),
    [
        pytest.param("?days=abc", "days", id="days-not-a-number"),
        pytest.param("?days=0", "query.days: Input should be greater than 0", id="zero-days"),
        pytest.param("?since=yesterday", "query.since: String should match", id="bad-since"),
        pytest.param("?since=2026-13-45", "since: not an ISO 8601 date or time", id="no-such-day"),
        pytest.param("?day=3", "unknown parameter 'day'; use days, or since and until",
                     id="unknown-parameter"),
        pytest.param("?since=2026-11-25&days=2", "give since or days, not both", id="both"),
        pytest.param("?since=2026-11-27&until=2026-11-26", "since must be before until",
                     id="backwards"),
    ],
)  # fmt: skip
def test_a_malformed_window_gets_422_with_the_reason(
    http: TestClient, query: str, message: str
) -> None:
    answer = http.get("/admin/shadow-report" + query, headers=AUTH)
    assert answer.status_code == 422
    assert message in answer.json()["error"]


def test_the_report_needs_the_admin_token(http: TestClient) -> None:
    assert http.get("/admin/shadow-report").status_code == 401
    wrong = {"Authorization": "Bearer not-the-token"}
    assert http.get("/admin/shadow-report", headers=wrong).status_code == 401
