"""Business rules that read predictions: confidence conditions and prediction-driven actions."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from config.policy_file import PolicyFileError, parse_policy
from router.model import Prediction, Priority, Ticket
from router.rules import Actions, Condition, Vip
from tests.router.builders import NOW, ticket

CATEGORY_SKILLS = {"target": "group", "skills": {"REFUND": "refunds"}}


def predicted(**labels: tuple[str, float]) -> Ticket:
    """A ticket carrying predictions given as ``target=(label, confidence)``."""
    return ticket(
        predictions={t: Prediction(label=lab, confidence=c) for t, (lab, c) in labels.items()}
    )


@pytest.mark.parametrize(
    ("test", "ticket_", "holds"),
    [
        pytest.param(
            {"target": "group", "below": 0.6}, predicted(group=("A", 0.5)), True, id="below holds"
        ),
        pytest.param(
            {"target": "group", "below": 0.6},
            predicted(group=("A", 0.6)),
            False,
            id="below is strict",
        ),
        pytest.param(
            {"target": "group", "at_least": 0.6},
            predicted(group=("A", 0.6)),
            True,
            id="at_least is inclusive",
        ),
        pytest.param(
            {"target": "group", "at_least": 0.2, "below": 0.4},
            predicted(group=("A", 0.5)),
            False,
            id="band",
        ),
        pytest.param(
            {"target": "group", "below": 0.6}, ticket(), False, id="no prediction never holds"
        ),
    ],
)
def test_confidence_condition(test: dict[str, Any], ticket_: Ticket, holds: bool) -> None:
    condition = Condition.model_validate({"confidence": test})
    assert condition.holds(ticket_, NOW, Vip()) is holds


def test_confidence_condition_needs_a_bound() -> None:
    with pytest.raises(ValidationError, match="below, at_least or both"):
        Condition.model_validate({"confidence": {"target": "group"}})


def test_predicted_label_condition_still_works() -> None:
    condition = Condition.model_validate({"field": "predicted.group", "equals": "refund"})
    assert condition.holds(predicted(group=("REFUND", 0.9)), NOW, Vip())


@pytest.mark.parametrize(
    ("then", "ticket_", "changes"),
    [
        pytest.param(
            {"group_from_prediction": True},
            predicted(group=("billing", 0.9)),
            {"group": "billing"},
            id="shorthand: the predicted group",
        ),
        pytest.param(
            {"group_from_prediction": {"groups": {"REFUND": "billing"}}},
            predicted(group=("REFUND", 0.9)),
            {"group": "billing"},
            id="renamed group",
        ),
        pytest.param(
            {"group_from_prediction": {"min_confidence": 0.7, "triage_group": "triage"}},
            predicted(group=("billing", 0.5)),
            {"group": "triage"},
            id="unsure: triage group",
        ),
        pytest.param(
            {"group_from_prediction": {"triage_group": "triage"}},
            ticket(),
            {"group": "triage"},
            id="no prediction: triage group",
        ),
        pytest.param(
            {"group_from_prediction": {"min_confidence": 0.7}},
            predicted(group=("billing", 0.5)),
            {},
            id="unsure, no triage: unchanged",
        ),
        pytest.param(
            {"set_group": "vip", "group_from_prediction": True},
            predicted(group=("billing", 0.9)),
            {"group": "vip"},
            id="explicit group wins",
        ),
        pytest.param(
            {"skill_from_prediction": {"level": 4}},
            predicted(skill=("refunds", 0.9)),
            {"required_skills": {"refunds": 4}},
            id="predicted skill required",
        ),
        pytest.param(
            {"skill_from_prediction": CATEGORY_SKILLS},
            predicted(group=("REFUND", 0.9)),
            {"required_skills": {"refunds": 1}},
            id="predicted category -> skill",
        ),
        pytest.param(
            {"skill_from_prediction": CATEGORY_SKILLS},
            predicted(group=("ORDER", 0.9)),
            {},
            id="unmapped category adds nothing",
        ),
        pytest.param(
            {"skill_from_prediction": True, "add_required_skills": {"refunds": 2}},
            predicted(skill=("refunds", 0.9)),
            {"required_skills": {"refunds": 2}},
            id="explicit and predicted skills merge, highest level",
        ),
        pytest.param(
            {"priority_from_prediction": True},
            predicted(priority=("urgent", 0.9)),
            {"priority": Priority.URGENT},
            id="priority when the ticket has none",
        ),
        pytest.param(
            {"priority_from_prediction": True},
            predicted(priority=("urgent", 0.9)).evolve(priority="low"),
            {},
            id="a priority set by the desk is kept",
        ),
        pytest.param(
            {"priority_from_prediction": {"replaces": ["low", "normal"]}},
            predicted(priority=("high", 0.9)).evolve(priority="low"),
            {"priority": Priority.HIGH},
            id="replaces widens what is overwritten",
        ),
        pytest.param(
            {"priority_from_prediction": True},
            predicted(priority=("p1", 0.9)),
            {},
            id="unknown priority label ignored",
        ),
        pytest.param(
            {"priority_from_prediction": {"min_confidence": 0.95}},
            predicted(priority=("urgent", 0.9)),
            {},
            id="unsure priority ignored",
        ),
    ],
)
def test_prediction_actions(then: dict[str, Any], ticket_: Ticket, changes: dict[str, Any]) -> None:
    after = Actions.model_validate(then).apply(ticket_)
    expected = ticket_.evolve(**changes) if changes else ticket_
    assert after == expected


def test_a_policy_file_with_prediction_rules_loads() -> None:
    spec = parse_policy(
        {
            "rules": [
                {
                    "name": "unsure",
                    "when": {"confidence": {"target": "group", "below": 0.5}},
                    "then": {"set_group": "triage"},
                },
                {"name": "learned", "then": {"group_from_prediction": {"min_confidence": 0.5}}},
            ]
        },
        "policy.yaml",
    )
    enriched, matched = spec.ruleset().apply(predicted(group=("billing", 0.3)), NOW)
    assert (enriched.group, matched) == ("triage", ("unsure", "learned"))


def test_a_bad_prediction_action_names_the_rule_and_field() -> None:
    with pytest.raises(PolicyFileError, match=r"rule 'learned' \(#1\).*min_confidence"):
        parse_policy(
            {
                "rules": [
                    {"name": "learned", "then": {"group_from_prediction": {"min_confidence": 2}}}
                ]
            },
            "policy.yaml",
        )
