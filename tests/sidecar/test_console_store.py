"""The console's store queries on SQLite and PostgreSQL: the queue with each ticket's latest
refusal, per-agent activity, and one ticket's history with its write-backs and moves."""

from __future__ import annotations

from datetime import timedelta

from router.model import AgentStatus
from sidecar.store import Store
from sidecar.store.console_views import agent_activity, queued, ticket_history
from tests.sidecar.builders import Rig
from tests.sidecar.fakes import T0, FakeClock

GRACE = timedelta(minutes=10)
"""The follow-through's default grace before moving a ticket off an offline agent."""


def test_the_queue_holds_refused_and_undecided_tickets_with_the_latest_refusal(
    store: Store, clock: FakeClock
) -> None:
    rig = Rig(store, clock)
    rig.desk.add_agent("ana", skills={"billing": 1})
    rig.desk.new_ticket("1")
    rig.desk.new_ticket("2", required_skills={"legal": 1})
    rig.cycle()
    rig.desk.set_status("ana", AgentStatus.OFFLINE)
    rig.desk.new_ticket("3", required_skills={"legal": 1})
    rig.pipeline.refresh_roster()
    rig.pipeline.route()
    rig.desk.new_ticket("4")
    rig.pipeline.poll()
    found = {item.row.ticket.id: item for item in queued(store.engine)}
    assert sorted(found) == ["2", "3", "4"]
    assert (found["2"].rejections, found["2"].row.state) == ({"skills": 1}, "waiting")
    assert (found["4"].rejections, found["4"].decided_at) == ({}, None)


def test_agent_activity_counts_assignments_since_a_moment_and_the_latest(
    store: Store, clock: FakeClock
) -> None:
    rig = Rig(store, clock)
    rig.desk.add_agent("ana")
    rig.desk.new_ticket("1")
    rig.cycle()
    clock.advance(3600)
    rig.desk.new_ticket("2")
    rig.cycle()
    since = T0 + timedelta(minutes=30)
    activity = agent_activity(store.engine, since)["ana"]
    assert (activity.routed_since, activity.last_ticket) == (1, "2")
    assert activity.last_assigned == T0 + timedelta(hours=1)


def test_a_ticket_history_has_each_decision_its_cause_and_its_write_back(
    store: Store, clock: FakeClock
) -> None:
    rig = Rig(store, clock)
    rig.desk.add_agent("ana")
    rig.desk.add_agent("bo")
    rig.desk.new_ticket("1")
    rig.cycle()
    first = rig.desk.writes[0][1]
    rig.desk.set_status(first, AgentStatus.OFFLINE)
    rig.pipeline.refresh_roster()
    rig.pipeline.sweep()
    clock.advance(GRACE.total_seconds())
    assert rig.pipeline.sweep() == 1
    rig.writer.flush()
    steps = ticket_history(store.engine, "1")
    assert [(s.record["cause"], s.record["agent"]) for s in steps] == [
        ("new", first),
        ("offline", "bo" if first == "ana" else "ana"),
    ]
    assert [s.write_back.status if s.write_back else None for s in steps] == ["done", "done"]
    assert ticket_history(store.engine, "nope") == []
