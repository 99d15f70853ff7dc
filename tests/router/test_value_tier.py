"""Cost of delay per customer value (issue 19): the customer's value tier is a ticket class
of the queue-aware policies (``by: value_tier``), defined once in ``router.customer`` for
live routing and the simulator alike."""

from __future__ import annotations

from decimal import Decimal
from random import Random
from typing import Any

import pytest

from router.customer import CustomerContext, value_tier
from router.decision import Assignment
from router.engine import Router
from router.model import Capacity, Ticket
from router.policies import make_policy
from router.roster import Roster
from tests.router.builders import NOW, agent, ago, ticket


def customer(orders: int, vip_tier: str | None = None) -> CustomerContext:
    return CustomerContext(
        shop="shopify",
        customer_id=f"c{orders}",
        orders_count=orders,
        total_spent=Decimal(60 * orders),
        currency="EUR",
        vip_tier=vip_tier,
    )


@pytest.mark.parametrize(
    ("context", "tier"),
    [
        pytest.param(customer(12, "gold"), "vip", id="tagged-vip"),
        pytest.param(customer(1, "vip"), "vip", id="vip-tag-wins-over-one-order"),
        pytest.param(customer(2), "returning", id="two-orders"),
        pytest.param(customer(1), "new", id="one-order"),
        pytest.param(customer(0), "new", id="no-order-yet"),
        pytest.param(None, "unknown", id="no-context"),
    ],
)
def test_value_tier(context: CustomerContext | None, tier: str) -> None:
    assert value_tier(context) == tier


def first_served(queue: list[Ticket], **params: Any) -> str:
    """The ticket ``Router.drain`` serves when one agent has room for one ticket."""
    router = Router(policy=make_policy("gcmu", **params))
    roster = Roster([agent("solo", capacity=Capacity(max_load=1))])
    results, _ = router.drain(queue, roster, NOW, Random(0))
    (served,) = [t.id for t, d in results if isinstance(d, Assignment)]
    return served


QUEUE = [  # same priority: the cost of delay alone decides
    ticket("new-20min", customer=customer(1), created_at=ago(minutes=20)),
    ticket("vip-10min", customer=customer(15, "gold"), created_at=ago(minutes=10)),
]


def test_a_vips_wait_costs_more_so_gcmu_serves_the_vip_first() -> None:
    costs = {"vip": 4, "returning": 2, "new": 1}  # 4 x 10 min > 1 x 20 min
    assert first_served(QUEUE, by="value_tier", costs=costs) == "vip-10min"


def test_with_equal_costs_the_longer_wait_is_served_first() -> None:
    assert first_served(QUEUE, by="value_tier") == "new-20min"


def test_a_cost_for_a_tier_that_does_not_exist_is_refused() -> None:
    with pytest.raises(ValueError, match="costs: unknown value tier 'gold'"):
        make_policy("gcmu", by="value_tier", costs={"gold": 4})


def test_fixed_queue_ratio_classes_by_value_tier_too() -> None:
    policy = make_policy("fixed_queue_ratio", by="value_tier", ratios={"vip": 2, "new": 1})
    assert policy.queue_class(ticket(customer=customer(3))) == "returning"  # type: ignore[attr-defined]
