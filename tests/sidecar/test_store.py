"""The durable store on SQLite and PostgreSQL: migrations, idempotent intake, atomic decisions."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from random import Random

import pytest
import sqlalchemy as sa

from config.policy_file import PolicyFile
from router.model import Agent, Ticket
from router.roster import Roster
from sidecar import lifecycle
from sidecar.store import Routed, Store, migrate, schema
from sidecar.store.migrations import MIGRATIONS, current_version
from tests.sidecar.fakes import T0, FakeClock


def ticket(ticket_id: str, minutes: int = 0, **fields: object) -> Ticket:
    moment = T0 + timedelta(minutes=minutes)
    return Ticket(id=ticket_id, created_at=T0, updated_at=moment, **fields)  # type: ignore[arg-type]


def decide(store: Store, tickets: list[Ticket], agents: list[Agent]) -> list[Routed]:
    results, _ = PolicyFile().router().drain(tickets, Roster(agents), T0, Random(0))
    return [Routed(t, d) for t, d in results]


def test_migrations_are_versioned_and_run_once(store: Store, clock: FakeClock) -> None:
    assert migrate(store.engine, clock()) == len(MIGRATIONS)
    with store.engine.connect() as conn:
        assert current_version(conn) == MIGRATIONS[-1].version
        rows = conn.execute(sa.select(sa.func.count()).select_from(schema.schema_version)).scalar()
    assert rows == len(MIGRATIONS)


def test_postgres_tables_live_in_the_configured_schema(pg_schema: str, clock: FakeClock) -> None:
    from config.settings import StoreSettings
    from tests.sidecar.conftest import PG_URL

    opened = Store.open(PG_URL, "r", clock(), StoreSettings(schema_name=pg_schema))
    with opened.engine.connect() as conn:
        names = set(
            conn.execute(
                sa.text("SELECT table_name FROM information_schema.tables WHERE table_schema = :s"),
                {"s": pg_schema},
            ).scalars()
        )
    opened.close()
    assert set(schema.metadata.tables) <= names


def test_times_come_back_timezone_aware(store: Store, clock: FakeClock) -> None:
    store.tickets.intake([ticket("1")], "poll", clock())
    row = store.tickets.get("1")
    assert row is not None and row.ticket.updated_at == T0 and row.ticket.queued_at == clock()
    assert row.ticket.updated_at.tzinfo is not None


@pytest.mark.parametrize(
    ("deliveries", "new"),
    [
        pytest.param([("1", 0), ("1", 0)], ["1"], id="same-version-twice"),
        pytest.param([("1", 0), ("1", 5)], ["1", "1"], id="new-version"),
        pytest.param([("1", 0), ("2", 0), ("1", 0)], ["1", "2"], id="interleaved-duplicate"),
    ],
)
def test_intake_is_idempotent_by_id_and_updated_time(
    store: Store, clock: FakeClock, deliveries: list[tuple[str, int]], new: list[str]
) -> None:
    taken: list[str] = []
    for ticket_id, minutes in deliveries:
        taken += store.tickets.intake([ticket(ticket_id, minutes)], "webhook", clock())
    assert taken == new


def test_hints_and_cursors_persist(store: Store, clock: FakeClock) -> None:
    assert store.tickets.hint("7", "zendesk", clock()) is True
    assert store.tickets.hint("7", "zendesk", clock()) is False
    assert store.tickets.hints(10) == ["7"]
    store.tickets.clear_hints(["7"])
    assert store.tickets.hints(10) == []
    assert store.tickets.cursor("fake") is None
    store.tickets.save_cursor("fake", "abc", clock())
    store.tickets.save_cursor("fake", "def", clock())
    assert store.tickets.cursor("fake") == "def"


def test_decision_outbox_state_and_load_commit_together(store: Store, clock: FakeClock) -> None:
    agents = [Agent(id="ann")]
    store.loads.refresh(tuple(agents), {"ann": 1.0}, clock())
    store.tickets.intake([ticket("1")], "poll", clock())
    recorded = store.decisions.record(decide(store, [ticket("1")], agents), clock(), dry_run=False)
    assert recorded.assigned == 1
    assert store.tickets.get("1").state == lifecycle.ROUTED  # type: ignore[union-attr]
    assert store.outbox.counts() == {"pending": 1}
    assert store.loads.loads() == {"ann": 2.0}
    assert store.decisions.history("1")[0]["agent"] == "ann"


def test_a_failure_mid_record_commits_nothing(store: Store, clock: FakeClock) -> None:
    agents = [Agent(id="ann")]
    store.loads.refresh(tuple(agents), {}, clock())
    store.tickets.intake([ticket("1"), ticket("2")], "poll", clock())
    items = decide(store, [ticket("1"), ticket("2")], agents)
    notes = iter(["fine"])

    def note(_: object) -> str:
        return next(notes)  # the second call raises StopIteration → RuntimeError in a generator

    with pytest.raises(StopIteration):
        store.decisions.record(items, clock(), dry_run=False, note=note)
    assert store.decisions.count() == 0
    assert store.outbox.counts() == {}
    assert store.tickets.counts() == {lifecycle.PENDING: 2}
    assert store.loads.loads() == {"ann": 0.0}


def test_a_ticket_has_at_most_one_active_write(store: Store, clock: FakeClock) -> None:
    row = {
        "ticket_id": "1", "decision_id": 1, "agent_id": "ann", "weight": 1.0, "policy": "p",
        "status": "pending", "attempts": 0, "next_attempt_at": clock(), "created_at": clock(),
    }  # fmt: skip
    with store.engine.begin() as conn:
        conn.execute(schema.outbox.insert().values(**row))
    with pytest.raises(sa.exc.IntegrityError), store.engine.begin() as conn:
        conn.execute(schema.outbox.insert().values(**row))
    with store.engine.begin() as conn:
        conn.execute(schema.outbox.insert().values(**{**row, "status": "done"}))


def test_claimed_rows_survive_a_crash_and_come_back(store: Store, clock: FakeClock) -> None:
    agents = [Agent(id="ann")]
    store.loads.refresh(tuple(agents), {}, clock())
    store.tickets.intake([ticket("1")], "poll", clock())
    store.decisions.record(decide(store, [ticket("1")], agents), clock(), dry_run=False)
    claimed = store.outbox.claim(clock(), 10)
    assert [row.attempts for row in claimed] == [0]
    assert store.outbox.claim(clock(), 10) == []
    assert store.outbox.recover() == 1
    assert [row.attempts for row in store.outbox.claim(clock(), 10)] == [1]


def test_lease_is_exclusive_until_it_expires(store: Store) -> None:
    """Expiry is timed by the database's clock (see test_fencing.py), so this waits."""
    ttl = timedelta(seconds=0.5)
    lease = store.lease
    assert lease.acquire("a", ttl) == 1
    assert lease.acquire("b", ttl) is None
    assert lease.acquire("a", ttl) == 1  # renewal
    time.sleep(0.7)  # a stopped renewing
    assert lease.acquire("b", ttl) == 2
    state = lease.state()
    assert state is not None and (state.holder, state.epoch) == ("b", 2)
    assert lease.release("b") and not lease.release("a")
    assert lease.acquire("a", ttl) == 3


def test_naive_times_are_refused(store: Store) -> None:
    with pytest.raises(sa.exc.StatementError):
        store.tickets.save_cursor("x", "y", datetime(2026, 1, 1))
    assert datetime(2026, 1, 1, tzinfo=UTC)


def test_the_store_refuses_a_change_of_state_the_lifecycle_does_not_allow(
    store: Store, clock: FakeClock
) -> None:
    store.tickets.intake([ticket("1").evolve(assignee="ann")], "poll", clock())
    assert store.tickets.get("1").state == lifecycle.HUMAN  # type: ignore[union-attr]
    with pytest.raises(lifecycle.TransitionError, match="human cannot become assigned"):
        store.tickets.set_state("1", lifecycle.ASSIGNED, clock())
    assert store.tickets.get("1").state == lifecycle.HUMAN  # type: ignore[union-attr]
