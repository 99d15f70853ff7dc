"""Customers: repeat contacts, VIPs, the previous agent on a follow-up, continuity, patience."""

from __future__ import annotations

import statistics
from collections import defaultdict
from datetime import timedelta
from typing import Any

import numpy as np
import pytest

from router.model import Priority
from router.roster import Roster
from simulation.customers import Customer, CustomerDraws, CustomerMemory
from simulation.model import DeskModel
from simulation.run import PolicyChoice, build_router, simulate
from simulation.scenario import Customers, Scenario, parse_scenario
from simulation.team import build_agents
from simulation.tickets import TicketMaker
from simulation.traffic import Arrival, batches, generate


def desk(**changes: Any) -> Scenario:
    """A small always-open desk whose customers write again, some of them VIPs."""
    data: dict[str, Any] = {
        "name": "repeat-desk",
        "seed": 11,
        "horizon_days": 3,
        "agent_fit": {"continuity_handle": 0.8},
        "agents": [{"team": "desk", "count": 4, "capacity": 1}],
        "traffic": {
            "arrivals": {"rate_per_hour": 6},
            "categories": {"ORDER": {"share": 1, "handle": {"mean_min": 12}}},
            "customers": {"repeat_share": 0.4, "followup_gap_min": 600, "vip_share": 0.1},
            "reopen": {"probability": 0.1, "delay_min": 120},
        },
    }
    data.update(changes)
    return parse_scenario(data, "repeat-desk")


def test_a_share_of_tickets_follow_up_an_earlier_customer() -> None:
    arrivals = list(generate(desk(horizon_days=20)))
    seen: set[str] = set()
    repeats = 0
    for arrival in arrivals:
        assert arrival.customer is not None
        repeats += arrival.customer.id in seen
        seen.add(arrival.customer.id)
    assert repeats / len(arrivals) == pytest.approx(0.4, abs=0.03)


def test_a_follow_up_is_written_by_the_customer_of_the_ticket_a_gap_before() -> None:
    draws = CustomerDraws(
        Customers(repeat_share=1.0, followup_gap_min=1.0), np.random.default_rng(1)
    )
    first = draws.draw([0.0])  # nobody wrote before: a new customer, follow-up or not
    later = draws.draw([500.0, 900.0])  # each follows the only earlier writer's ticket
    assert first == [Customer("customer:1", False)]
    assert [c.id for c in later] == ["customer:1"] * 2
    assert [c.recent_contacts for c in later] == [1, 2]  # within the 7-day window


def test_vips_stay_vips_and_carry_the_vip_tag() -> None:
    arrivals = list(generate(desk(horizon_days=10)))
    vip = {a.customer.id: a.customer.vip for a in arrivals if a.customer is not None}
    assert 0.05 < sum(vip.values()) / len(vip) < 0.15
    for arrival in arrivals:
        assert arrival.customer is not None and arrival.customer.vip == vip[arrival.customer.id]


def test_the_follow_up_ticket_carries_requester_tag_and_previous_agent() -> None:
    scenario = desk()
    roster = Roster(build_agents(scenario)).working_copy()
    tickets = TicketMaker(scenario, build_router(scenario), roster, 0)
    assert tickets.memory is not None
    customer = Customer("customer:7", vip=True)
    row = Arrival(1, 30.0, "ORDER", "normal", "en", "email", 12.0, float("inf"), None, customer)
    now = scenario.start + timedelta(minutes=30)
    first = tickets.make(row, now, 30.0, reopen=False)
    assert (first.ticket.requester, first.ticket.tags) == ("customer:7", frozenset({"vip"}))
    assert first.ticket.previous_agent is None and first.record.customer == "customer:7"
    tickets.memory.served("customer:7", "desk-02", now)
    again = tickets.make(row._replace(number=2), now + timedelta(hours=5), 330.0, reopen=False)
    assert again.ticket.previous_agent == "desk-02"
    assert again.ticket.previous_agent_at == now
    assert again.ticket.priority is Priority.NORMAL and again.kind is first.kind
    assert "previous_agent" in again.ticket.model_fields_set


def test_the_model_remembers_who_served_each_customer_last() -> None:
    records = sorted(simulate(desk()), key=lambda r: r.arrival)
    assigned = sorted((r for r in records if r.agent), key=lambda r: r.assigned)
    continuing = 0
    for record in records:
        if record.agent is None:
            continue
        before = [
            r for r in assigned if r.customer == record.customer and r.assigned < record.arrival
        ]
        previous = before[-1].agent if before else None
        assert record.continuity == (previous is not None and previous == record.agent)
        continuing += record.continuity
    assert continuing > 20


def test_a_follow_up_served_by_the_previous_agent_is_quicker() -> None:
    quick = {r.ticket: r for r in simulate(desk())}
    plain = {r.ticket: r for r in simulate(desk(agent_fit=None))}
    continued = [n for n, r in quick.items() if r.continuity]
    assert continued and all(plain[n].customer == quick[n].customer for n in continued)
    for number in continued:  # same base handle time; the previous agent needs 80% of it
        assert quick[number].handle == pytest.approx(0.8 * plain[number].handle)


def test_a_reopened_ticket_is_a_follow_up_of_the_same_customer() -> None:
    records = {r.ticket: r for r in simulate(desk())}
    reopened = [r for n, r in records.items() if n.endswith("r")]
    assert reopened
    for record in reopened:
        original = records[record.ticket.removesuffix("r")]
        assert record.customer == original.customer


def test_patience_differs_by_channel() -> None:
    traffic = {
        "arrivals": {"rate_per_hour": 30},
        "categories": {"ORDER": {"share": 1, "handle": {"mean_min": 12}}},
        "channels": {"chat": 0.5, "email": 0.5},
        "patience": {"channels": {"chat": 4, "email": 2880}},
    }
    arrivals = list(generate(desk(horizon_days=10, traffic=traffic, agent_fit=None)))
    waits = defaultdict(list)
    for arrival in arrivals:
        waits[arrival.channel].append(arrival.patience_min)
    assert statistics.mean(waits["chat"]) == pytest.approx(4, rel=0.08)
    assert statistics.mean(waits["email"]) == pytest.approx(2880, rel=0.08)


def test_chat_customers_leave_while_email_customers_wait_for_monday() -> None:
    weekend = {"days": "mon-fri", "start": "09:00", "end": "17:00"}
    traffic = {
        "arrivals": {"rate_per_hour": 4},
        "categories": {"ORDER": {"share": 1, "handle": {"mean_min": 12}}},
        "channels": {"chat": 0.5, "email": 0.5},
        "patience": {"mean_min": 4320, "channels": {"chat": 5}},
    }
    start = "2026-01-10T00:00:00+00:00"  # a Saturday: nobody works until Monday 09:00
    records = simulate(desk(start=start, horizon_days=1, traffic=traffic, agent_fit=None,
                            agents=[{"team": "desk", "count": 4, "shift": weekend}]))  # fmt: skip
    gave_up = {channel: [r.abandoned for r in records if r.channel == channel]
               for channel in ("chat", "email")}  # fmt: skip
    assert statistics.mean(gave_up["chat"]) > 0.95
    assert statistics.mean(gave_up["email"]) < 0.6


def test_policies_see_the_same_customers() -> None:
    scenario = desk()
    one, other = (simulate(scenario, PolicyChoice(p)) for p in ("round_robin", "least_loaded"))
    fresh = [(r.ticket, r.arrival, r.customer) for r in one if not r.reopen]
    assert fresh == [(r.ticket, r.arrival, r.customer) for r in other if not r.reopen]


def test_the_memory_keeps_the_latest_service() -> None:
    memory = CustomerMemory()
    start = desk().start
    memory.served("customer:1", "a", start)
    memory.served("customer:1", "b", start + timedelta(minutes=5))
    assert memory.last("customer:1") == ("b", start + timedelta(minutes=5))
    assert memory.last("customer:2") is None


def test_after_a_run_the_memory_holds_each_customers_last_agent() -> None:
    scenario = desk()
    model = DeskModel(
        scenario, build_router(scenario), build_agents(scenario), batches(scenario), 0
    )
    records = model.run()
    assert model.tickets.memory is not None
    last: dict[str, tuple[float, str]] = {}
    for record in records:
        if record.agent is not None and record.customer is not None:
            last[record.customer] = max(
                last.get(record.customer, (-1.0, "")), (record.assigned, record.agent)
            )
    for customer, (minute, agent) in last.items():
        remembered = model.tickets.memory.last(customer)
        assert remembered is not None and remembered.agent == agent
        started = scenario.start + timedelta(minutes=minute)  # the clock's own rounding aside
        assert abs(remembered.at - started) < timedelta(milliseconds=1)
