"""Business rules: each condition kind, each action, rule order and ``stop``."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from router.model import Prediction, Priority
from router.rules import Condition, RuleSet, Vip
from tests.router.builders import NOW, ticket

REFUND = ticket(
    subject="Refund please",
    body="I was charged twice",
    requester="Ceo@Big.com",
    organization="BigCo",
    tags=["vip", "web"],
    priority="normal",
    type="question",
    channel="chat",
    language="de",
    brand="Shoes",
    custom_fields={"plan": "gold"},
    predictions={"group": Prediction(label="billing", confidence=0.9)},
)
VIPS = Vip(requesters=frozenset({"ceo@big.com"}))


@pytest.mark.parametrize(
    ("condition", "holds"),
    [
        pytest.param({"field": "subject", "equals": "refund PLEASE"}, True, id="equals-folds-case"),
        pytest.param({"field": "priority", "equals": "normal"}, True, id="priority-by-name"),
        pytest.param({"field": "channel", "in": ["email", "chat"]}, True, id="in"),
        pytest.param({"field": "body", "contains": "CHARGED"}, True, id="contains-text"),
        pytest.param({"field": "tags", "contains": "web"}, True, id="contains-in-list"),
        pytest.param({"field": "subject", "regex": "^ref"}, True, id="regex"),
        pytest.param({"field": "requester", "regex": "@small"}, False, id="regex-miss"),
        pytest.param({"field": "custom.plan", "equals": "gold"}, True, id="custom-field"),
        pytest.param({"field": "custom.missing", "contains": "x"}, False, id="missing-field"),
        pytest.param({"field": "predicted.group", "equals": "billing"}, True, id="prediction"),
        pytest.param({"tag": "VIP"}, True, id="tag"),
        pytest.param({"tag": "spam"}, False, id="tag-absent"),
        pytest.param({"text": "charged (twice|two times)"}, True, id="text-over-subject-and-body"),
        pytest.param({"vip": True}, True, id="vip-requester-any-case"),
        pytest.param({"vip": False}, False, id="not-vip"),
        pytest.param({"language": ["fr", "de"]}, True, id="language"),
        pytest.param({"channel": "email"}, False, id="channel-single-value"),
        pytest.param(
            {"time": {"between": ["09:00", "17:00"], "days": "mon-fri"}}, True, id="time-of-day"
        ),
        pytest.param(
            {"time": {"between": ["09:00", "10:00"], "timezone": "America/New_York"}},
            False,
            id="time-in-another-zone",
        ),
        pytest.param({"any": [{"tag": "spam"}, {"channel": "chat"}]}, True, id="any"),
        pytest.param({"all": [{"tag": "vip"}, {"channel": "email"}]}, False, id="all"),
        pytest.param({"not": {"tag": "spam"}}, True, id="not"),
    ],
)
def test_conditions(condition: dict[str, Any], holds: bool) -> None:
    assert Condition.model_validate(condition).holds(REFUND, NOW, VIPS) is holds


@pytest.mark.parametrize(
    ("condition", "message"),
    [
        pytest.param({}, "exactly one of", id="no-kind"),
        pytest.param({"tag": "a", "text": "b"}, "found: tag, text", id="two-kinds"),
        pytest.param({"field": "subject"}, "exactly one of equals, in", id="field-without-op"),
        pytest.param({"tag": "a", "equals": "b"}, "equals only goes with field", id="stray-op"),
        pytest.param(
            {"field": "colour", "equals": "red"},
            "unknown ticket field 'colour'",
            id="unknown-field",
        ),
        pytest.param(
            {"field": "subject", "regex": "("}, "invalid regular expression", id="bad-regex"
        ),
        pytest.param(
            {"time": {"between": ["09:00", "17:00"], "timezone": "Nowhere/Land"}},
            "unknown time zone",
            id="bad-zone",
        ),
    ],
)
def test_invalid_conditions_are_refused(condition: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        Condition.model_validate(condition)


def rules(*items: dict[str, Any]) -> RuleSet:
    return RuleSet.model_validate({"rules": list(items), "vip": {"organizations": ["BigCo"]}})


def test_actions_enrich_the_ticket() -> None:
    ruleset = rules(
        {
            "name": "all-actions",
            "then": {
                "set_group": "billing",
                "add_required_skills": {"refunds": 4},
                "add_optional_skills": {"german": 6},
                "set_priority": "urgent",
                "escalate_to": ["tier2", "emma"],
                "set_weight": 2.5,
            },
        }
    )
    enriched, matched = ruleset.apply(REFUND, NOW)
    assert matched == ("all-actions",)
    assert enriched.group == "billing"
    assert enriched.required_skills == {"refunds": 4}
    assert enriched.optional_skills == {"german": 6}
    assert enriched.priority is Priority.URGENT
    assert enriched.pool == {"tier2", "emma"}
    assert enriched.weight == 2.5
    assert REFUND.group is None, "the original ticket is untouched"


def test_rules_apply_in_order_and_skills_keep_the_higher_level() -> None:
    ruleset = rules(
        {"name": "first", "when": {"vip": True}, "then": {"add_required_skills": {"refunds": 7}}},
        {
            "name": "second",
            "when": [{"tag": "vip"}],
            "then": {"add_required_skills": {"refunds": 3, "billing": 2}},
        },
        {"name": "never", "when": {"tag": "spam"}, "then": {"set_group": "spam"}},
    )
    enriched, matched = ruleset.apply(REFUND, NOW)
    assert matched == ("first", "second")
    assert enriched.required_skills == {"refunds": 7, "billing": 2}


def test_stop_ends_rule_processing() -> None:
    ruleset = rules(
        {"name": "vip", "when": {"vip": True}, "then": {"set_group": "tier2", "stop": True}},
        {"name": "later", "then": {"set_group": "general"}},
    )
    enriched, matched = ruleset.apply(REFUND, NOW)
    assert (enriched.group, matched) == ("tier2", ("vip",))


def test_rule_names_must_be_unique() -> None:
    with pytest.raises(ValidationError, match="used twice"):
        rules({"name": "x", "then": {}}, {"name": "x", "then": {}})


def test_time_of_day_follows_the_clock_passed_in() -> None:
    night = rules(
        {
            "name": "night",
            "when": {"time": {"between": ["22:00", "06:00"]}},
            "then": {"set_group": "night"},
        }
    )
    assert night.apply(REFUND, datetime(2026, 11, 25, 23, tzinfo=UTC))[1] == ("night",)
    assert night.apply(REFUND, datetime(2026, 11, 25, 12, tzinfo=UTC))[1] == ()
