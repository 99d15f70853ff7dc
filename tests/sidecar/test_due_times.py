"""Write-backs come due by the database's clock (issue 16): replicas whose clocks disagree
agree on when a queued write-back or a retry may go. A replica 30 s behind that took over
held back its predecessor's write-backs for 30 s while due times were on replica clocks."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from random import Random

import pytest

from config.policy_file import PolicyFile
from config.settings import StoreSettings
from router.model import Agent, Ticket
from router.roster import Roster
from sidecar.store import Routed, Store

Clock = Callable[[], datetime]
RETRY_DELAY = timedelta(seconds=1)


def skewed(seconds: float) -> Clock:
    """The wall clock of a replica whose clock is ``seconds`` off."""
    return lambda: datetime.now(UTC) + timedelta(seconds=seconds)


RIGHT, BEHIND, AHEAD = skewed(0), skewed(-30), skewed(30)


@pytest.fixture
def replicas(store_url: tuple[str, StoreSettings]) -> Iterator[tuple[Store, Store]]:
    """Two replicas' stores on one migrated database, as ``deskroute run`` builds them."""
    url, settings = store_url
    a = Store.open(url, "replica-a", RIGHT(), settings)
    b = Store.connect(url, "replica-b", settings)
    yield a, b
    a.close()
    b.close()


def queue_write(store: Store, clock: Clock) -> None:
    """Take ticket 1 in and record its assignment to ann, on ``clock``."""
    now = clock()
    ticket = Ticket(id="1", created_at=now, updated_at=now)
    agents = [Agent(id="ann")]
    store.loads.refresh(tuple(agents), {}, now)
    store.tickets.intake([ticket], "poll", now)
    results, _ = PolicyFile().router().drain([ticket], Roster(agents), now, Random(0))
    store.decisions.record([Routed(t, d) for t, d in results], now, dry_run=False)


def put_off(store: Store, clock: Clock) -> None:
    """Claim the write-back and put it off by ``RETRY_DELAY`` (a 503 with Retry-After: 1)."""
    (row,) = store.outbox.claim(clock(), 10)
    now = clock()
    store.outbox.retry(row, now, "503", now + RETRY_DELAY)


@pytest.mark.parametrize("claimer", [pytest.param(BEHIND, id="30s-behind"),
                                     pytest.param(AHEAD, id="30s-ahead")])  # fmt: skip
def test_a_write_back_one_replica_queued_is_due_at_once_for_another_whatever_its_clock(
    replicas: tuple[Store, Store], claimer: Clock
) -> None:
    a, b = replicas
    queue_write(a, RIGHT)
    assert [row.ticket_id for row in b.outbox.claim(claimer(), 10)] == ["1"]


def test_a_retry_is_not_sent_early_by_a_replica_whose_clock_is_ahead(
    replicas: tuple[Store, Store],
) -> None:
    a, b = replicas
    queue_write(a, RIGHT)
    put_off(a, RIGHT)
    assert b.outbox.claim(AHEAD(), 10) == []


def test_a_retry_comes_due_after_its_delay_for_a_replica_whose_clock_is_behind(
    replicas: tuple[Store, Store],
) -> None:
    a, b = replicas
    queue_write(a, RIGHT)
    put_off(a, RIGHT)
    assert b.outbox.claim(BEHIND(), 10) == []
    time.sleep(RETRY_DELAY.total_seconds() + 0.3)
    assert [row.ticket_id for row in b.outbox.claim(BEHIND(), 10)] == ["1"]


def test_a_retry_delay_put_by_a_replica_whose_clock_is_behind_is_kept(
    replicas: tuple[Store, Store],
) -> None:
    a, b = replicas
    queue_write(a, BEHIND)
    put_off(a, BEHIND)
    assert b.outbox.claim(RIGHT(), 10) == []
    time.sleep(RETRY_DELAY.total_seconds() + 0.3)
    assert [row.ticket_id for row in b.outbox.claim(RIGHT(), 10)] == ["1"]


def queue_note(store: Store, clock: Clock) -> None:
    """Ticket 1's write-back done, its note queued to be posted after it, on ``clock``."""
    queue_write(store, clock)
    (row,) = store.outbox.claim(clock(), 10)
    store.outbox.done(row, clock(), None, note="deskroute: why ann")


def test_a_note_one_replica_queued_is_due_at_once_for_a_replica_whose_clock_is_behind(
    replicas: tuple[Store, Store],
) -> None:
    a, b = replicas
    queue_note(a, AHEAD)
    assert [note.ticket_id for note in b.notes.due(10)] == ["1"]


def test_a_note_retry_waits_its_delay_on_the_database_clock(
    replicas: tuple[Store, Store],
) -> None:
    a, b = replicas
    queue_note(a, RIGHT)
    (note,) = a.notes.due(10)
    a.notes.retry(note, "503", RETRY_DELAY)
    assert b.notes.due(10) == []
    time.sleep(RETRY_DELAY.total_seconds() + 0.3)
    assert [n.ticket_id for n in b.notes.due(10)] == ["1"]
