"""The ``customer`` rule condition and the customer context in the decision trace."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from random import Random
from typing import Any

import pytest
from pydantic import ValidationError

from router.customer import CustomerContext, ShopOrder
from router.engine import Router
from router.model import Priority
from router.policies import make_policy
from router.roster import Roster
from router.rules import Condition, RuleSet, Vip
from tests.router.builders import NOW, agent, ticket


def order(minutes_ago: float, **fields: Any) -> ShopOrder:
    values: dict[str, Any] = {
        "name": "#1234", "financial_status": "paid", "fulfillment_status": "unfulfilled",
        "total": Decimal("89.90"), "currency": "EUR",
        "created_at": NOW - timedelta(minutes=minutes_ago),
    }  # fmt: skip
    return ShopOrder(**(values | fields))


def context(**fields: Any) -> CustomerContext:
    values: dict[str, Any] = {
        "shop": "shopify", "customer_id": "42", "tags": ["VIP-Gold", "Newsletter"],
        "orders_count": 12, "total_spent": Decimal("1840"), "currency": "EUR",
        "vip_tier": "gold", "last_orders": (order(40),),
    }  # fmt: skip
    return CustomerContext(**(values | fields))


KNOWN = ticket(customer=context())
UNKNOWN = ticket()
PARCEL = order(4320, fulfillment_status="fulfilled", shipment_status="DELAYED",
               tracking_company="DHL", tracking_number="00340434", ship_country="de")  # fmt: skip
SHIPPED = ticket(customer=context(last_orders=(PARCEL,)))


@pytest.mark.parametrize(
    ("test", "on", "holds"),
    [
        pytest.param({"total_spent": {"at_least": 1000}}, KNOWN, True, id="spent-at-least"),
        pytest.param({"total_spent": {"below": 1000}}, KNOWN, False, id="spent-below-misses"),
        pytest.param({"orders": {"at_least": 5, "below": 20}}, KNOWN, True, id="orders-band"),
        pytest.param({"tag": "newsletter"}, KNOWN, True, id="tag-any-case"),
        pytest.param({"last_order": {"shipment": ["delayed", "in_transit"]}}, SHIPPED, True,
                     id="shipment-listed"),
        pytest.param({"last_order": {"shipment": "delivered"}}, SHIPPED, False,
                     id="shipment-not-listed"),
        pytest.param({"last_order": {"shipment": "in_transit"}}, KNOWN, False,
                     id="unshipped-order-has-no-shipment"),
        pytest.param({"last_order": {"ship_country": ["DE", "AT"]}}, SHIPPED, True,
                     id="ships-to-listed-country"),
        pytest.param({"last_order": {"ship_country": "fr"}}, SHIPPED, False,
                     id="ships-elsewhere"),
        pytest.param({"last_order": {"tracked": True}}, SHIPPED, True, id="tracked"),
        pytest.param({"last_order": {"tracked": True}}, KNOWN, False, id="not-tracked"),
        pytest.param({"tag": "wholesale"}, KNOWN, False, id="tag-absent"),
        pytest.param({"vip": True}, KNOWN, True, id="vip-any-tier"),
        pytest.param({"tier": ["silver", "Gold"]}, KNOWN, True, id="tier-listed"),
        pytest.param({"tier": "silver"}, KNOWN, False, id="tier-not-listed"),
        pytest.param(
            {"last_order": {"fulfillment": "unfulfilled", "placed_within_h": 2}},
            KNOWN, True, id="unfulfilled-within-2h",
        ),
        pytest.param(
            {"last_order": {"fulfillment": "unfulfilled", "placed_within_h": 0.5}},
            KNOWN, False, id="placed-too-long-ago",
        ),
        pytest.param({"last_order": {"placed_before_h": 0.5}}, KNOWN, True, id="older-than"),
        pytest.param({"last_order": {"financial": ["refunded"]}}, KNOWN, False, id="financial"),
        pytest.param(
            {"last_order": {"total": {"at_least": 50}}}, KNOWN, True, id="order-total"
        ),
        pytest.param(
            {"last_order": {"fulfillment": ["unfulfilled"]}},
            ticket(customer=context(last_orders=())), False, id="no-orders-never-match",
        ),
        pytest.param({"total_spent": {"at_least": 0}}, UNKNOWN, False, id="no-context-never"),
        pytest.param({"known": False}, UNKNOWN, True, id="known-false-without-context"),
        pytest.param({"known": False}, KNOWN, False, id="known-false-with-context"),
        pytest.param({"known": True, "vip": False}, KNOWN, False, id="all-tests-must-hold"),
    ],
)  # fmt: skip
def test_customer_condition(test: dict[str, Any], on: Any, holds: bool) -> None:
    assert Condition.model_validate({"customer": test}).holds(on, NOW, Vip()) is holds


@pytest.mark.parametrize(
    ("test", "message"),
    [
        pytest.param({}, "at least one of", id="empty"),
        pytest.param({"total_spent": {}}, "at_least, below", id="band-without-bound"),
        pytest.param({"orders": 5}, "valid dictionary", id="band-as-number"),
        pytest.param({"last_order": {"placed_within_h": 0}}, "greater than 0", id="zero-window"),
        pytest.param({"spent": 5}, "Extra inputs", id="unknown-test"),
    ],
)
def test_customer_condition_rejects(test: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        Condition.model_validate({"customer": test})


ADDRESS_CHANGE = RuleSet.model_validate(
    {
        "rules": [
            {
                "name": "address-change-window",
                "when": {
                    "customer": {"last_order": {"fulfillment": "unfulfilled", "placed_within_h": 2}}
                },
                "then": {"add_required_skills": {"address_change": 1}, "set_priority": "urgent"},
            }
        ]
    }
)
ROSTER = Roster([agent("a1", skills={"address_change": 5}), agent("a2")])


def test_an_unfulfilled_fresh_order_routes_urgent_to_address_change_with_the_context_traced() -> (
    None
):
    router = Router(policy=make_policy("skills"), rules=ADDRESS_CHANGE)
    decision = router.decide(KNOWN, ROSTER, NOW, Random(0))
    assert decision.assigned and decision.trace.chosen == "a1"
    assert decision.trace.matched_rules == ("address-change-window",)
    assert decision.trace.notes[:2] == (
        "VIP gold: 12 orders, 1,840 EUR",
        "order #1234 unfulfilled, paid, placed 40 min ago",
    )
    [(enriched, _)], _ = router.drain([KNOWN], ROSTER, NOW, Random(0))
    assert enriched.priority is Priority.URGENT


def test_the_trace_names_the_shipment_its_tracking_and_where_it_goes() -> None:
    notes = SHIPPED.customer.notes(NOW) if SHIPPED.customer else ()
    assert (
        notes[1] == "order #1234 fulfilled, paid, delayed (DHL 00340434), to DE, placed 3 days ago"
    )


def test_a_ticket_whose_shop_was_unavailable_routes_on_what_is_known_and_says_why() -> None:
    router = Router(policy=make_policy("skills"), rules=ADDRESS_CHANGE)
    down = ticket(customer_unavailable="shop timed out after 2s")
    [(_, decision)], _ = router.drain([down], ROSTER, NOW, Random(0))
    assert decision.assigned
    assert decision.trace.matched_rules == ()
    assert decision.trace.notes[0] == "customer context unavailable: shop timed out after 2s"
    assert "customer context" not in " ".join(
        router.decide(UNKNOWN, ROSTER, NOW, Random(0)).trace.notes
    )


@pytest.mark.parametrize(
    ("amount", "tier", "orders", "line"),
    [
        pytest.param("1840", "gold", 12, "VIP gold: 12 orders, 1,840 EUR", id="vip-tier"),
        pytest.param("19.9", "vip", 1, "VIP: 1 order, 19.90 EUR", id="plain-vip-cents"),
        pytest.param("0", None, 0, "customer: 0 orders, 0 EUR", id="not-vip"),
    ],
)
def test_the_summary_line(amount: str, tier: str | None, orders: int, line: str) -> None:
    summary = context(total_spent=Decimal(amount), vip_tier=tier, orders_count=orders).summary()
    assert summary == line
