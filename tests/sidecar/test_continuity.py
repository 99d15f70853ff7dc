"""Live continuity: before routing, a ticket with a requester is given the agent we last
assigned that requester to on that help desk (from the store's own decisions), so a
policy with ``continuity_window_h`` sends the requester back to them."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from random import Random

import pytest
import sqlalchemy as sa

from config.policy_file import PolicyFile
from config.settings import StoreSettings
from router.decision import Assignment, NoAssignment
from router.model import Agent, Ticket
from router.roster import Roster
from sidecar.continuity import requesters_of, with_previous_agents
from sidecar.store import Routed, Store, migrate, on_clock, schema
from sidecar.store.database import ensure_schema
from sidecar.store.decisions import LastAssignment
from sidecar.store.migrations import MIGRATIONS
from tests.sidecar.builders import Rig
from tests.sidecar.fakes import T0, FakeClock

ROUND_ROBIN_WITH_CONTINUITY = {"name": "round_robin", "params": {"continuity_window_h": 72}}


@pytest.fixture
def rig(tmp_path: Path, clock: FakeClock) -> Rig:
    """Two agents on a fake desk; round robin, continuity within three days."""
    made = Rig(
        Store.open(
            f"sqlite:///{tmp_path / 'c.sqlite3'}", "replica-a", clock(), due_clock=on_clock(clock)
        ),
        clock,
    )
    made.pipeline.router = PolicyFile(policy=ROUND_ROBIN_WITH_CONTINUITY).router()
    made.desk.add_agent("ann")
    made.desk.add_agent("bob")
    return made


def routed(rig: Rig, ticket_id: str, requester: str | None) -> str:
    """A customer opens a ticket; one leader round later, who it was written to."""
    rig.desk.new_ticket(ticket_id, requester=requester)
    rig.cycle()
    rig.clock.advance(60)
    return dict(rig.desk.writes)[ticket_id]


def test_a_returning_requester_goes_back_to_the_agent_we_gave_them_last(rig: Rig) -> None:
    assert routed(rig, "1", "cust-1") == "ann"  # round robin: ann, then bob
    assert routed(rig, "2", "cust-2") == "bob"
    assert routed(rig, "3", "cust-2") == "bob"  # round robin alone would pick ann
    (decision,) = rig.store.decisions.history("3")
    assert decision["agent"] == "bob"
    note = decision["trace"]["notes"][0]
    assert note.startswith("continuity: bob handled this requester 0.0 h ago")


def test_without_the_setting_the_previous_agent_changes_nothing(rig: Rig) -> None:
    rig.pipeline.router = PolicyFile(policy={"name": "round_robin"}).router()
    assert [routed(rig, n, r) for n, r in [("1", "c1"), ("2", "c2"), ("3", "c2")]] == [
        "ann",
        "bob",
        "ann",
    ]


def test_a_requester_back_after_the_window_is_routed_as_anyone(rig: Rig) -> None:
    routed(rig, "1", "cust-1")
    routed(rig, "2", "cust-2")
    rig.clock.advance(timedelta(hours=73).total_seconds())
    assert routed(rig, "3", "cust-2") == "ann"
    assert rig.store.decisions.history("3")[0]["trace"]["notes"] == []


def test_the_previous_agent_offline_now_is_passed_over(rig: Rig) -> None:
    routed(rig, "1", "cust-1")
    routed(rig, "2", "cust-2")
    rig.desk.set_status("bob", "offline")  # type: ignore[arg-type]
    assert routed(rig, "3", "cust-2") == "ann"


# --- the store's record --------------------------------------------------------------------


def ticket(ticket_id: str, requester: str | None, source: str = "zendesk") -> Ticket:
    return Ticket(id=ticket_id, source=source, requester=requester, created_at=T0, updated_at=T0)


def record_assignment(store: Store, clock: FakeClock, ticket: Ticket, agent_id: str) -> None:
    """Store one assignment decided now, as the pipeline records it."""
    store.tickets.intake([ticket], "poll", clock())
    roster = Roster([Agent(id=agent_id)])
    decision = PolicyFile().router().decide(ticket, roster, clock(), Random(0))
    assert isinstance(decision, Assignment)
    store.decisions.record([Routed(ticket, decision)], clock(), dry_run=False)


def test_the_store_finds_the_latest_assignment_per_requester_and_help_desk(
    store: Store, clock: FakeClock
) -> None:
    record_assignment(store, clock, ticket("1", "cust"), "ann")
    clock.advance(60)
    record_assignment(store, clock, ticket("2", "cust"), "bob")
    record_assignment(store, clock, ticket("3", "cust", source="freshdesk"), "cat")
    record_assignment(store, clock, ticket("4", None), "dan")
    waiting = ticket("5", "cust")
    store.tickets.intake([waiting], "poll", clock())
    nobody = PolicyFile().router().decide(waiting, Roster([]), clock(), Random(0))
    assert isinstance(nobody, NoAssignment)  # a refusal is no assignment
    clock.advance(60)
    store.decisions.record([Routed(waiting, nobody)], clock(), dry_run=False)
    found = store.decisions.last_assignments(
        [("zendesk", "cust"), ("freshdesk", "cust"), ("zendesk", "other")]
    )
    assert found == {
        ("zendesk", "cust"): LastAssignment("bob", T0 + timedelta(seconds=60)),
        ("freshdesk", "cust"): LastAssignment("cat", T0 + timedelta(seconds=60)),
    }
    assert found["zendesk", "cust"].at.tzinfo is not None


def test_many_requesters_are_looked_up_in_chunks(store: Store, clock: FakeClock) -> None:
    for n in range(3):
        record_assignment(store, clock, ticket(str(n), f"cust-{n}"), "ann")
    wanted = [("zendesk", f"cust-{n}") for n in range(1200)]
    assert set(store.decisions.last_assignments(wanted)) == {wanted[0], wanted[1], wanted[2]}


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        pytest.param(ticket("t", "cust"), ("bob", T0), id="filled-in"),
        pytest.param(ticket("t", "stranger"), (None, None), id="never-assigned"),
        pytest.param(ticket("t", None), (None, None), id="no-requester"),
        pytest.param(ticket("t", "cust", source="freshdesk"), (None, None), id="other-desk"),
        pytest.param(
            ticket("t", "cust").evolve(previous_agent="eve", previous_agent_at=T0),
            ("eve", T0),
            id="named-already",
        ),
    ],
)
def test_enrichment_fills_in_only_what_the_store_knows(
    given: Ticket, expected: tuple[str | None, object]
) -> None:
    last = {("zendesk", "cust"): LastAssignment("bob", T0)}
    (enriched,) = with_previous_agents([given], last)
    assert (enriched.previous_agent, enriched.previous_agent_at) == expected
    assert requesters_of([ticket("a", "cust"), ticket("b", None)]) == {("zendesk", "cust")}


# --- the migration -------------------------------------------------------------------------


def test_a_store_from_before_migration_5_gains_the_columns_and_the_index(
    store_url: tuple[str, StoreSettings], clock: FakeClock
) -> None:
    """A store the previous version created (no requester columns, no index) is migrated;
    decisions recorded before carry no requester and are never matched."""
    url, settings = store_url
    old = Store.connect(url, "old", settings)
    ensure_schema(old.engine, settings.schema_name)
    migrate(old.engine, clock(), tuple(step for step in MIGRATIONS if step.version < 5))
    table = "deskroute_decisions"
    if settings.schema_name:
        table = f'"{settings.schema_name}".{table}'
    with old.engine.begin() as conn:  # as the previous version's step 1 created it
        schema.DECISIONS_BY_REQUESTER.drop(conn)
        for column in ("source", "requester"):
            conn.execute(sa.text(f"ALTER TABLE {table} DROP COLUMN {column}"))
        conn.execute(sa.text(
            f"INSERT INTO {table} (ticket_id, decided_at, outcome, agent_id, cause, replica,"
            " trace) VALUES ('0', '2026-11-25 09:00:00', 'assigned', 'old', 'new', 'old', '{}')"
        ))  # fmt: skip
    old.close()
    new = Store.open(url, "new", clock(), settings)
    with new.engine.connect() as conn:
        inspector = sa.inspect(conn)
        columns = inspector.get_columns("deskroute_decisions", settings.schema_name)
        indexes = inspector.get_indexes("deskroute_decisions", settings.schema_name)
    assert {"source", "requester"} <= {column["name"] for column in columns}
    assert {"deskroute_decisions_requester"} <= {index["name"] for index in indexes}
    record_assignment(new, clock, ticket("1", "cust"), "ann")
    assert new.decisions.last_assignments([("zendesk", "cust")]) == {
        ("zendesk", "cust"): LastAssignment("ann", T0)
    }
    new.close()
