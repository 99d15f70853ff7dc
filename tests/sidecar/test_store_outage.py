"""Store outages on a real PostgreSQL: down at start-up, and stopped in the middle of a write.

A private PostgreSQL server (``private_pg``) is stopped and started under a real
``deskroute run`` process routing the in-process sandbox. The replica must stay up, say
"not ready" naming the store, answer webhooks with 503 while it cannot store them, and
carry on by itself when the server is back. The sandbox's audit log then shows every
ticket assigned exactly once, and the store's decisions agree with the desk.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import sqlalchemy as sa

from sandbox import SandboxHandle, start_sandbox
from tests.sidecar.private_pg import PrivatePostgres
from tests.sidecar.replicas import Replica
from tests.sidecar.test_sandbox_e2e import api_assignments
from tests.sidecar.test_service import wait_for

pytestmark = pytest.mark.slow


@pytest.fixture
def desk() -> Iterator[SandboxHandle]:
    # slow bulk jobs, so a write-back is reliably in flight when the store goes away
    with start_sandbox(
        agents=5, tickets=0, seed=23, job_delay=1.0, search_lag=0, export_lag=0
    ) as handle:
        yield handle


@pytest.fixture
def replica(desk: SandboxHandle, private_pg: PrivatePostgres, tmp_path: Path) -> Iterator[Replica]:
    made = Replica(
        "solo", desk, private_pg.url, tmp_path / "solo.log",
        DESKROUTE_ZENDESK__WEBHOOK_SECRET=desk.webhook_secret,
    )  # fmt: skip
    yield made
    made.ensure_stopped()


def readyz(replica: Replica) -> tuple[int, dict[str, Any]] | None:
    """Status code and body of ``/readyz``, or None while the process does not answer."""
    try:
        answer = requests.get(f"http://127.0.0.1:{replica.port}/readyz", timeout=2)
        return answer.status_code, answer.json()
    except (requests.RequestException, ValueError):
        return None


def ready(replica: Replica) -> bool:
    found = readyz(replica)
    return found is not None and found[0] == 200


def store_down(replica: Replica) -> bool:
    found = readyz(replica)
    return found is not None and found[0] == 503 and "store unreachable" in found[1]["reason"]


def all_assigned(desk: SandboxHandle, ids: list[int]) -> bool:
    return all(desk.ticket(i).assignee_id is not None for i in ids)


def outage_warnings(replica: Replica) -> int:
    return replica.log.read_text().count("store unreachable (seen by")


def assert_nothing_lost_or_doubled(desk: SandboxHandle, url: str, ids: list[int]) -> None:
    """Every ticket assigned once on the desk, to the agent the store's decision names."""
    assert api_assignments(desk) == {i: 1 for i in ids}
    on_desk = {str(i): str(desk.ticket(i).assignee_id) for i in ids}
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            decided = dict(conn.execute(sa.text(  # type: ignore[arg-type]
                "SELECT ticket_id, agent_id FROM deskroute_decisions WHERE outcome = 'assigned'"
            )).all())  # fmt: skip
            tickets = dict(conn.execute(sa.text(  # type: ignore[arg-type]
                "SELECT ticket_id, state FROM deskroute_tickets"
            )).all())  # fmt: skip
            outbox = dict(conn.execute(sa.text(  # type: ignore[arg-type]
                "SELECT status, count(*) FROM deskroute_outbox GROUP BY status"
            )).all())  # fmt: skip
    finally:
        engine.dispose()
    assert decided == on_desk
    # a write cut off mid-flight and confirmed by a re-read is ``human``: the re-read cannot
    # tell it from a person choosing the same agent, so follow-through leaves it alone
    assert set(tickets) == set(on_desk) and set(tickets.values()) <= {"assigned", "human"}
    assert outbox == {"done": len(ids)}


def test_started_while_postgres_is_down_it_waits_then_migrates_and_routes(
    desk: SandboxHandle, private_pg: PrivatePostgres, replica: Replica
) -> None:
    private_pg.stop("fast")
    ids = desk.create_tickets(6)
    replica.start()
    assert wait_for(lambda: store_down(replica), seconds=30), replica.log.read_text()
    health = requests.get(f"http://127.0.0.1:{replica.port}/healthz", timeout=2)
    assert health.status_code == 200  # alive, only not ready
    time.sleep(2.0)  # several lease ticks and retries without a store
    assert replica.running and store_down(replica)
    assert not any(desk.ticket(i).assignee_id for i in ids)

    private_pg.start()
    assert wait_for(lambda: ready(replica), seconds=20), replica.log.read_text()
    assert wait_for(lambda: all_assigned(desk, ids), seconds=20), replica.log.read_text()
    assert replica.terminate() == 0
    log = replica.log.read_text()
    assert "applying schema migration 1" in log and "Traceback" not in log
    assert outage_warnings(replica) == 1
    assert_nothing_lost_or_doubled(desk, private_pg.url, ids)


def test_postgres_stopped_mid_write_loses_nothing_and_routing_resumes_by_itself(
    desk: SandboxHandle, private_pg: PrivatePostgres, replica: Replica
) -> None:
    replica.start()
    assert wait_for(lambda: ready(replica), seconds=30), replica.log.read_text()
    engine = sa.create_engine(private_pg.url)
    sending = sa.text("SELECT count(*) FROM deskroute_outbox WHERE status = 'sending'")

    def mid_write() -> bool:  # a bulk write-back is out at the help desk
        with engine.connect() as conn:
            return int(conn.execute(sending).scalar() or 0) >= 5

    before = desk.create_tickets(10)  # one poll takes them all: one bulk write
    desk.configure_webhook(f"http://127.0.0.1:{replica.port}/webhooks/zendesk", desk.webhook_secret)
    try:
        assert wait_for(mid_write, seconds=20, pause=0.01), replica.log.read_text()
    finally:
        engine.dispose()
    private_pg.stop("immediate")  # like a crash: no shutdown checkpoint, connections cut
    assert wait_for(lambda: store_down(replica), seconds=10), replica.log.read_text()

    delivered = len(desk.sandbox.webhooks.deliveries)
    during = desk.create_tickets(6)  # their webhooks arrive while the store is down
    desk.sandbox.webhooks.flush(timeout=20)
    refused = {d.status for d in desk.sandbox.webhooks.deliveries[delivered:]}
    assert refused == {503}, refused  # "come back later", never a 500
    time.sleep(1.5)
    assert replica.running and store_down(replica)

    private_pg.start()
    ids = before + during
    assert wait_for(lambda: ready(replica), seconds=20), replica.log.read_text()
    assert wait_for(lambda: all_assigned(desk, ids), seconds=30), replica.log.read_text()
    after = desk.create_tickets(4)  # and it keeps routing
    assert wait_for(lambda: all_assigned(desk, after), seconds=20), replica.log.read_text()
    ids += after
    url = private_pg.url
    engine = sa.create_engine(url)
    done = sa.text("SELECT count(*) FROM deskroute_outbox WHERE status = 'done'")
    try:
        settled = wait_for(lambda: _scalar(engine, done) == len(ids), seconds=20)
        with engine.connect() as conn:
            rows = conn.execute(sa.text(
                "SELECT ticket_id, status, attempts, last_error FROM deskroute_outbox"
                " WHERE status <> 'done'"
            )).all()  # fmt: skip
        assert settled, (rows, replica.log.read_text())
    finally:
        engine.dispose()
    assert replica.terminate() == 0
    log = replica.log.read_text()
    assert "Traceback" not in log, log
    assert outage_warnings(replica) == 1, log
    assert "took back" in log, log  # the write cut off by the outage was re-checked, not re-sent
    assert_nothing_lost_or_doubled(desk, url, ids)


def _scalar(engine: sa.Engine, query: sa.TextClause) -> int:
    with engine.connect() as conn:
        return int(conn.execute(query).scalar() or 0)
