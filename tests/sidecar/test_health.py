"""Store health: what counts as an outage, one warning per outage, readiness with a reason,
and a sidecar whose PostgreSQL does not answer (no server needed: a closed loopback port)."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import timedelta

import pytest
import requests
import sqlalchemy as sa

from config.policy_file import PolicyFile
from config.settings import Settings
from sidecar.health import Readiness, StoreHealth, describe, readiness, retry_delay, store_outage
from sidecar.leader import Leadership
from sidecar.service import Sidecar
from sidecar.store import Store
from tests.sidecar.fakes import FakeClock, FakeDesk
from tests.sidecar.replicas import free_port
from tests.sidecar.test_service import FAST, desk, sidecar, wait_for  # noqa: F401 - fixtures

ADMIN = "readiness-admin-token"

REFUSED = "connection failed: connection to server at 127.0.0.1 failed: Connection refused"


def operational(message: str = REFUSED) -> sa.exc.OperationalError:
    return sa.exc.OperationalError("SELECT 1", {}, Exception(message))


@pytest.mark.parametrize(
    ("error", "outage"),
    [
        pytest.param(operational(), True, id="refused"),
        pytest.param(sa.exc.InterfaceError("SELECT 1", {}, Exception("closed")), True,
                     id="interface"),
        pytest.param(sa.exc.DBAPIError("SELECT 1", {}, Exception("eof"),
                                       connection_invalidated=True), True, id="invalidated"),
        pytest.param(sa.exc.ProgrammingError("SELECT x", {}, Exception("no such table")), False,
                     id="bad-query"),
        pytest.param(sa.exc.IntegrityError("INSERT", {}, Exception("duplicate key")), False,
                     id="constraint"),
        pytest.param(ValueError("not a database error"), False, id="other"),
    ],
)  # fmt: skip
def test_only_connection_failures_count_as_outages(error: Exception, outage: bool) -> None:
    assert store_outage(error) is outage


def test_describe_keeps_the_drivers_first_line() -> None:
    assert describe(operational(REFUSED + "\n\tIs the server running?")) == REFUSED
    assert describe(sa.exc.OperationalError("x", {}, Exception(""))) == "Exception"


@pytest.mark.parametrize(
    ("attempt", "delay"),
    [(0, 0.5), (1, 1.0), (2, 2.0), (4, 8.0), (5, 10.0), (1000, 10.0)],
)
def test_start_up_retries_double_up_to_the_cap(attempt: int, delay: float) -> None:
    assert retry_delay(attempt, 0.5, 10.0) == delay


@pytest.mark.parametrize(
    ("accepting", "store_error", "migrated", "roster", "expected"),
    [
        pytest.param(True, None, True, True, Readiness(True), id="ready"),
        pytest.param(False, REFUSED, False, False, Readiness(False, "shutting down"),
                     id="shutting-down-first"),
        pytest.param(True, REFUSED, False, False,
                     Readiness(False, f"store unreachable: {REFUSED}"), id="store-down"),
        pytest.param(True, None, False, True, Readiness(False, "store not migrated yet"),
                     id="not-migrated"),
        pytest.param(True, None, True, False, Readiness(False, "roster not loaded yet"),
                     id="no-roster"),
    ],
)  # fmt: skip
def test_readiness_names_the_first_thing_missing(
    accepting: bool, store_error: str | None, migrated: bool, roster: bool, expected: Readiness
) -> None:
    found = readiness(
        accepting=accepting, store_error=store_error, migrated=migrated, roster_loaded=roster
    )
    assert found == expected


def test_an_outage_logs_one_warning_when_it_starts_and_one_when_it_ends(
    caplog: pytest.LogCaptureFixture,
) -> None:
    now = [100.0]
    changes: list[bool] = []
    health = StoreHealth(monotonic=lambda: now[0], on_change=changes.append)
    caplog.set_level(logging.INFO, logger="deskroute.sidecar.store")
    health.answered()
    assert health.up is True and changes == []  # first contact is not a recovery
    for where in ("the poll job", "lease renewal", "the react job"):
        health.failed(operational(), where)
    assert health.up is False and health.reason == REFUSED
    now[0] += 12.5
    health.answered()
    health.answered()
    assert changes == [False, True]
    assert [r.getMessage() for r in caplog.records] == [
        f"store unreachable (seen by the poll job): {REFUSED}; retrying until it answers",
        "store answers again after 12.5 s",
    ]


class FlakyLease:
    """A lease table whose database refuses every connection while ``down``."""

    def __init__(self) -> None:
        self.down = False

    def acquire(self, *_: object) -> int:
        if self.down:
            raise operational()
        return 1  # the epoch taken

    def state(self) -> None:
        return None


def test_a_lease_renewal_the_store_refuses_drops_the_lease_and_reports_the_outage() -> None:
    lease, health, changes = FlakyLease(), StoreHealth(), []
    leadership = Leadership(
        lease, "a", timedelta(seconds=30), FakeClock(), monotonic=lambda: 0.0,  # type: ignore[arg-type]
        on_change=changes.append, health=health,
    )  # fmt: skip
    assert leadership.tick() and leadership.is_leader and health.up is True
    lease.down = True
    assert leadership.tick() is False
    assert not leadership.is_leader  # at once, not when the 30 s lease would lapse
    assert health.up is False and health.reason == REFUSED
    assert changes == [True, False]


@pytest.fixture
def unreachable(desk: FakeDesk) -> Iterator[Sidecar]:  # noqa: F811 - the fixture
    """A sidecar whose PostgreSQL URL points at a loopback port nobody listens on."""
    settings = Settings(**FAST, admin_token=ADMIN)  # type: ignore[arg-type]
    url = f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/test"
    store = Store.connect(url, "replica-a")
    service = Sidecar(settings=settings, connector=desk, store=store, router=PolicyFile().router())
    service.start()
    yield service
    service.stop()


def test_a_sidecar_without_its_store_stays_up_unready_and_refuses_webhooks_with_503(
    unreachable: Sidecar,
) -> None:
    base = f"http://127.0.0.1:{unreachable.port}"
    assert requests.get(f"{base}/healthz", timeout=5).status_code == 200
    ready = requests.get(f"{base}/readyz", timeout=5)
    assert ready.status_code == 503
    body = ready.json()
    assert body["ready"] is False and body["role"] == "follower"
    assert body["reason"] == "store unreachable"  # no host, no driver message for anyone
    told = requests.get(f"{base}/readyz", headers={"Authorization": f"Bearer {ADMIN}"}, timeout=5)
    assert told.json()["reason"].startswith("store unreachable: ")
    assert "refused" in told.json()["reason"]
    hook = requests.post(
        f"{base}/webhooks/freshdesk", data=json.dumps({"ticket_id": "7"}), timeout=5
    )
    assert hook.status_code == 503 and hook.headers["Retry-After"] == "5"
    scrape = requests.get(f"{base}/metrics", timeout=5)
    assert scrape.status_code == 200 and "deskroute_store_up 0.0" in scrape.text
    assert not unreachable.leading and unreachable.health.migrated is False


def test_an_unopenable_sqlite_file_is_configuration_and_fails_the_start(
    desk: FakeDesk,  # noqa: F811 - the fixture
) -> None:
    store = Store.connect("sqlite:////nonexistent-dir/deep/s.sqlite3", "replica-a")
    settings = Settings(**FAST)  # type: ignore[arg-type]
    service = Sidecar(settings=settings, connector=desk, store=store, router=PolicyFile().router())
    with pytest.raises(sa.exc.OperationalError):
        service.start()
    assert not service.servers  # nothing was bound


def test_a_job_that_loses_the_store_stops_leading_until_the_store_answers_again(
    sidecar: Sidecar,  # noqa: F811 - the fixture
    caplog: pytest.LogCaptureFixture,
) -> None:
    assert wait_for(lambda: sidecar.leading)

    def cut_off() -> None:
        raise operational()

    def faulty_query() -> None:
        raise sa.exc.ProgrammingError("SELECT nope", {}, Exception("no such column: nope"))

    caplog.set_level(logging.INFO, logger="deskroute")
    sidecar._leader_job("faulty", faulty_query)()
    assert sidecar.leading  # a bug in a query is not an outage: logged in full, still leading
    assert "faulty job failed" in caplog.text and "Traceback" in caplog.text
    sidecar._leader_job("cut-off", cut_off)()
    assert not sidecar.leading and sidecar.health.up is False
    assert "store unreachable (seen by the cut-off job)" in caplog.text
    readyz = f"http://127.0.0.1:{sidecar.port}/readyz"
    ready = requests.get(readyz, timeout=5)  # the probe finds the store answering again
    assert "store" not in ready.json().get("reason", ""), ready.json()
    assert "store answers again" in caplog.text
    # leading again may first reload the roster ("roster not loaded yet"), then it is ready
    assert wait_for(lambda: requests.get(readyz, timeout=5).status_code == 200)
    assert sidecar.leading
