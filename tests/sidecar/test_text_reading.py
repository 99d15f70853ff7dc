"""Reading the text in the live pipeline: a detected language routes a ticket to a speaker;
repeat contacts are counted from the store (each requester's other tickets decided within
the window), and the ``repeat_contact`` signal a rule tests holds on that count, with the
count as its evidence in the trace."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from random import Random

import pytest

from config.policy_file import PolicyFile
from router.model import Agent, Ticket
from router.roster import Roster
from sidecar.continuity import with_recent_contacts
from sidecar.store import Routed, Store
from tests.sidecar.builders import Rig
from tests.sidecar.fakes import T0, FakeClock

REPEATERS_TO_BOB = {
    "policy": {"name": "round_robin"},
    "rules": [
        {
            "name": "repeat-contacts-to-bob",
            "when": {"signal": "repeat_contact"},
            "then": {"escalate_to": ["bob"]},
        }
    ],
}


@pytest.fixture
def rig(tmp_path: Path, clock: FakeClock) -> Rig:
    """Two agents on a fake desk; round robin, repeat contacts only to bob."""
    made = Rig(Store.open(f"sqlite:///{tmp_path / 'r.sqlite3'}", "replica-a", clock()), clock)
    made.pipeline.router = PolicyFile.model_validate(REPEATERS_TO_BOB).router()
    made.desk.add_agent("ann")
    made.desk.add_agent("bob")
    return made


def routed(rig: Rig, ticket_id: str, requester: str) -> str:
    """A customer opens a ticket; one leader round later, who it was written to."""
    rig.desk.new_ticket(ticket_id, requester=requester)
    rig.cycle()
    rig.clock.advance(60)
    return dict(rig.desk.writes)[ticket_id]


def test_a_requester_writing_again_within_the_window_is_a_repeat_contact(rig: Rig) -> None:
    assert routed(rig, "1", "cust-1") == "ann"  # round robin: ann first
    assert routed(rig, "2", "cust-2") == "bob"
    assert routed(rig, "3", "cust-1") == "bob"  # round robin alone would pick ann
    (decision,) = rig.store.decisions.history("3")
    assert decision["trace"]["matched_rules"] == ["repeat-contacts-to-bob"]
    assert decision["trace"]["signals"] == {"repeat_contact": ["1 other recent ticket(s)"]}
    (first,) = rig.store.decisions.history("1")
    assert "signals" not in first["trace"]  # the first ticket is no repeat of itself


def test_a_requester_back_after_the_window_is_no_repeat_contact(rig: Rig) -> None:
    routed(rig, "1", "cust-1")
    rig.clock.advance(timedelta(days=7, minutes=1).total_seconds())  # default window: 7 days
    routed(rig, "2", "cust-1")
    (decision,) = rig.store.decisions.history("2")
    assert decision["trace"]["matched_rules"] == []


def record(store: Store, clock: FakeClock, ticket: Ticket) -> None:
    """Store one decision (an assignment) made now, as the pipeline records it."""
    store.tickets.intake([ticket], "poll", clock())
    decision = PolicyFile().router().decide(ticket, Roster([Agent(id="ann")]), clock(), Random(0))
    store.decisions.record([Routed(ticket, decision)], clock(), dry_run=False)


def ticket(ticket_id: str, requester: str, source: str = "zendesk") -> Ticket:
    return Ticket(id=ticket_id, source=source, requester=requester, created_at=T0, updated_at=T0)


def test_the_store_counts_distinct_tickets_per_requester_and_help_desk_since_a_time(
    store: Store, clock: FakeClock
) -> None:
    record(store, clock, ticket("old", "cust"))
    clock.advance(3600)
    since = clock()
    record(store, clock, ticket("1", "cust"))
    record(store, clock, ticket("3", "cust", source="freshdesk"))
    found = store.decisions.tickets_since([("zendesk", "cust"), ("freshdesk", "cust")], since)
    assert found == {("zendesk", "cust"): frozenset({"1"}), ("freshdesk", "cust"): {"3"}}
    tickets = with_recent_contacts([ticket("1", "cust"), ticket("2", "cust")], found)
    assert [t.recent_contacts for t in tickets] == [0, 1]  # a ticket never counts itself


def test_the_live_pipeline_detects_the_language_and_routes_to_a_speaker(
    tmp_path: Path, clock: FakeClock
) -> None:
    rig = Rig(Store.open(f"sqlite:///{tmp_path / 'l.sqlite3'}", "replica-a", clock()), clock)
    rig.pipeline.router = PolicyFile.model_validate(
        {
            "policy": {"name": "round_robin", "params": {"require_language": True}},
            "language": {"detect": True, "languages": ["en", "de"]},
        }
    ).router()
    rig.desk.add_agent("ann", languages=["en"])  # round robin would try ann first
    rig.desk.add_agent("bernd", languages=["de", "en"])
    rig.desk.new_ticket("1", body="Guten Tag, mein Paket ist noch nicht angekommen.")
    rig.cycle()
    assert dict(rig.desk.writes)["1"] == "bernd"
    (decision,) = rig.store.decisions.history("1")
    assert decision["trace"]["context"][0].startswith("language: de (")
    assert decision["trace"]["predictions"]["language"]["label"] == "de"
    (note,) = [text for ticket_id, text in rig.desk.notes if ticket_id == "1"]
    assert "; language: de (" in note  # the agent's note says why too
