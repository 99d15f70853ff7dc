"""The pipeline and writer against an in-memory help desk: the journey of a ticket."""

from __future__ import annotations

from pathlib import Path

import pytest

from config.settings import ShadowSettings
from connectors.base import RosterSnapshot
from connectors.errors import AgentRefusedError, FatalError, RetriableError, SkippableError
from router.model import AgentStatus, Capacity, Priority
from sidecar import lifecycle
from sidecar.pipeline import STORED_ROSTER_MAX_AGE
from sidecar.shadow_report import Window
from sidecar.store import Store, on_clock
from tests.sidecar.builders import Rig
from tests.sidecar.fakes import FakeClock


@pytest.fixture
def sqlite_store(tmp_path: Path, clock: FakeClock) -> Store:
    return Store.open(
        f"sqlite:///{tmp_path / 'p.sqlite3'}", "replica-a", clock(), due_clock=on_clock(clock)
    )


@pytest.fixture
def rig(sqlite_store: Store, clock: FakeClock) -> Rig:
    made = Rig(sqlite_store, clock)
    made.desk.add_agent("ann")
    made.desk.add_agent("bob")
    return made


def test_polled_tickets_are_decided_recorded_and_written_once(rig: Rig) -> None:
    for n in range(3):
        rig.desk.new_ticket(str(n))
    rig.cycle()
    rig.cycle()
    assert sorted(t for t, _ in rig.desk.writes) == ["0", "1", "2"]
    assert {rig.state(str(n)) for n in range(3)} == {lifecycle.ASSIGNED}
    assert rig.store.decisions.history("0")[0]["outcome"] == "assigned"


def test_webhook_and_poll_of_the_same_change_count_once(rig: Rig) -> None:
    rig.desk.new_ticket("1")
    rig.store.tickets.hint("1", "fake", rig.clock())
    rig.store.tickets.hint("1", "fake", rig.clock())
    rig.cycle()
    assert rig.desk.writes == [("1", rig.desk.writes[0][1])]
    assert len(rig.store.decisions.history("1")) == 1


def test_many_writes_go_through_the_bulk_endpoint(rig: Rig) -> None:
    for n in range(6):
        rig.desk.new_ticket(str(n))
    rig.cycle()
    assert rig.desk.bulk_calls == 1 and len(rig.desk.writes) == 6


def test_a_humans_assignment_made_after_we_read_is_never_overwritten(rig: Rig) -> None:
    rig.desk.new_ticket("1")
    rig.pipeline.refresh_roster()
    rig.pipeline.poll()
    rig.pipeline.route()
    rig.desk.human_edit("1", assignee="bob")
    rig.writer.flush()
    assert rig.desk.tickets["1"].assignee == "bob"
    assert rig.desk.writes == []
    assert rig.state("1") == lifecycle.HUMAN


def test_a_ticket_changed_but_unassigned_is_decided_again(rig: Rig) -> None:
    rig.desk.new_ticket("1")
    rig.pipeline.refresh_roster()
    rig.pipeline.poll()
    rig.pipeline.route()
    rig.desk.human_edit("1", priority=Priority.URGENT)
    assert rig.writer.flush().conflicts == 1
    rig.cycle()
    assert len(rig.desk.writes) == 1 and rig.state("1") == lifecycle.ASSIGNED
    causes = [entry["outcome"] for entry in rig.store.decisions.history("1")]
    assert causes == ["assigned", "assigned"]


def test_tickets_wait_and_are_assigned_in_queue_order_when_capacity_frees(
    rig: Rig, clock: FakeClock
) -> None:
    rig.desk.agents.clear()
    rig.desk.add_agent("ann", capacity=Capacity(max_load=1))
    rig.desk.new_ticket("busy", assignee="ann")
    rig.desk.new_ticket("low", priority=Priority.LOW)
    clock.advance(60)
    rig.desk.new_ticket("urgent", priority=Priority.URGENT)
    rig.cycle()
    assert rig.state("low") == rig.state("urgent") == lifecycle.WAITING
    assert rig.metrics.queue_depth._value.get() == 2
    rig.desk.tickets.pop("busy")  # solved: capacity frees
    rig.cycle()
    assert rig.desk.writes == [("urgent", "ann")]
    assert rig.state("low") == lifecycle.WAITING


@pytest.mark.parametrize(
    ("fault", "state", "reason"),
    [
        pytest.param(FatalError("422 invalid group", status=422), lifecycle.PARKED,
                     "refused by the help desk: 422 invalid group", id="fatal-parks"),
        pytest.param(SkippableError("422 closed", status=422), lifecycle.PARKED,
                     "refused by the help desk: 422 closed", id="skippable-parks"),
        pytest.param(AgentRefusedError("422 assignee: not in group", status=422),
                     lifecycle.PENDING, "agent refused: 422 assignee", id="agent-gone-decides"),
        pytest.param(RetriableError("503", status=503), lifecycle.ROUTED, None,
                     id="retriable-waits"),
    ],
)  # fmt: skip
def test_write_errors_by_class(rig: Rig, fault: Exception, state: str, reason: str | None) -> None:
    rig.desk.new_ticket("1")
    rig.desk.faults.append(fault)  # type: ignore[arg-type]
    rig.cycle()
    row = rig.store.tickets.get("1")
    assert row is not None and row.state == state
    assert (reason is None) == (row.reason is None)
    if reason:
        assert reason in str(row.reason)


@pytest.mark.parametrize(
    ("reread_by_connector", "reads"),
    [
        pytest.param(True, [1], id="connector-reread-reused"),
        pytest.param(False, [1], id="writer-rereads-once"),
    ],
)
def test_a_conflict_reads_the_ticket_exactly_once(
    rig: Rig, reread_by_connector: bool, reads: list[int]
) -> None:
    """A person assigns the ticket between our read and our write: the ticket is read once
    after the refused write (by the connector, whose copy the writer reuses, or by the
    writer), and left to the person."""
    rig.desk.reread_on_conflict = reread_by_connector
    rig.desk.new_ticket("1")
    rig.pipeline.refresh_roster()
    rig.pipeline.poll()
    rig.pipeline.route()
    rig.desk.human_edit("1", assignee="bob")
    rig.desk.reads.clear()
    assert rig.writer.flush().conflicts == 1
    assert rig.desk.reads == reads
    assert rig.state("1") == lifecycle.HUMAN and rig.desk.writes == []


def test_an_agent_the_desk_refuses_is_left_out_and_the_ticket_decided_again(rig: Rig) -> None:
    """A 422 because the chosen agent was deleted or left the group: the write is dropped
    (load released), the ticket goes back to pending and the next decision, made before the
    roster is read again, picks someone else; nothing is parked."""
    rig.desk.new_ticket("1")
    rig.pipeline.refresh_roster()
    rig.pipeline.poll()
    rig.pipeline.route()
    row = rig.store.tickets.get("1")
    assert row is not None and row.our_agent is not None
    refused = row.our_agent
    rig.desk.faults.append(AgentRefusedError("HTTP 422: assignee: not a member", status=422))
    assert rig.writer.flush().redecided == 1
    again = rig.store.tickets.get("1")
    assert again is not None and again.state == lifecycle.PENDING and again.our_agent is None
    assert "agent refused" in str(again.reason)
    assert rig.store.loads.loads().get(refused, 0) == 0
    assert refused not in {agent.id for agent in rig.pipeline.agents}
    rig.pipeline.route()
    rig.writer.flush()
    (write,) = rig.desk.writes
    assert write[1] != refused and rig.state("1") == lifecycle.ASSIGNED
    assert rig.store.outbox.counts() == {"superseded": 1, "done": 1}


def test_retries_honour_retry_after_and_then_succeed(rig: Rig, clock: FakeClock) -> None:
    rig.desk.new_ticket("1")
    rig.desk.faults.append(RetriableError("429", status=429, retry_after=30))
    rig.cycle()
    clock.advance(10)
    assert rig.writer.flush().sent == 0  # not due yet
    clock.advance(25)
    assert rig.writer.flush().done == 1


def test_write_is_parked_after_max_attempts(sqlite_store: Store, clock: FakeClock) -> None:
    rig = Rig(sqlite_store, clock, writer={"max_attempts": 2, "retry_base_seconds": 1})
    rig.desk.add_agent("ann")
    rig.desk.new_ticket("1")
    rig.desk.faults.extend([RetriableError("503"), RetriableError("503")])
    rig.cycle()
    clock.advance(5)
    rig.writer.flush()
    assert rig.state("1") == lifecycle.PARKED and rig.store.loads.loads()["ann"] == 0


def test_a_write_whose_answer_was_lost_is_not_sent_twice(rig: Rig, clock: FakeClock) -> None:
    rig.desk.new_ticket("1")
    rig.desk.lose_response = True
    rig.cycle()
    rig.desk.lose_response = False
    clock.advance(60)
    rig.writer.flush()
    assert len(rig.desk.writes) == 1
    assert rig.state("1") == lifecycle.HUMAN  # ours, probably, but a re-read cannot prove it


def test_a_landed_write_that_raced_a_person_is_put_back_and_left_to_them(
    rig: Rig, clock: FakeClock
) -> None:
    """A crash (here: a lost answer) after a write landed: before marking it done, the
    writer asks whether it replaced a person's change; this one did, and was put back."""
    rig.desk.new_ticket("1")
    rig.desk.lose_response = True
    rig.cycle()
    rig.desk.lose_response = False
    rig.desk.overwrites["1"] = "bob"
    clock.advance(60)
    rig.writer.flush()
    assert rig.desk.overwrite_checks == [["1"]]
    assert rig.desk.tickets["1"].assignee == "bob"
    assert rig.state("1") == lifecycle.HUMAN and len(rig.desk.writes) == 1


def test_a_landed_write_that_cannot_be_checked_now_is_checked_later_not_sent_again(
    rig: Rig, clock: FakeClock
) -> None:
    rig.desk.new_ticket("1")
    rig.desk.lose_response = True
    rig.cycle()
    rig.desk.lose_response = False
    rig.desk.check_faults.append(RetriableError("503", status=503))
    clock.advance(60)
    assert rig.writer.flush().retried == 1
    clock.advance(60)
    rig.writer.flush()
    assert len(rig.desk.overwrite_checks) == 2 and len(rig.desk.writes) == 1
    assert rig.state("1") == lifecycle.HUMAN


def test_where_bulk_writes_cannot_carry_notes_they_follow_the_assignments(
    rig: Rig, clock: FakeClock
) -> None:
    """Freshdesk: a note is a request each; posting 100 of them inline held a write round
    30 s in the chaos run. The assignments go first, the notes after, a few per round."""
    rig.desk.notes_in_bulk = False
    for n in range(8):
        rig.desk.new_ticket(str(n))
    rig.writer.settings = rig.writer.settings.model_copy(update={"notes_per_round": 5})
    rig.desk.note_faults.append(RetriableError("503", status=503))
    rig.cycle()
    assert len(rig.desk.writes) == 8 and rig.desk.bulk_calls == 1
    assert len(rig.desk.notes) == 4  # 5 due this round, the first failed and waits its retry
    clock.advance(60)
    rig.writer.flush()
    assert sorted(t for t, _ in rig.desk.notes) == [str(n) for n in range(8)]
    assert all(text for _, text in rig.desk.notes)
    assert rig.store.notes.counts() == {"done": 8}


def test_a_note_on_a_ticket_gone_since_is_dropped_not_retried(rig: Rig, clock: FakeClock) -> None:
    rig.desk.notes_in_bulk = False
    rig.desk.new_ticket("1")
    rig.desk.note_faults.append(RetriableError("503", status=503))
    rig.cycle()  # assigned; its note failed once and waits
    assert rig.desk.writes and rig.store.notes.counts() == {"pending": 1}
    del rig.desk.tickets["1"]  # a person deletes the ticket meanwhile
    clock.advance(60)
    rig.writer.flush()
    assert rig.store.notes.counts() == {"dropped": 1} and rig.desk.notes == []


def test_after_a_failed_bulk_write_the_rows_are_rechecked_in_one_read(
    rig: Rig, clock: FakeClock
) -> None:
    """Found by the chaos run: re-reading each row of a failed batch one by one, through
    20 % 5xx, stalled the writer for tens of seconds after every failed bulk write."""
    for n in range(8):
        rig.desk.new_ticket(str(n))
    rig.desk.faults.append(RetriableError("503", status=503))
    rig.cycle()
    assert rig.desk.bulk_calls == 1 and not rig.desk.writes
    clock.advance(60)
    rig.desk.reads.clear()
    rig.writer.flush()
    assert rig.desk.reads == [8]  # one batch read, not eight single ones
    assert sorted(t for t, _ in rig.desk.writes) == [str(n) for n in range(8)]


def test_after_a_crash_the_rows_to_recheck_are_worked_off_a_few_per_round(
    rig: Rig, clock: FakeClock
) -> None:
    """Found by the chaos run: after each SIGKILL the new leader re-read a whole round of
    100 rows (one by one on Freshdesk) through 20 % 5xx and was killed again first."""
    for n in range(8):
        rig.desk.new_ticket(str(n))
    rig.desk.faults.append(RetriableError("503", status=503))
    rig.cycle()
    rig.writer.settings = rig.writer.settings.model_copy(update={"recheck_per_round": 3})
    clock.advance(60)
    rig.desk.reads.clear()
    rig.writer.flush()
    assert rig.desk.reads == [3] and len(rig.desk.writes) == 3
    assert rig.store.outbox.counts() == {"done": 3, "pending": 5}  # attempts not counted
    while rig.store.outbox.active():
        rig.writer.flush()
    assert rig.desk.reads == [3, 3, 2] and len(rig.desk.writes) == 8


@pytest.mark.parametrize("status", ["solved", "open"])
def test_a_person_who_picked_our_agent_first_keeps_the_ticket(rig: Rig, status: str) -> None:
    """Found by the chaos run: a person took a ticket, choosing the agent we had decided
    on, and solved it while our write waited for a retry. The re-check saw our agent, took
    the ticket for ours, and follow-through later moved it off that agent."""
    rig.desk.new_ticket("1")
    rig.desk.faults.append(RetriableError("503", status=503))
    rig.cycle()
    ours = rig.store.tickets.get("1").our_agent  # type: ignore[union-attr]
    assert ours is not None and not rig.desk.writes
    rig.desk.human_edit("1", assignee=ours, custom_fields={"status": status})
    rig.clock.advance(60)
    rig.writer.flush()  # the retry: the re-check finds our agent and sends nothing
    rig.desk.set_status(ours, AgentStatus.OFFLINE)
    for _ in range(3):
        rig.cycle()
        rig.pipeline.sweep()
        rig.clock.advance(60)
    assert rig.desk.writes == [] and rig.desk.tickets["1"].assignee == ours
    assert rig.state("1") == (lifecycle.CLOSED if status == "solved" else lifecycle.HUMAN)


def test_a_crash_after_claiming_loses_nothing_and_writes_once(rig: Rig, clock: FakeClock) -> None:
    for n in range(3):
        rig.desk.new_ticket(str(n))
    rig.pipeline.refresh_roster()
    rig.pipeline.poll()
    rig.pipeline.route()
    claimed = rig.store.outbox.claim(clock(), 10)
    for row in claimed[:2]:  # the crash happens after two writes reached the desk
        rig.desk.assign(__import__("sidecar.writer", fromlist=["x"]).request_for(row))
    assert rig.store.outbox.recover() == 3
    rig.writer.flush()
    assert sorted(t for t, _ in rig.desk.writes) == ["0", "1", "2"]
    # the two found assigned on the re-check cannot be told from a person's choice
    assert sorted(rig.state(str(n)) for n in range(3)) == [
        lifecycle.ASSIGNED,
        lifecycle.HUMAN,
        lifecycle.HUMAN,
    ]


def test_dry_run_decides_and_records_but_never_writes(
    sqlite_store: Store, clock: FakeClock
) -> None:
    rig = Rig(sqlite_store, clock, dry_run=True)
    rig.desk.add_agent("ann")
    rig.desk.add_agent("bob")
    rig.desk.new_ticket("1")
    rig.desk.new_ticket("2")
    rig.cycle()
    assert rig.desk.writes == [] and rig.store.outbox.counts() == {}
    ours = {t: rig.store.tickets.get(t).our_agent for t in ("1", "2")}  # type: ignore[union-attr]
    rig.desk.human_edit("1", assignee=ours["1"])
    rig.desk.human_edit("2", assignee="bob" if ours["2"] == "ann" else "ann")
    rig.cycle()
    clock.advance(1)
    report = rig.store.shadow_report(Window.last(1, clock()), ShadowSettings())
    assert (report.decided, report.overall.compared, report.overall.agreed) == (2, 2, 1)
    assert report.overall.rate == 0.5


GRACE_S = 10 * 60
"""The default grace period of an offline or reopened move (minutes, not seconds)."""


def test_follow_through_moves_tickets_off_an_agent_offline_past_the_grace_period(
    rig: Rig, clock: FakeClock
) -> None:
    rig.desk.new_ticket("1")
    rig.cycle()
    first = rig.desk.writes[0][1]
    rig.desk.set_status(first, AgentStatus.OFFLINE)
    rig.pipeline.refresh_roster()
    assert rig.pipeline.sweep() == 0  # just went offline: a short break moves nothing
    clock.advance(GRACE_S - 1)
    assert rig.pipeline.sweep() == 0
    clock.advance(1)
    assert rig.pipeline.sweep() == 1
    rig.writer.flush()
    assert rig.desk.tickets["1"].assignee not in (first, None)
    assert [e["cause"] for e in rig.store.decisions.history("1")] == ["new", "offline"]


def test_follow_through_right_after_a_bulk_write_moves_with_a_fresh_guard(rig: Rig) -> None:
    """Found by the chaos run: a bulk job reports no new ``updated_at``, so until the echo
    was polled a move carried the pre-write stamp, met a conflict with our own write, and
    the ticket was handed to people instead of moving."""
    rig.desk.bulk_stamps = False
    for n in range(6):
        rig.desk.new_ticket(str(n))
    rig.cycle()
    assert rig.desk.bulk_calls == 1
    first = rig.desk.tickets["0"].assignee
    assert first is not None
    rig.desk.set_status(first, AgentStatus.OFFLINE)
    rig.pipeline.refresh_roster()
    rig.pipeline.sweep()  # first seen offline: the grace period starts
    rig.clock.advance(GRACE_S)
    assert rig.pipeline.sweep() >= 1  # before any poll brought the echo in
    rig.writer.flush()
    assert rig.desk.tickets["0"].assignee not in (None, first)
    assert rig.state("0") == lifecycle.ASSIGNED


def test_a_reopened_ticket_with_an_unavailable_assignee_is_rerouted(rig: Rig) -> None:
    rig.desk.new_ticket("1", assignee="ann", custom_fields={"status": "solved"})
    rig.cycle()
    assert rig.state("1") == lifecycle.CLOSED
    rig.desk.set_status("ann", AgentStatus.OFFLINE)
    rig.desk.human_edit("1", custom_fields={"status": "open"})
    rig.cycle()
    assert rig.state("1") == lifecycle.REOPENED
    rig.pipeline.sweep()
    rig.writer.flush()
    assert rig.desk.tickets["1"].assignee == "ann"  # ann may be back within the grace period
    rig.clock.advance(GRACE_S)
    rig.pipeline.sweep()
    rig.writer.flush()
    assert rig.desk.tickets["1"].assignee == "bob"


def test_an_agent_back_within_the_grace_period_keeps_their_tickets(
    rig: Rig, clock: FakeClock
) -> None:
    rig.desk.new_ticket("1")
    rig.cycle()
    first = rig.desk.writes[0][1]
    rig.desk.set_status(first, AgentStatus.OFFLINE)
    rig.pipeline.refresh_roster()
    rig.pipeline.sweep()
    clock.advance(GRACE_S - 60)
    rig.desk.set_status(first, AgentStatus.ONLINE)
    rig.pipeline.refresh_roster()
    assert rig.pipeline.sweep() == 0
    rig.desk.set_status(first, AgentStatus.OFFLINE)  # away again: the grace starts afresh
    rig.pipeline.refresh_roster()
    clock.advance(120)
    assert rig.pipeline.sweep() == 0
    clock.advance(GRACE_S)
    assert rig.pipeline.sweep() == 1


def test_no_first_reply_in_time_moves_the_ticket_once_per_limit(rig: Rig, clock: FakeClock) -> None:
    rig.desk.new_ticket("1", priority=Priority.URGENT, custom_fields={"first_reply_at": None})
    rig.cycle()
    first = rig.desk.writes[0][1]
    clock.advance(29 * 60)
    assert rig.pipeline.sweep() == 0
    clock.advance(2 * 60)
    assert rig.pipeline.sweep() == 1
    rig.writer.flush()
    assert rig.desk.tickets["1"].assignee not in (first, None)


@pytest.mark.parametrize(
    ("seconds", "assigned"),
    [pytest.param(1, False, id="roster-fresh"), pytest.param(6, True, id="roster-stale")],
)
def test_while_tickets_wait_routing_refreshes_a_stale_roster(
    rig: Rig, clock: FakeClock, seconds: float, assigned: bool
) -> None:
    rig.desk.agents.clear()
    rig.desk.add_agent("ann", capacity=Capacity(max_load=1))
    rig.desk.new_ticket("busy", assignee="ann")
    rig.desk.new_ticket("next")
    rig.cycle()
    assert rig.state("next") == lifecycle.WAITING
    rig.desk.tickets.pop("busy")  # solved in the help desk
    clock.advance(seconds)
    rig.pipeline.route()
    assert (rig.state("next") == lifecycle.ROUTED) is assigned


def test_while_tickets_wait_a_failed_roster_read_does_not_stop_the_round(
    rig: Rig, clock: FakeClock
) -> None:
    """Issue 16, two replicas: a re-read of the roster because tickets wait, failing under
    503s, used to end the round, so nothing was decided while the desk failed; the next
    round tried it again at once. The round decides with the roster it has, and the re-read
    is tried again only after ``roster_when_waiting_seconds``."""
    rig.desk.new_ticket("nobody-serves", group="billing")  # no agent is in that group
    rig.cycle()
    assert rig.state("nobody-serves") == lifecycle.WAITING
    clock.advance(6)  # the roster is stale while a ticket waits
    rig.desk.new_ticket("new")
    rig.pipeline.poll()
    rig.desk.roster = _failing_roster  # type: ignore[method-assign]
    recorded = rig.pipeline.route()
    assert recorded.assigned == 1 and rig.state("new") == lifecycle.ROUTED
    rig.desk.new_ticket("next")
    rig.pipeline.poll()
    clock.advance(1)
    rig.desk.roster = _unexpected_roster  # type: ignore[method-assign]
    assert rig.pipeline.route().assigned == 1  # not re-read again within the interval


def _failing_roster() -> RosterSnapshot:
    raise RetriableError("HTTP 503 (injected)")


def _unexpected_roster() -> RosterSnapshot:
    raise AssertionError("the roster was re-read before the interval passed")


def test_a_new_leader_takes_the_stored_roster_only_while_it_is_recent(
    sqlite_store: Store, clock: FakeClock
) -> None:
    """What ``recall_roster`` gives a replica that leads with no roster of its own: the
    agents the last leader read, until they are ``STORED_ROSTER_MAX_AGE`` old."""
    leader = Rig(sqlite_store, clock)
    leader.desk.add_agent("ann", groups=frozenset({"billing"}))
    leader.pipeline.refresh_roster()
    leader.desk.new_ticket("nobody-serves", group="sales")  # ann is only in billing
    leader.pipeline.poll()
    leader.pipeline.route()
    assert leader.state("nobody-serves") == lifecycle.WAITING
    clock.advance(6)
    successor = Rig(sqlite_store, clock)
    successor.desk.roster = _unexpected_roster  # type: ignore[method-assign]
    assert successor.pipeline.recall_roster()
    assert successor.pipeline.agents == leader.pipeline.agents
    successor.pipeline.route()  # decides at once: the roster is re-read after the interval
    clock.advance(STORED_ROSTER_MAX_AGE.total_seconds() + 1)
    assert not Rig(sqlite_store, clock).pipeline.recall_roster()


def test_no_roster_is_recalled_from_a_store_that_never_kept_one(rig: Rig) -> None:
    assert not rig.pipeline.recall_roster() and rig.pipeline.agents == ()
