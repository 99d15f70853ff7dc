"""The Router: rules then policy for one ticket; rules, order and dealing for a queue."""

from __future__ import annotations

from collections import Counter
from random import Random

from router.decision import Assignment, NoAssignment
from router.engine import Router
from router.policies import make_policy
from router.roster import Roster
from router.rules import RuleSet
from tests.router.builders import NOW, agent, ago, ticket

RULES = RuleSet.model_validate(
    {
        "rules": [
            {
                "name": "refunds",
                "when": {"text": "refund"},
                "then": {"set_group": "billing", "add_required_skills": {"refunds": 3}},
            },
        ]
    }
)


def test_decide_applies_rules_and_records_them_in_the_trace() -> None:
    router = Router(policy=make_policy("skills"), rules=RULES)
    roster = Roster(
        [
            agent("a", groups=["billing"], skills={"refunds": 5}),
            agent("b", groups=["shipping"], skills={"refunds": 9}),
        ]
    )
    decision = router.decide(ticket(subject="Refund?"), roster, NOW, Random(0))
    assert isinstance(decision, Assignment)
    assert (decision.agent_id, decision.group) == ("a", "billing")
    assert decision.trace.matched_rules == ("refunds",)
    assert decision.trace.required_skills == {"refunds": 3}


def test_drain_offers_agents_in_queue_order() -> None:
    router = Router(policy=make_policy("least_loaded"))
    roster = Roster([agent("a", capacity={"max_load": 1})])
    queue = [
        ticket("low", priority="low", created_at=ago(hours=2)),
        ticket("urgent", priority="urgent", created_at=ago(minutes=1)),
    ]
    results, after = router.drain(queue, roster, NOW, Random(0))
    outcome = {t.id: d for t, d in results}
    assert isinstance(outcome["urgent"], Assignment)
    assert isinstance(outcome["low"], NoAssignment)
    assert "at capacity" in outcome["low"].reason
    assert after.load("a") == 1.0 and roster.load("a") == 0.0


def test_backlog_is_dealt_across_agents_instead_of_flooding_the_emptiest() -> None:
    team = [agent("fresh", capacity={"max_load": 10}), agent("busy", capacity={"max_load": 10})]
    roster = Roster(team, loads={"busy": 4})
    backlog = [ticket(f"t{n}", created_at=ago(minutes=60 - n)) for n in range(8)]
    policy = make_policy("least_loaded")

    flooded, _ = Router(policy=policy, per_round=None).drain(backlog, roster, NOW, Random(0))
    dealt, _ = Router(policy=policy, per_round=1).drain(backlog, roster, NOW, Random(0))

    def first_four(results: list) -> Counter[str]:  # type: ignore[type-arg]
        return Counter(d.agent_id for _, d in results[:4])

    assert first_four(flooded) == {"fresh": 4}
    assert first_four(dealt) == {"fresh": 2, "busy": 2}
    assert all(isinstance(d, Assignment) for _, d in dealt)


def test_dealing_still_fills_a_lone_agent_over_several_rounds() -> None:
    roster = Roster([agent("solo", capacity={"max_load": 3})])
    backlog = [ticket(f"t{n}") for n in range(5)]
    results, after = Router(policy=make_policy("round_robin")).drain(
        backlog, roster, NOW, Random(0)
    )
    assert sum(d.assigned for _, d in results) == 3
    assert after.load("solo") == 3.0
