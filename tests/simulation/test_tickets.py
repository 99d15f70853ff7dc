"""Simulated tickets: unvalidated copies of validated templates, and the kinds they share."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from pydantic import ValidationError

from router.model import Priority, Ticket
from router.roster import Roster
from simulation.run import build_router
from simulation.scenario import load_scenario
from simulation.team import build_agents
from simulation.tickets import TicketMaker
from simulation.traffic import Arrival

REFERENCE = Path(__file__).parents[2] / "config" / "scenarios" / "ecommerce.yaml"
RULES = """\
version: 1
rules:
  - name: refunds-high
    when: {field: type, equals: REFUND}
    then: {set_priority: high, add_optional_skills: {PAYMENT: 6}}
"""


def maker(policy_file: Path | None = None) -> TicketMaker:
    scenario = load_scenario(REFERENCE)
    if policy_file is not None:
        routing = scenario.routing.model_copy(update={"policy_file": policy_file})
        scenario = scenario.evolve(routing=routing)
    roster = Roster(build_agents(scenario, 0)).working_copy()
    return TicketMaker(scenario, build_router(scenario), roster, 0)


def arrival(
    number: int,
    category: str = "REFUND",
    priority: str = "normal",
    language: str = "de",
    channel: str = "chat",
) -> Arrival:
    return Arrival(number, 90.0, category, priority, language, channel, 12.0, float("inf"), None)


def test_a_copied_ticket_is_the_ticket_validation_would_build() -> None:
    tickets = maker()
    now = tickets.scenario.start + timedelta(minutes=90)
    job = tickets.make(arrival(7), now, 90.0, reopen=False)
    ticket, record = job.ticket, job.record
    validated = Ticket(
        id="7",
        source="simulation",
        created_at=now,
        type="REFUND",
        priority="normal",
        channel="chat",
        language="de",
        required_skills={"REFUND": 4},
        sla_due_at=now + timedelta(minutes=480),
    )
    assert ticket == validated
    assert ticket.model_dump() == validated.model_dump()
    heavier = ticket.model_copy(update={"weight": 2.0})
    assert heavier.weight == 2.0 and "weight" in heavier.model_fields_set
    assert "weight" not in ticket.model_fields_set  # the copies' shared set is left alone
    assert ticket.priority is Priority.NORMAL and ticket.waited(now) == timedelta(0)
    with pytest.raises(ValidationError, match="frozen"):
        ticket.group = "billing"  # type: ignore[misc]
    assert (record.ticket, record.category, record.sla_target) == ("7", "REFUND", 480.0)
    assert tickets.make(arrival(7), now, 90.0, reopen=True).ticket.id == "7r"


def test_copies_of_one_template_share_a_kind_per_language_and_channel() -> None:
    tickets = maker()
    now = tickets.scenario.start
    kinds = [
        tickets.make(arrival(n, **fields), now, 0.0, reopen=False).kind
        for n, fields in enumerate(
            [{}, {"priority": "urgent"}, {"language": "en"}, {"category": "ORDER"}]
        )
    ]
    assert kinds[0] is kinds[1]  # priority is not part of a kind
    assert kinds[0] is not kinds[2] and kinds[0] is not kinds[3]
    assert kinds[0].matches == {}  # learnt as agents take such tickets


def test_tickets_rewritten_by_rules_share_a_kind_when_their_routing_fields_agree(
    tmp_path: Path,
) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_text(RULES, encoding="utf-8")
    tickets = maker(policy)
    now = tickets.scenario.start
    first = tickets.make(arrival(1), now, 0.0, reopen=False)
    again = tickets.make(arrival(2, priority="low"), now, 0.0, reopen=False)
    assert first.ticket.optional_skills == {"PAYMENT": 6}
    assert first.ticket.priority is Priority.HIGH
    assert (first.record.priority, first.record.sla_target) == ("high", 240.0)
    assert again.kind is first.kind
    other = tickets.make(arrival(3, category="ORDER"), now, 0.0, reopen=False)
    assert other.kind is not first.kind
