"""Each eligibility filter is one object: its per-agent check, its array form and its
time dependence agree, and every screen applies the same tuple of them."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

from router.bulk import BulkScreen
from router.eligibility import FILTERS, Eligibility, Screen
from router.filters import AGENT_FILTERS, ELIGIBILITY_FILTERS, KIND_FIELDS, Filter
from router.model import Ticket
from router.roster import Roster
from tests.router.builders import NOW
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
        "capacity",
        "fair_limit",
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
        "type",
        "channel",
        "weight",
    } <= set(KIND_FIELDS)
    assert set(KIND_FIELDS) <= set(Ticket.model_fields)
