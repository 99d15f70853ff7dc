"""Properties: whatever faults, crashes and human edits happen, no ticket is lost, none is
written twice, and a human's assignment is never overwritten."""

from __future__ import annotations

import contextlib
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from connectors.errors import RetriableError
from sidecar import lifecycle
from sidecar.store import Store, on_clock
from sidecar.writer import request_for
from tests.sidecar.builders import Rig
from tests.sidecar.fakes import FakeClock

STEPS = st.lists(
    st.one_of(
        st.just(("cycle",)),
        st.just(("fault",)),
        st.just(("lost",)),
        st.tuples(st.just("human"), st.integers(0, 5)),
        st.tuples(st.just("crash"), st.integers(0, 5)),
    ),
    max_size=12,
)


def apply(rig: Rig, step: tuple[object, ...], humans: dict[str, str]) -> None:
    kind = step[0]
    if kind == "cycle":
        rig.cycle()
    elif kind == "fault":
        rig.desk.faults.append(RetriableError("503", status=503))
    elif kind == "lost":
        rig.desk.lose_response = True
        rig.writer.flush()
        rig.desk.lose_response = False
    elif kind == "human":
        ticket_id = str(step[1])
        if ticket_id in rig.desk.tickets and rig.desk.tickets[ticket_id].assignee is None:
            rig.desk.human_edit(ticket_id, assignee="bob")
            humans[ticket_id] = "bob"
    elif kind == "crash":
        claimed = rig.store.outbox.claim(rig.clock(), 100)
        for row in claimed[: int(str(step[1]))]:  # these writes reached the desk before the crash
            with contextlib.suppress(RetriableError):  # a failed one did not land
                rig.desk.assign(request_for(row))
        rig.store.outbox.recover()
    rig.clock.advance(30)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(count=st.integers(1, 6), steps=STEPS)
def test_no_ticket_is_lost_written_twice_or_taken_from_a_human(
    count: int, steps: list[tuple[object, ...]]
) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        clock = FakeClock()
        store = Store.open(
            f"sqlite:///{Path(scratch) / 'p.sqlite3'}", "r", clock(), due_clock=on_clock(clock)
        )
        rig = Rig(
            store, clock, follow_through={"reassign_unavailable": False},
            writer={"max_attempts": 1000},  # retriable faults never park here
        )  # fmt: skip
        rig.desk.add_agent("ann")
        rig.desk.add_agent("bob")
        for n in range(count):
            rig.desk.new_ticket(str(n))
        humans: dict[str, str] = {}
        for step in steps:
            apply(rig, step, humans)
        rig.desk.faults.clear()  # calm weather: everything settles
        for _ in range(3):
            rig.cycle()
            clock.advance(600)
        writes: dict[str, int] = {}
        for ticket_id, _ in rig.desk.writes:
            writes[ticket_id] = writes.get(ticket_id, 0) + 1
        for n in range(count):
            ticket_id = str(n)
            assert rig.desk.tickets[ticket_id].assignee is not None  # nothing lost
            assert writes.get(ticket_id, 0) <= 1  # never written twice
            if ticket_id in humans:  # a person chose while it was unassigned: theirs stands
                assert rig.desk.tickets[ticket_id].assignee == humans[ticket_id]
            assert rig.state(ticket_id) in (lifecycle.ASSIGNED, lifecycle.HUMAN)
        store.close()
