"""What the store keeps for the shadow report: each ticket's first assignee (kept through
reassignment and closing), which decisions were made in dry run, and the cases of a
window (closed tickets included)."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from config.settings import ShadowSettings, StoreSettings
from sidecar.shadow_report import Window
from sidecar.store import Store, migrate, schema
from sidecar.store.database import ensure_schema
from sidecar.store.migrations import MIGRATIONS
from sidecar.store.reports import shadow_cases
from tests.sidecar.builders import Rig
from tests.sidecar.fakes import FakeClock

HOUR, DAY = 3600, 86400


def shadow_rig(store: Store, clock: FakeClock) -> Rig:
    rig = Rig(store, clock, dry_run=True)
    rig.desk.add_agent("ann")
    rig.desk.add_agent("bob")
    return rig


def test_the_persons_first_assignment_is_kept_through_reassignment_and_closing(
    store: Store, clock: FakeClock
) -> None:
    rig = shadow_rig(store, clock)
    created = clock()
    rig.desk.new_ticket("1")
    rig.cycle()
    ours = store.tickets.get("1").our_agent  # type: ignore[union-attr]
    other = "bob" if ours == "ann" else "ann"
    clock.advance(HOUR)
    first = rig.desk.human_edit("1", assignee=other).updated_at
    rig.cycle()
    clock.advance(HOUR)
    rig.desk.human_edit("1", assignee=ours)  # reassigned to whom we chose: too late to count
    rig.cycle()
    clock.advance(HOUR)
    rig.desk.human_edit("1", custom_fields={"status": "solved"})
    rig.cycle()
    (case,) = shadow_cases(store.engine, created, clock())
    assert case.closed and rig.state("1") == "closed"
    assert (case.ours, case.theirs, case.theirs_at) == (ours, other, first)
    assert case.ours_at == created and case.created_at == created


def test_a_window_holds_the_tickets_first_decided_in_it_closed_ones_included(
    store: Store, clock: FakeClock
) -> None:
    rig = shadow_rig(store, clock)
    start = clock()
    for day in range(3):
        rig.desk.new_ticket(f"d{day}")
        rig.cycle()
        rig.desk.human_edit(f"d{day}", assignee="ann", custom_fields={"status": "closed"})
        clock.advance(DAY)
    rig.cycle()
    middle = shadow_cases(store.engine, start + timedelta(days=1), start + timedelta(days=2))
    assert [case.ticket_id for case in middle] == ["d1"] and middle[0].closed
    report = store.shadow_report(Window(start, clock()), ShadowSettings())
    assert (report.decided, report.closed, report.overall.compared) == (3, 3, 3)


def test_a_ticket_waiting_then_assigned_by_us_counts_from_its_first_decision(
    store: Store, clock: FakeClock
) -> None:
    rig = Rig(store, clock, dry_run=True)
    rig.desk.add_agent("ann", status="offline")
    created = clock()
    rig.desk.new_ticket("1")
    rig.cycle()
    assert rig.state("1") == "waiting"
    clock.advance(DAY)  # the next day: the window starts after the first decision
    rig.desk.set_status("ann", "online")  # type: ignore[arg-type]
    rig.cycle()
    assert shadow_cases(store.engine, created + timedelta(hours=1), clock()) == []
    (case,) = shadow_cases(store.engine, created, clock() + timedelta(seconds=1))
    assert (case.decided_at, case.ours, case.ours_at) == (created, "ann", clock())


def test_live_decisions_are_not_shadow_cases(store: Store, clock: FakeClock) -> None:
    rig = Rig(store, clock)
    rig.desk.add_agent("ann")
    rig.desk.new_ticket("1")
    rig.cycle()
    assert rig.desk.writes == [("1", "ann")]
    assert (
        shadow_cases(store.engine, clock() - timedelta(days=1), clock() + timedelta(days=1)) == []
    )


def test_a_store_from_before_migration_6_gains_the_columns(
    store_url: tuple[str, StoreSettings], clock: FakeClock
) -> None:
    """Tickets and decisions an older version recorded keep working; their decisions are
    not known to be dry-run ones, so the report leaves them out."""
    url, settings = store_url
    old = Store.connect(url, "old", settings)
    ensure_schema(old.engine, settings.schema_name)
    migrate(old.engine, clock(), tuple(step for step in MIGRATIONS if step.version < 6))
    prefix = f'"{settings.schema_name}".' if settings.schema_name else ""
    with old.engine.begin() as conn:  # as the previous version's step 1 created them
        conn.execute(sa.text(f"ALTER TABLE {prefix}deskroute_tickets DROP COLUMN first_assignee"))
        conn.execute(
            sa.text(f"ALTER TABLE {prefix}deskroute_tickets DROP COLUMN first_assigned_at")
        )
        conn.execute(sa.text(f"ALTER TABLE {prefix}deskroute_decisions DROP COLUMN dry_run"))
        conn.execute(sa.text(
            f"INSERT INTO {prefix}deskroute_decisions (ticket_id, decided_at, outcome, agent_id,"
            " cause, replica, trace) VALUES ('0', '2026-11-25 09:00:00', 'assigned', 'ann',"
            " 'new', 'old', '{}')"
        ))  # fmt: skip
    old.close()
    new = Store.open(url, "new", clock(), settings)
    with new.engine.connect() as conn:
        inspector = sa.inspect(conn)
        tickets = {
            c["name"] for c in inspector.get_columns("deskroute_tickets", settings.schema_name)
        }
        decisions = {
            c["name"] for c in inspector.get_columns("deskroute_decisions", settings.schema_name)
        }
        dry = conn.execute(sa.select(schema.decisions.c.dry_run)).scalar_one()
    assert {"first_assignee", "first_assigned_at"} <= tickets and "dry_run" in decisions
    assert dry is None
    rig = shadow_rig(new, clock)
    rig.desk.new_ticket("1")
    rig.cycle()
    rig.desk.human_edit("1", assignee="bob")
    rig.cycle()
    (case,) = shadow_cases(new.engine, clock() - timedelta(days=1), clock() + timedelta(days=1))
    assert (case.ticket_id, case.theirs) == ("1", "bob")
    new.close()
