"""Each eligibility filter is one object: its per-agent check, its array form and its
time dependence agree, and every screen applies the same tuple of them."""

from __future__ import annotations

from datetime import timedelta
from random import Random
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

from router.bulk import BulkScreen
from router.decision import NoAssignment
from router.eligibility import FILTERS, Eligibility, Screen
from router.filters import AGENT_FILTERS, ELIGIBILITY_FILTERS, KIND_FIELDS, Filter
from router.model import Ticket
from router.policies import make_policy, policy_names
from router.roster import Roster
from tests.router.builders import NOW, agent, ticket
from tests.router.strategies import eligibility_params, rosters, tickets

CHECKS = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def test_the_filters_keep_the_names_and_order_traces_and_explain_pages_read() -> None:
    assert FILTERS == (
        "held",
        "pool",
        "group",
        "skills",
        "status",
        "schedule",
        "language",
        "requester",
        "capacity",
        "fair_limit",
        "reserve",
    )


@pytest.mark.parametrize("check", ELIGIBILITY_FILTERS, ids=lambda f: f.name)
@CHECKS
@given(ticket=tickets(), roster=rosters(max_size=10), params=eligibility_params)
def test_a_filters_array_form_passes_the_agents_its_per_agent_check_passes(
    check: Filter, ticket: Ticket, roster: Roster, params: dict[str, Any]
) -> None:
    rules = Eligibility(**params)
    held = roster.holding(roster.agent_ids[:1])  # someone held, so that filter has work
    screen = Screen(ticket, held, NOW, rules)
    test = check.test(screen)
    everyone = np.ones(len(held), dtype=np.bool_)
    mask = check.mask(BulkScreen(ticket, held, NOW, rules, counting=False), everyone)
    per_agent = [True if test is None else test(a) for a in held.agent_ids]
    arrays = [True] * len(held) if mask is None else mask.tolist()
    assert per_agent == arrays


@pytest.mark.parametrize("check", AGENT_FILTERS, ids=lambda f: f.name)
@CHECKS
@given(ticket=tickets(), roster=rosters(max_size=10), params=eligibility_params)
def test_a_filter_that_is_not_momentary_answers_the_same_at_any_moment_and_load(
    check: Filter, ticket: Ticket, roster: Roster, params: dict[str, Any]
) -> None:
    rules = Eligibility(**{**params, "optional_skills_timeout_s": None})  # as plans have it
    later = NOW + timedelta(hours=7)
    busier = Roster(roster, {a: 6.0 for a in roster.agent_ids})
    answers = []
    for on, at in ((roster, NOW), (busier, later), (roster.holding(roster.agent_ids), NOW)):
        test = check.test(Screen(ticket, on, at, rules))
        answers.append([test is None or test(a) for a in roster.agent_ids])
    assert answers[0] == answers[1] == answers[2]


def test_the_fields_filters_read_make_a_kind_of_ticket() -> None:
    assert {
        "pool",
        "group",
        "required_skills",
        "language",
        "requester",
        "type",
        "channel",
        "weight",
    } <= set(KIND_FIELDS)
    assert set(KIND_FIELDS) <= set(Ticket.model_fields)


# --- the requester filter --------------------------------------------------------------


@pytest.mark.parametrize("name", policy_names())
def test_an_agent_is_never_routed_a_ticket_they_requested_themselves(name: str) -> None:
    roster = Roster([agent("ana"), agent("ben", capacity={"max_load": 1})], {"ben": 1.0})
    own = ticket("t1", requester="ana")
    policy = make_policy(name)
    decision = policy.decide(own, roster, NOW, Random(0))
    assert isinstance(decision, NoAssignment)
    assert decision.trace.rejections() == {"requester": 1, "capacity": 1}
    assert "1 the ticket's own requester" in decision.reason
    assert policy.choose(own, roster, NOW, Random(0)) is None
    assert policy.refuses("ana", own, roster, NOW)


def test_a_requester_who_is_not_an_agent_changes_nothing() -> None:
    roster = Roster([agent("ana")])
    decision = make_policy("round_robin").decide(
        ticket("t1", requester="customer9"), roster, NOW, Random(0)
    )
    assert decision.assigned


def test_a_large_roster_counts_the_requester_among_the_filtered() -> None:
    roster = Roster([agent(f"a{n:03d}") for n in range(80)])
    decision = make_policy("least_loaded").decide(
        ticket("t1", requester="a000"), roster, NOW, Random(0)
    )
    assert decision.assigned
    assert decision.trace.rejections()["requester"] == 1
    assert decision.trace.chosen != "a000"
