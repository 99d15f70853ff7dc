"""The router with a classifier: predictions enrich tickets before rules and show in traces."""

from __future__ import annotations

from dataclasses import dataclass
from random import Random

import pytest

from router.classify import Classifier
from router.decision import Assignment
from router.engine import Router
from router.model import Prediction, Ticket
from router.policies import make_policy
from router.roster import Roster
from router.rules import RuleSet
from tests.router.builders import NOW, agent, ticket


@dataclass(frozen=True)
class KeywordModel:
    """A stand-in model: ``label`` with high confidence when ``word`` is in the body."""

    target: str
    word: str
    label: str

    def predict(self, ticket: Ticket) -> Prediction:
        if self.word in ticket.body:
            return Prediction(label=self.label, confidence=0.9)
        return Prediction(label="other", confidence=0.3)


RULES = RuleSet.model_validate(
    {
        "rules": [
            {
                "name": "learned-queue",
                "then": {
                    "group_from_prediction": {"min_confidence": 0.5, "triage_group": "triage"},
                    "skill_from_prediction": {"target": "group", "skills": {"billing": "refunds"}},
                },
            },
        ]
    }
)
ROSTER = Roster(
    [agent("ann", groups=["billing"], skills={"refunds": 5}), agent("tri", groups=["triage"])], {}
)


def router(classifier: Classifier | None) -> Router:
    return Router(policy=make_policy("least_loaded"), rules=RULES, classifier=classifier)


CLASSIFIER = Classifier.of([KeywordModel("group", "refund", "billing")])


@pytest.mark.parametrize(
    ("body", "agent_id", "prediction"),
    [
        pytest.param(
            "I want a refund",
            "ann",
            {"label": "billing", "confidence": 0.9},
            id="confident: predicted queue and skill",
        ),
        pytest.param(
            "hello?", "tri", {"label": "other", "confidence": 0.3}, id="unsure: triage group"
        ),
    ],
)
def test_decide_routes_on_the_prediction_and_traces_it(
    body: str, agent_id: str, prediction: dict[str, object]
) -> None:
    decision = router(CLASSIFIER).decide(ticket(body=body), ROSTER, NOW, Random(0))
    assert isinstance(decision, Assignment) and decision.agent_id == agent_id
    assert decision.to_dict()["trace"]["predictions"] == {"group": prediction}


def test_drain_traces_predictions_of_every_ticket() -> None:
    queue = [ticket("t1", body="refund"), ticket("t2", body="hi")]
    results, _ = router(CLASSIFIER).drain(queue, ROSTER, NOW, Random(0))
    assert {t.id: d.trace.predictions["group"].label for t, d in results} == {
        "t1": "billing",
        "t2": "other",
    }


def test_without_a_classifier_the_trace_has_no_predictions_key() -> None:
    decision = router(None).decide(ticket(body="refund"), ROSTER, NOW, Random(0))
    assert "predictions" not in decision.to_dict()["trace"]


def test_predictions_from_the_help_desk_are_kept_for_other_targets() -> None:
    given = ticket(body="refund", predictions={"language": Prediction(label="de", confidence=1)})
    enriched = CLASSIFIER.classify(given)
    assert set(enriched.predictions) == {"language", "group"}
    assert given.predictions.keys() == {"language"}  # input untouched


def test_two_models_for_one_target_are_refused() -> None:
    with pytest.raises(ValueError, match="two models predict 'group'"):
        Classifier.of([KeywordModel("group", "a", "x"), KeywordModel("group", "b", "y")])
