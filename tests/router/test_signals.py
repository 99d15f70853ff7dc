"""Urgency and sentiment signals: read from the text, tested by rules, shown with evidence."""

from __future__ import annotations

from random import Random

import pytest
from pydantic import ValidationError

from router.decision import Assignment
from router.engine import Router
from router.policies import make_policy
from router.roster import Roster
from router.rules import RuleSet
from router.signals import read_signals, text_signals
from tests.router.builders import NOW, agent, ticket


@pytest.mark.parametrize(
    ("text", "signal", "evidence"),
    [
        pytest.param(
            "This is UNACCEPTABLE, I am fed up", "angry", ("UNACCEPTABLE", "fed up"), id="angry-en"
        ),
        pytest.param(
            "Eine Frechheit! Ich bin sehr enttäuscht.",
            "angry",
            ("Frechheit", "enttäuscht"),
            id="angry-de",
        ),
        pytest.param(
            "I will file a chargeback with my card",
            "chargeback",
            ("chargeback",),
            id="chargeback-en",
        ),
        pytest.param(
            "Ich mache eine Rückbuchung", "chargeback", ("Rückbuchung",), id="chargeback-de"
        ),
        pytest.param(
            "Please cancel my\norder #1234",
            "cancel_order",
            ("cancel my\norder",),
            id="cancel-across-lines",
        ),
        pytest.param(
            "Je veux annuler ma commande", "cancel_order", ("annuler ma commande",), id="cancel-fr"
        ),
        pytest.param("Need this ASAP please", "urgent", ("ASAP",), id="urgent-en"),
    ],
)
def test_a_signal_is_read_with_the_words_that_showed_it(
    text: str, signal: str, evidence: tuple[str, ...]
) -> None:
    assert text_signals(text)[signal] == evidence


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("What is the cancellation fee?", id="asking-about-cancelling"),
        pytest.param("The storage was unacceptably small", id="whole-words-only"),
        pytest.param("Thanks, all good", id="calm"),
    ],
)
def test_calm_or_near_miss_texts_show_no_signal(text: str) -> None:
    assert text_signals(text) == {}


def test_repeat_contact_comes_from_the_requesters_recent_tickets_not_the_text() -> None:
    assert read_signals(ticket(body="hello", recent_contacts=2)).signals == {
        "repeat_contact": ("2 other recent ticket(s)",)
    }
    assert read_signals(ticket(body="hello", recent_contacts=0)).signals == {}
    assert read_signals(ticket(body="hello")).signals == {}  # unknown counts as none


ANGRY_TO_SENIORS = RuleSet.model_validate(
    {
        "rules": [
            {
                "name": "angry-or-chargeback-to-seniors",
                "when": {
                    "any": [{"signal": "angry"}, {"signal": ["chargeback", "repeat_contact"]}]
                },
                "then": {"escalate_to": ["seniors"], "set_priority": "high"},
            }
        ]
    }
)


def test_a_rule_on_a_signal_routes_the_ticket_and_the_trace_shows_the_evidence() -> None:
    router = Router(policy=make_policy("least_loaded"), rules=ANGRY_TO_SENIORS)
    roster = Roster([agent("junior"), agent("senior", groups=["seniors"])], loads={"senior": 5})
    decision = router.decide(ticket(body="This is outrageous."), roster, NOW, Random(0))
    assert isinstance(decision, Assignment) and decision.agent_id == "senior"
    assert decision.trace.matched_rules == ("angry-or-chargeback-to-seniors",)
    assert decision.trace.to_dict()["signals"] == {"angry": ["outrageous"]}
    calm = router.decide(ticket(body="Where is my parcel?"), roster, NOW, Random(0))
    assert isinstance(calm, Assignment) and calm.agent_id == "junior"
    assert "signals" not in calm.trace.to_dict()


def test_signals_are_not_read_when_no_rule_tests_one() -> None:
    router = Router(policy=make_policy("least_loaded"))
    enriched, _ = router.enrich(ticket(body="This is outrageous."), NOW)
    assert enriched.signals == {}


def test_an_unknown_signal_is_rejected_naming_the_known_ones() -> None:
    with pytest.raises(ValidationError, match="unknown signal 'furious' \\(use one of angry, "):
        RuleSet.model_validate(
            {"rules": [{"name": "x", "when": {"signal": "furious"}, "then": {"set_group": "a"}}]}
        )
