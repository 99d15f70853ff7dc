"""The sandbox's shop faces: Shopify GraphQL (cost-limited) and WooCommerce REST v3."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from sandbox import SandboxHandle, start_sandbox
from sandbox.accounts import SANDBOX_SHOP_TOKEN, SANDBOX_WOO_KEY, SANDBOX_WOO_SECRET
from sandbox.seed import REQUESTER_BASE
from sandbox.shop_book import email_of

QUERY = """query One($id: ID!) { customer(id: $id) {
  id numberOfOrders amountSpent { amount currencyCode }
  orders(first: 5, sortKey: CREATED_AT, reverse: true) { nodes { name displayFulfillmentStatus } }
} }"""


@pytest.fixture(scope="module")
def shop() -> Iterator[SandboxHandle]:
    with start_sandbox(agents=1, shop_points=100.0, shop_restore=1.0, woocommerce_limit=3) as h:
        yield h


def _customer_id(shop: SandboxHandle) -> int:
    book = shop.sandbox.shop_book
    return next(i for i in range(REQUESTER_BASE, REQUESTER_BASE + 50) if book.customer(i))


def _graphql(shop: SandboxHandle, query: str, variables: dict[str, object]) -> requests.Response:
    return requests.post(
        f"{shop.url}/shopify/admin/api/2025-01/graphql.json",
        json={"query": query, "variables": variables},
        headers={"X-Shopify-Access-Token": SANDBOX_SHOP_TOKEN},
        timeout=5,
    )


def test_shopify_answers_a_customer_with_its_cost_then_throttles_when_the_bucket_is_spent(
    shop: SandboxHandle,
) -> None:
    gid = f"gid://shopify/Customer/{_customer_id(shop)}"
    first = _graphql(shop, QUERY, {"id": gid}).json()
    assert first["data"]["customer"]["id"] == gid
    cost = first["extensions"]["cost"]
    assert cost["requestedQueryCost"] == 1 + 1 + 2 + 5 * 1  # customer, money, orders(first: 5)
    assert cost["throttleStatus"]["maximumAvailable"] == 100.0
    answers = [_graphql(shop, QUERY, {"id": gid}).json() for _ in range(40)]
    throttled = [a for a in answers if "errors" in a]
    assert throttled, "a 100-point bucket refilling 1/s must throttle forty quick queries"
    assert throttled[0]["errors"][0]["extensions"]["code"] == "THROTTLED"
    assert (
        "data" not in throttled[0] and throttled[0]["extensions"]["cost"]["actualQueryCost"] is None
    )


def test_shopify_refuses_a_field_its_schema_lacks_and_a_wrong_token(shop: SandboxHandle) -> None:
    answer = _graphql(shop, '{ customer(id: "1") { lifetimeValue } }', {}).json()
    assert "lifetimeValue" in answer["errors"][0]["message"]
    wrong = requests.post(
        f"{shop.url}/shopify/admin/api/2025-01/graphql.json", json={"query": "{ x }"},
        headers={"X-Shopify-Access-Token": "nope"}, timeout=5,
    )  # fmt: skip
    assert wrong.status_code == 401 and "Invalid API key" in wrong.json()["errors"]


def test_woocommerce_lists_a_customers_orders_with_totals_and_limits_requests(
    shop: SandboxHandle,
) -> None:
    session = requests.Session()
    session.auth = (SANDBOX_WOO_KEY, SANDBOX_WOO_SECRET)
    base = f"{shop.url}/woocommerce/wp-json/wc/v3"
    number = _customer_id(shop)
    found = session.get(f"{base}/customers", params={"email": email_of(number)}, timeout=5)
    assert [c["id"] for c in found.json()] == [number]
    assert "orders_count" not in found.json()[0]  # v3 customers carry no totals
    orders = session.get(f"{base}/orders", params={"customer": number, "per_page": 1}, timeout=5)
    book = shop.sandbox.shop_book.customer(number)
    assert book is not None and orders.headers["X-WP-Total"] == str(len(book.orders))
    assert len(orders.json()) == 1
    statuses = [session.get(f"{base}/orders", params={"customer": number}, timeout=5).status_code
                for _ in range(4)]  # fmt: skip
    assert 429 in statuses
    assert requests.get(f"{base}/orders", timeout=5).status_code == 401
