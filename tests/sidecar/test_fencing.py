"""Fenced leaders (issue 16, item 2): the lease is timed by the database's clock, a deposed
leader can neither decide, claim, send nor record, two replicas never claim one outbox row,
and code older than the store's schema refuses to start."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from random import Random

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from cli.main import app
from config.policy_file import PolicyFile
from config.settings import StoreSettings, WriterSettings
from router.model import Agent, Ticket
from router.roster import Roster
from sidecar.leader import Leadership
from sidecar.metrics import Metrics
from sidecar.store import DeposedError, Routed, Store, schema
from sidecar.store.database import ensure_schema
from sidecar.store.fence import database_now
from sidecar.store.migrations import MIGRATIONS, SchemaTooNewError, current_version, migrate
from sidecar.writer import Writer
from tests.sidecar.fakes import T0, FakeClock, FakeDesk

TTL = timedelta(seconds=30)
SHORT_TTL = timedelta(seconds=1)


@pytest.fixture
def replicas(
    store_url: tuple[str, StoreSettings], clock: FakeClock
) -> Iterator[tuple[Store, Store]]:
    """Two replicas' stores on one migrated database."""
    url, settings = store_url
    a = Store.open(url, "replica-a", clock(), settings)
    b = Store.connect(url, "replica-b", settings)
    yield a, b
    a.close()
    b.close()


def skewed(seconds: float) -> Callable[[], datetime]:
    """The wall clock of a replica whose clock is ``seconds`` off."""
    return lambda: datetime.now(UTC) + timedelta(seconds=seconds)


def leadership(store: Store, clock: Callable[[], datetime]) -> Leadership:
    return Leadership(store.lease, store.replica, timedelta(seconds=10), clock)


def routed(store: Store, clock: FakeClock, ids: list[str]) -> list[Routed]:
    """Take ``ids`` in and decide them for one agent (nothing recorded yet)."""
    tickets = [Ticket(id=i, created_at=T0, updated_at=T0) for i in ids]
    agents = [Agent(id="ann")]
    store.loads.refresh(tuple(agents), {}, clock())
    store.tickets.intake(tickets, "poll", clock())
    results, _ = PolicyFile().router().drain(tickets, Roster(agents), T0, Random(0))
    return [Routed(t, d) for t, d in results]


def lead_briefly(store: Store) -> int:
    """Take the lease for ``SHORT_TTL``; returns the epoch."""
    epoch = store.lease.acquire(store.replica, SHORT_TTL)
    assert epoch is not None
    return epoch


def stall_and_take_over(new: Store) -> None:
    """The leader stalls past its short lease (as under SIGSTOP); ``new`` takes over."""
    time.sleep(SHORT_TTL.total_seconds() + 0.2)
    assert new.lease.acquire(new.replica, TTL) is not None


@pytest.mark.parametrize(
    ("leader_skew", "follower_skew"),
    [
        pytest.param(0, 30, id="follower-clock-30s-ahead"),
        pytest.param(0, -30, id="follower-clock-30s-behind"),
        pytest.param(-30, 0, id="leader-clock-30s-behind"),
        pytest.param(30, 0, id="leader-clock-30s-ahead"),
    ],
)
def test_a_skewed_replica_clock_never_makes_two_leaders(
    replicas: tuple[Store, Store], leader_skew: float, follower_skew: float
) -> None:
    a, b = replicas
    leader = leadership(a, skewed(leader_skew))
    follower = leadership(b, skewed(follower_skew))
    assert leader.tick()
    assert not follower.tick()
    assert leader.tick() and not follower.tick()  # renewals change nothing either
    state = a.lease.state()
    assert state is not None and state.holder == "replica-a"


def test_lease_expiry_is_measured_on_the_database_clock(replicas: tuple[Store, Store]) -> None:
    a, b = replicas
    assert a.lease.acquire("replica-a", SHORT_TTL) == 1
    with a.engine.connect() as conn:
        taken_at = database_now(conn)
    state = a.lease.state()
    assert state is not None
    assert abs((state.expires_at - taken_at) - SHORT_TTL) < timedelta(seconds=1)
    assert b.lease.acquire("replica-b", TTL) is None
    time.sleep(SHORT_TTL.total_seconds() + 0.2)
    assert b.lease.acquire("replica-b", TTL) == 2


def test_a_deposed_leader_cannot_decide(replicas: tuple[Store, Store], clock: FakeClock) -> None:
    a, b = replicas
    items = routed(a, clock, ["1"])
    lead_briefly(a)
    stall_and_take_over(b)
    with pytest.raises(DeposedError, match="epoch 1 was superseded by epoch 2"):
        a.decisions.record(items, clock(), dry_run=False)
    assert a.decisions.count() == 0 and a.outbox.counts() == {}
    assert b.decisions.record(items, clock(), dry_run=False).assigned == 1


def test_a_deposed_leader_cannot_claim(replicas: tuple[Store, Store], clock: FakeClock) -> None:
    a, b = replicas
    lead_briefly(a)
    a.decisions.record(routed(a, clock, ["1"]), clock(), dry_run=False)
    stall_and_take_over(b)
    with pytest.raises(DeposedError):
        a.outbox.claim(clock(), 10)
    assert a.outbox.counts() == {"pending": 1}
    assert [row.epoch for row in b.outbox.claim(clock(), 10)] == [2]


def test_a_leader_stalled_between_claim_and_send_sends_nothing_and_records_nothing(
    replicas: tuple[Store, Store], clock: FakeClock
) -> None:
    a, b = replicas
    lead_briefly(a)
    a.decisions.record(routed(a, clock, ["1", "2"]), clock(), dry_run=False)
    claimed = a.outbox.claim(clock(), 10)
    stall_and_take_over(b)  # a stalls after its claim; b takes over and takes the rows back
    assert b.outbox.recover() == 2
    with pytest.raises(DeposedError):
        a.outbox.confirm(claimed)
    for settle in (
        lambda row: a.outbox.done(row, clock(), None),
        lambda row: a.outbox.park(row, clock(), "x"),
        lambda row: a.outbox.retry(row, clock(), "x", clock()),
    ):
        with pytest.raises(DeposedError):
            settle(claimed[0])
    assert b.outbox.counts() == {"pending": 2}
    assert [row.attempts for row in b.outbox.claim(clock(), 10)] == [1, 1]


def test_the_writer_of_a_deposed_leader_sends_nothing(
    replicas: tuple[Store, Store], clock: FakeClock
) -> None:
    """The stall comes inside the round: while the writer re-reads rows sent before."""
    a, b = replicas
    desk = FakeDesk(clock)
    desk.add_agent("ann")
    for i in ("1", "2"):
        desk.new_ticket(i)
    lead_briefly(a)
    a.decisions.record(routed(a, clock, ["1", "2"]), clock(), dry_run=False)
    first, second = a.outbox.claim(clock(), 10)
    a.outbox.retry(first, clock(), "503", clock())  # sent before: re-read before sending
    a.outbox.release([second])
    reads = desk.fetch_many

    def stalled_read(ids: list[str]) -> dict[str, Ticket]:
        stall_and_take_over(b)
        return reads(ids)

    desk.fetch_many = stalled_read  # type: ignore[method-assign]
    writer = Writer(connector=desk, store=a, settings=WriterSettings(), clock=clock,
                    metrics=Metrics())  # fmt: skip
    with pytest.raises(DeposedError):
        writer.flush()
    assert desk.writes == []


def test_a_deposed_replica_stops_leading_at_once(
    replicas: tuple[Store, Store], clock: FakeClock
) -> None:
    a, _ = replicas
    changes: list[bool] = []
    leader = Leadership(a.lease, a.replica, TTL, clock, on_change=changes.append)
    assert leader.tick() and leader.is_leader
    leader.deposed(DeposedError(1, 2))
    assert not leader.is_leader and changes == [True, False]


def test_two_replicas_never_claim_the_same_outbox_row(
    replicas: tuple[Store, Store], clock: FakeClock
) -> None:
    """Replica a's claim is still open (its transaction not committed) when b claims."""
    a, b = replicas
    a.decisions.record(routed(a, clock, ["1", "2", "3", "4"]), clock(), dry_run=False)
    b_claims: list[list[int]] = []
    with a.engine.begin() as conn:
        a_claim = [row.id for row in a.outbox.claim_in(conn, clock(), 2)]
        other = threading.Thread(
            target=lambda: b_claims.append([r.id for r in b.outbox.claim(clock(), 10)])
        )
        other.start()
        other.join(timeout=0.5)  # PostgreSQL: b skips a's locked rows; SQLite: b waits
    other.join(timeout=10)
    assert len(a_claim) == 2 and b_claims
    assert not set(a_claim) & set(b_claims[0])
    assert sorted(a_claim + b_claims[0]) == sorted(set(a_claim + b_claims[0]))
    assert len(a_claim) + len(b_claims[0]) == 4


# --- rolling upgrade ------------------------------------------------------------------------

OLD = MIGRATIONS[:-1]
"""The code one version back knows every migration but the last."""


def test_code_older_than_the_schema_refuses_to_start(store: Store, clock: FakeClock) -> None:
    with pytest.raises(SchemaTooNewError) as refused:
        migrate(store.engine, clock(), OLD)
    ((variable, reason),) = refused.value.problems
    assert variable == "DESKROUTE_DATABASE_URL"
    found, known = MIGRATIONS[-1].version, OLD[-1].version
    assert f"schema is at version {found}, newer than this deskroute knows ({known})" in reason


def test_old_and_new_code_work_on_one_schema(
    store_url: tuple[str, StoreSettings], clock: FakeClock
) -> None:
    """An old replica runs on the schema it migrated; a new one migrates past it; the
    write-back the old one queued (no epoch) goes out through the new one's fenced claim;
    an old replica restarted now refuses to start."""
    url, settings = store_url
    old = Store.connect(url, "old", settings)
    ensure_schema(old.engine, settings.schema_name)
    assert migrate(old.engine, clock(), OLD) == OLD[-1].version
    with old.engine.begin() as conn:
        queue_write_as_old_code(conn, clock)
    new = Store.open(url, "new", clock(), settings)
    with new.engine.connect() as conn:
        assert current_version(conn) == MIGRATIONS[-1].version
    assert new.lease.acquire("new", TTL) == 1
    (row,) = new.outbox.claim(clock(), 10)
    assert (row.ticket_id, row.epoch, row.attempts) == ("7", 1, 0)
    new.outbox.done(row, clock(), None)
    assert new.outbox.counts() == {"done": 1}
    with pytest.raises(SchemaTooNewError):
        migrate(old.engine, clock(), OLD)
    old.close()
    new.close()


def queue_write_as_old_code(conn: sa.Connection, clock: FakeClock) -> None:
    """A decision and its outbox row as the code of migration level 2 wrote them: only
    the columns that level has (no epoch)."""
    ticket = Ticket(id="7", created_at=T0, updated_at=T0)
    conn.execute(schema.tickets.insert().values(
        ticket_id="7", state="routed", payload=ticket.model_dump(mode="json"), updated_at=T0,
        our_agent="ann", moves=0, first_seen_at=clock(), changed_at=clock(),
    ))  # fmt: skip
    decision_id = conn.execute(schema.decisions.insert().values(
        ticket_id="7", decided_at=clock(), outcome="assigned", agent_id="ann", cause="new",
        replica="old", trace={},
    ).returning(schema.decisions.c.id)).scalar_one()  # fmt: skip
    conn.execute(schema.outbox.insert().values(
        ticket_id="7", decision_id=decision_id, agent_id="ann", weight=1.0,
        policy="least_loaded", expected_updated_at=T0, status="pending", attempts=0,
        next_attempt_at=clock(), created_at=clock(),
    ))  # fmt: skip


def test_deskroute_run_on_a_store_newer_than_it_exits_2(tmp_path: Path, clock: FakeClock) -> None:
    url = f"sqlite:///{tmp_path / 'newer.sqlite3'}"
    Store.open(url, "newer", clock()).close()
    engine = sa.create_engine(url)
    with engine.begin() as conn:  # a later deskroute applied one more step
        conn.execute(schema.schema_version.insert().values(
            version=MIGRATIONS[-1].version + 1, name="from the future", applied_at=clock()
        ))  # fmt: skip
    engine.dispose()
    env = {"DESKROUTE_HELPDESK": "zendesk", "DESKROUTE_ZENDESK__BASE_URL": "http://127.0.0.1:9",
           "DESKROUTE_ZENDESK__EMAIL": "a@b.invalid", "DESKROUTE_ZENDESK__API_TOKEN": "t0ken",
           "DESKROUTE_DATABASE_URL": url, "DESKROUTE_HTTP__PORT": "0"}  # fmt: skip
    result = CliRunner().invoke(app, ["run"], env=env)
    assert result.exit_code == 2, result.output
    assert "DESKROUTE_DATABASE_URL" in result.output
    assert "newer than this deskroute knows" in " ".join(result.output.split())
