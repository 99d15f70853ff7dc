"""High availability on the real PostgreSQL: two replicas, one leader; SIGKILL mid-batch.

These start real ``deskroute run`` processes against the in-process sandbox and a fresh
PostgreSQL schema, kill them without warning, and read the sandbox's audit log to prove
that nothing was lost and nothing was assigned twice.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa

from sandbox import SandboxHandle, start_sandbox
from tests.sidecar.conftest import PG_URL
from tests.sidecar.replicas import Replica
from tests.sidecar.test_sandbox_e2e import api_assignments
from tests.sidecar.test_service import wait_for

pytestmark = pytest.mark.slow
TTL, RENEW = 3.0, 0.5


@pytest.fixture
def desk() -> Iterator[SandboxHandle]:
    with start_sandbox(
        agents=5, tickets=0, seed=11, job_delay=1.5, search_lag=0, export_lag=0
    ) as handle:
        yield handle


@pytest.fixture
def replicas(desk: SandboxHandle, pg_schema: str, tmp_path: Path) -> Iterator[dict[str, Replica]]:
    made = {
        name: Replica(name, desk, PG_URL, tmp_path / f"{name}.log",
                      DESKROUTE_STORE__SCHEMA_NAME=pg_schema,
                      DESKROUTE_HTTP__UNSIGNED_WEBHOOKS="true")
        for name in ("a", "b")
    }  # fmt: skip
    yield made
    for replica in made.values():
        replica.ensure_stopped()


def assigned_everything(desk: SandboxHandle, ids: list[int]) -> bool:
    return all(desk.ticket(i).assignee_id is not None for i in ids)


def test_killing_the_leader_hands_over_within_the_ttl(
    desk: SandboxHandle, replicas: dict[str, Replica]
) -> None:
    a, b = replicas["a"].start(), replicas["b"]
    assert wait_for(lambda: a.role() == "leader", seconds=30), a.log.read_text()
    b.start()
    assert wait_for(lambda: b.role() == "follower", seconds=30), b.log.read_text()
    first = desk.create_tickets(4)
    body = {"type": "zen:event-type:ticket.created", "detail": {"id": str(first[0])}}
    hinted = requests.post(f"http://127.0.0.1:{b.port}/webhooks/zendesk", json=body, timeout=5)
    assert hinted.status_code == 202  # a follower takes webhooks into the shared store
    assert wait_for(lambda: assigned_everything(desk, first), seconds=30)
    time.sleep(1.0)
    assert b.role() == "follower"  # exactly one leader all along

    a.kill()
    killed = time.monotonic()
    assert wait_for(lambda: b.role() == "leader", seconds=TTL + 10), b.log.read_text()
    handover = time.monotonic() - killed
    assert handover <= TTL + RENEW + 1.5
    second = desk.create_tickets(4)
    assert wait_for(lambda: assigned_everything(desk, second), seconds=30), b.log.read_text()
    assert b.terminate() == 0
    assert set(api_assignments(desk).values()) == {1}


def test_sigkill_in_the_middle_of_a_bulk_write_loses_nothing_and_assigns_once(
    desk: SandboxHandle, replicas: dict[str, Replica], pg_schema: str
) -> None:
    ids = desk.create_tickets(30)
    engine = sa.create_engine(PG_URL)
    sending = sa.text(
        f"SELECT count(*) FROM \"{pg_schema}\".deskroute_outbox WHERE status = 'sending'"
    )

    def mid_batch() -> bool:
        try:
            with engine.connect() as conn:
                return int(conn.execute(sending).scalar() or 0) > 0
        except sa.exc.ProgrammingError:
            return False  # the schema is not migrated yet

    a = replicas["a"].start()
    try:
        assert wait_for(mid_batch, seconds=30, pause=0.01), replicas["a"].log.read_text()
        a.kill()
        restarted = replicas["b"].start()
        assert wait_for(lambda: assigned_everything(desk, ids), seconds=40), (
            restarted.log.read_text()
        )
        outbox = sa.text(
            f'SELECT status, count(*) FROM "{pg_schema}".deskroute_outbox GROUP BY status'
        )

        def all_done() -> bool:
            with engine.connect() as conn:
                return dict(conn.execute(outbox).all()) == {"done": 30}  # type: ignore[arg-type]

        assert wait_for(all_done, seconds=20)
        assert restarted.terminate() == 0
    finally:
        engine.dispose()
    assert api_assignments(desk) == {i: 1 for i in ids}
