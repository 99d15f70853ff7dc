"""Shopify Admin GraphQL connector: customer contexts in batches, within the cost budget.

Shopify limits GraphQL calls by calculated query cost, not request count: a bucket of
``maximumAvailable`` points refilling at ``restoreRate`` points a second per app and store
(shopify.dev/docs/apps/build/apis/graphql-admin/rate-limits). Every answer reports the
requested and actual cost and the bucket's state in ``extensions.cost.throttleStatus``;
an over-budget query is answered ``THROTTLED`` (HTTP 200 with an error, or 429). The
transport's account bucket is kept in cost points: each request takes its estimated cost,
the reported actual cost corrects it, and ``throttleStatus`` resets the bucket's size,
refill rate and what is left.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from connectors.budget import RateReading, TokenBucket
from connectors.errors import FatalError, RetriableError
from connectors.shop.shopify_mapping import (
    FULFILLMENTS,
    Query,
    QueryCost,
    contexts_of,
    customers_query,
    error_codes,
    query_cost,
)
from connectors.transport import Transport, TransportStats
from router.customer import CustomerContext

COST_PER_CUSTOMER = 6
"""Requested cost of one customer beyond its orders: the search connection (2) and its
node (1), ``amountSpent`` and ``statistics`` (1 each), the orders connection (2)... minus
the one a lookup by id saves; rounded up."""
COST_PER_FULFILLMENT = 3
"""A fulfillment node: its ``trackingInfo(first: 1)`` list (2 + 1 object)."""
COST_PER_ORDER = 3 + 2 + FULFILLMENTS * COST_PER_FULFILLMENT
"""An order node's objects: ``totalPriceSet``, its ``shopMoney`` and ``shippingAddress``
(3), and its ``fulfillments(first: 3)`` list (2 plus 3 fulfillments)."""
MAX_QUERY_COST = 1000
"""Shopify refuses a single query that requires more (shopify.dev/docs/apps/build/apis/
graphql-admin/rate-limits, "Single query limit")."""
FATAL_CODES = frozenset({"ACCESS_DENIED", "UNAUTHORIZED", "FORBIDDEN"})


def estimated_cost(customers: int, orders: int) -> int:
    """What Shopify will require up front for ``customers`` customers with ``orders``
    orders each: an object costs 1, a scalar 0, a connection ``first: n`` 2 plus ``n``
    times its node (shopify.dev/docs/apps/build/apis/graphql-admin/rate-limits, "Cost
    calculation")."""
    return customers * (COST_PER_CUSTOMER + COST_PER_ORDER * orders)


class ShopifyShop:
    """Customer contexts from one Shopify store."""

    name = "shopify"

    def __init__(
        self,
        transport: Transport,
        bucket: TokenBucket,
        *,
        api_version: str,
        batch_size: int = 10,
        orders: int = 3,
    ) -> None:
        """``bucket`` is the transport's account budget, in cost points."""
        self.transport, self.bucket, self.orders = transport, bucket, orders
        fits = MAX_QUERY_COST // estimated_cost(1, orders)
        self.batch_size = max(1, min(batch_size, fits))
        """``batch_size``, or fewer when that many customers would pass the single query
        limit (with ten orders each, six customers a query)."""
        self.path = f"/admin/api/{api_version}/graphql.json"

    def traffic(self) -> TransportStats:
        """What went over the wire (see ``Shop.traffic``)."""
        return self.transport.stats

    def contexts(self, keys: Sequence[str]) -> Mapping[str, CustomerContext]:
        """The contexts of ``keys`` (e-mail addresses or customer ids), one request per batch."""
        found: dict[str, CustomerContext] = {}
        for start in range(0, len(keys), self.batch_size):
            found.update(self._batch(keys[start : start + self.batch_size]))
        return found

    def _batch(self, keys: Sequence[str]) -> dict[str, CustomerContext]:
        query = customers_query(keys, self.orders)
        estimate = estimated_cost(len(keys), self.orders)
        response = self.transport.send("POST", self.path, json=query.body(), cost=estimate)
        try:
            answer = _json(response.json())
        except ValueError:
            raise RetriableError("shopify: the answer is not JSON") from None
        cost = query_cost(answer)
        if cost is not None:
            self._observe(cost, estimate)
        return self._read(query, answer, cost, estimate)

    def _read(
        self, query: Query, answer: Mapping[str, Any], cost: QueryCost | None, estimate: int
    ) -> dict[str, CustomerContext]:
        codes = error_codes(answer)
        if "THROTTLED" in codes or "Throttled" in codes:
            wait = cost.wait_for(cost.requested) if cost else None
            raise RetriableError("shopify: query throttled (cost budget spent)", retry_after=wait)
        if FATAL_CODES & set(codes):
            raise FatalError(f"shopify: {', '.join(codes)} (check the token's read_customers, "
                             "read_orders scopes)")  # fmt: skip
        data = answer.get("data")
        if not isinstance(data, Mapping):
            raise RetriableError(f"shopify: answer without data ({', '.join(codes) or 'empty'})")
        try:
            return contexts_of(query, data)
        except (ValueError, KeyError, TypeError) as error:
            raise RetriableError(f"shopify: malformed customer in the answer: {error}") from None

    def _observe(self, cost: QueryCost, estimate: int) -> None:
        """Correct the bucket from ``throttleStatus``: its size and refill, what is left,
        and what the query really cost against what we took for it."""
        bucket = self.bucket
        if cost.restore_rate > 0 and cost.maximum >= 1:
            # a full bucket refills in maximum / restoreRate seconds: our limit per window
            bucket.reshape(limit=int(cost.maximum), window=cost.maximum / cost.restore_rate)
        if cost.actual is not None:
            bucket.charge(cost.actual - estimate)
        bucket.observe(RateReading(limit=int(cost.maximum), remaining=int(cost.available)))


def _json(value: Any) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise RetriableError("shopify: the answer is not a JSON object")
    return value
