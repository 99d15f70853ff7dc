"""Pure mappings of the shops' answers to ``CustomerContext``."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from connectors.shop.shopify_mapping import (
    contexts_of,
    customer_context,
    customers_query,
    error_codes,
    query_cost,
    shop_order,
)
from connectors.shop.tags import vip_tier
from connectors.shop.woocommerce_mapping import woo_context, woo_order
from tests.connectors.shop import payloads


def test_a_shopify_customer_maps_value_tags_tier_rfm_and_orders() -> None:
    context = customer_context(payloads.shopify_customer(42))
    assert context.customer_id == "42"
    assert context.tags == {"vip gold", "newsletter"}
    assert (context.orders_count, context.total_spent, context.currency) == (
        10,
        Decimal("1840.0"),
        "EUR",
    )
    assert (context.vip_tier, context.rfm_group) == ("gold", "champions")
    order = context.last_order
    assert order is not None
    assert (order.name, order.financial_status, order.fulfillment_status) == (
        "#1001",
        "paid",
        "unfulfilled",
    )
    assert order.created_at == datetime(2026, 11, 25, 9, 20, tzinfo=UTC)
    assert order.total == Decimal("89.9")


def test_a_shopify_order_reports_its_newest_shipment_tracking_and_country() -> None:
    parcels = [
        {"createdAt": "2026-11-26T08:00:00Z", "displayStatus": "DELIVERED",
         "trackingInfo": [{"company": "UPS", "number": "1Z999"}]},
        {"createdAt": "2026-11-28T08:00:00Z", "displayStatus": "IN_TRANSIT",
         "trackingInfo": [{"company": "DHL", "number": "00340434"}]},
    ]  # fmt: skip
    order = shop_order(payloads.shopify_order(1001, fulfillments=parcels))
    assert (order.shipment_status, order.tracking_company, order.tracking_number) == (
        "in_transit", "DHL", "00340434",
    )  # fmt: skip
    assert order.ship_country == "DE"
    unshipped = shop_order(payloads.shopify_order(1002, shippingAddress=None))
    assert (unshipped.shipment_status, unshipped.tracking_number, unshipped.ship_country) == (
        None, None, None,
    )  # fmt: skip


def test_a_woocommerce_order_ships_to_its_shipping_address_country() -> None:
    raw = payloads.woo_order(1, "completed", "10.00", "2026-11-25T09:20:00")
    assert woo_order(raw | {"shipping": {"country": "at"}}).ship_country == "AT"
    assert woo_order(raw | {"shipping": {"country": ""}}).ship_country is None


def test_a_shopify_batch_asks_by_email_and_by_id_through_aliases() -> None:
    query = customers_query(["ada@shop.test", "42"], orders=3)
    assert query.aliases == {"c0": "ada@shop.test", "c1": "42"}
    assert query.variables == {
        "orders": 3,
        "q0": 'email:"ada@shop.test"',
        "i1": "gid://shopify/Customer/42",
    }
    assert "c0: customers(first: 1, query: $q0)" in query.document
    assert "c1: customer(id: $i1)" in query.document
    data = {"c0": {"nodes": [payloads.shopify_customer(7)]}, "c1": None}
    assert set(contexts_of(query, data)) == {"ada@shop.test"}  # unknown ids are left out


def test_the_cost_and_throttle_status_are_read_from_extensions() -> None:
    cost = query_cost(payloads.THROTTLED)
    assert cost is not None
    assert (cost.requested, cost.actual, cost.maximum, cost.available, cost.restore_rate) == (
        40, None, 1000, 10, 50,
    )  # fmt: skip
    assert cost.wait_for(40) == pytest.approx(0.6)
    assert error_codes(payloads.THROTTLED) == ["THROTTLED"]
    assert query_cost({"data": {}}) is None


@pytest.mark.parametrize(
    ("status", "financial", "fulfillment"),
    [
        pytest.param("processing", "paid", "unfulfilled", id="processing"),
        pytest.param("completed", "paid", "fulfilled", id="completed"),
        pytest.param("on-hold", "pending", "on_hold", id="on-hold"),
        pytest.param("refunded", "refunded", None, id="refunded"),
        pytest.param("awaiting-pickup", None, "awaiting-pickup", id="plugin-status-kept"),
    ],
)
def test_a_woocommerce_status_reads_as_shopifys_two_words(
    status: str, financial: str | None, fulfillment: str | None
) -> None:
    order = woo_order(payloads.woo_order(1, status, "10.00", "2026-11-25T09:20:00"))
    assert (order.financial_status, order.fulfillment_status) == (financial, fulfillment)
    assert order.created_at.tzinfo is not None and order.name == "#1"


def test_a_woocommerce_customer_counts_orders_from_the_header_and_spends_only_paid_ones() -> None:
    orders = [
        payloads.woo_order(3, "processing", "50.00", "2026-11-25T09:20:00"),
        payloads.woo_order(2, "refunded", "30.00", "2026-10-01T09:20:00"),
        payloads.woo_order(1, "completed", "20.50", "2026-09-01T09:20:00"),
    ]
    context = woo_context(
        payloads.woo_customer(5, role="vip_gold"), orders, orders_count=14, keep=2
    )
    assert (context.orders_count, context.total_spent, context.currency) == (
        14,
        Decimal("70.50"),
        "EUR",
    )
    assert [o.name for o in context.last_orders] == ["#3", "#2"]
    assert context.vip_tier == "gold" and context.tags == {"vip_gold"}


def test_a_woocommerce_customer_without_orders_spent_nothing() -> None:
    context = woo_context(payloads.woo_customer(5), [], orders_count=0, keep=3)
    assert context.last_order is None
    assert (context.orders_count, context.total_spent) == (0, Decimal(0))


@pytest.mark.parametrize(
    ("tags", "tier"),
    [
        pytest.param(["VIP"], "vip", id="plain"),
        pytest.param(["newsletter", "vip-gold"], "gold", id="dash"),
        pytest.param(["VIP Platinum"], "platinum", id="space"),
        pytest.param(["vip:silver"], "silver", id="colon"),
        pytest.param(["vipassana", "very-vip"], None, id="not-a-vip-tag"),
    ],
)
def test_the_vip_tier_comes_from_a_tag(tags: list[str], tier: str | None) -> None:
    assert vip_tier(tags) == tier


def test_the_cost_estimate_is_what_the_sandbox_face_requires_for_the_same_query() -> None:
    from graphql import parse

    from connectors.shop.shopify import estimated_cost
    from sandbox.shopify_api import requested_cost

    query = customers_query(["a@shop.test", "b@shop.test"], orders=3)
    required = requested_cost(parse(query.document), query.variables)
    assert estimated_cost(2, 3) == required == 96


def test_a_batch_never_passes_shopifys_single_query_limit() -> None:
    from connectors.shop.shopify import MAX_QUERY_COST, ShopifyShop, estimated_cost

    shop = ShopifyShop(None, None, api_version="2025-10", batch_size=25, orders=10)  # type: ignore[arg-type]
    assert shop.batch_size == 6
    assert estimated_cost(shop.batch_size, 10) <= MAX_QUERY_COST < estimated_cost(7, 10)
