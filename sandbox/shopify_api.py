"""The sandbox's Shopify face: ``POST /shopify/admin/api/{version}/graphql.json``.

A real GraphQL executor (graphql-core) over a slice of the Admin API schema: ``customer(id:)``
and ``customers(first:, query: "email:...")`` with ``tags``, ``numberOfOrders``,
``amountSpent``, ``statistics.rfmGroup`` and ``orders(first:, sortKey:, reverse:)``, each
order with ``shippingAddress.countryCodeV2`` and ``fulfillments(first:)`` (``displayStatus``,
``trackingInfo(first:)``) (shopify.dev/docs/api/admin-graphql/latest/objects/Customer,
objects/Order, objects/Fulfillment, objects/MailingAddress, enums/FulfillmentDisplayStatus).
A query naming any other field is refused with the executor's validation error, as Shopify
refuses one.

Rate limit by calculated query cost (shopify.dev/docs/apps/build/apis/graphql-admin/
rate-limits): a leaky bucket of points per app and store; a query's requested cost must be
in the bucket before it runs, its actual cost is what is spent, and every answer reports
both with ``throttleStatus``. Over budget, the answer is HTTP 200 with a ``THROTTLED``
error and no data (what Shopify returns; community.shopify.com thread 8456).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from datetime import timedelta
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    build_schema,
    execute_sync,
    parse,
    validate,
    value_from_ast_untyped,
)

from sandbox.shop_book import CURRENCY, BookCustomer, BookOrder, ShopBook

SCHEMA = build_schema(
    """
    scalar DateTime
    scalar Decimal
    scalar UnsignedInt64
    enum CurrencyCode { EUR USD GBP }
    enum OrderSortKeys { CREATED_AT ID PROCESSED_AT }
    enum OrderDisplayFinancialStatus { AUTHORIZED EXPIRED PAID PARTIALLY_PAID
      PARTIALLY_REFUNDED PENDING REFUNDED VOIDED }
    enum OrderDisplayFulfillmentStatus { FULFILLED IN_PROGRESS ON_HOLD OPEN
      PARTIALLY_FULFILLED PENDING_FULFILLMENT RESTOCKED SCHEDULED UNFULFILLED }
    enum CustomerRfmGroup { ACTIVE AT_RISK CHAMPIONS DORMANT LOYAL NEEDS_ATTENTION NEW
      PREVIOUSLY_LOYAL PROSPECTS }
    enum CountryCode { AT DE ES FR GB US }
    enum FulfillmentDisplayStatus { ATTEMPTED_DELIVERY CANCELED CARRIER_PICKED_UP CONFIRMED
      DELAYED DELIVERED FAILURE FULFILLED IN_TRANSIT LABEL_PRINTED LABEL_PURCHASED
      LABEL_VOIDED MARKED_AS_FULFILLED NOT_DELIVERED OUT_FOR_DELIVERY PICKED_UP
      READY_FOR_PICKUP SUBMITTED }
    type MailingAddress { countryCodeV2: CountryCode }
    type FulfillmentTrackingInfo { company: String number: String url: String }
    type Fulfillment {
      id: ID! createdAt: DateTime! displayStatus: FulfillmentDisplayStatus
      trackingInfo(first: Int): [FulfillmentTrackingInfo!]!
    }
    type MoneyV2 { amount: Decimal! currencyCode: CurrencyCode! }
    type MoneyBag { shopMoney: MoneyV2! presentmentMoney: MoneyV2! }
    type Order {
      id: ID! name: String! createdAt: DateTime!
      displayFinancialStatus: OrderDisplayFinancialStatus
      displayFulfillmentStatus: OrderDisplayFulfillmentStatus!
      totalPriceSet: MoneyBag!
      shippingAddress: MailingAddress
      fulfillments(first: Int): [Fulfillment!]!
    }
    type OrderConnection { nodes: [Order!]! }
    type CustomerStatistics { rfmGroup: CustomerRfmGroup }
    type Customer {
      id: ID! email: String tags: [String!]! numberOfOrders: UnsignedInt64!
      amountSpent: MoneyV2! statistics: CustomerStatistics!
      orders(first: Int, sortKey: OrderSortKeys, reverse: Boolean): OrderConnection!
    }
    type CustomerConnection { nodes: [Customer!]! }
    type QueryRoot {
      customer(id: ID!): Customer
      customers(first: Int, query: String): CustomerConnection!
    }
    schema { query: QueryRoot }
    """
)
GID = "gid://shopify/Customer/"
CONNECTION_PARTS = frozenset({"nodes", "edges", "node"})
MAX_FIRST = 250
"""Shopify's largest page (``first`` above it is an error)."""

router = APIRouter(prefix="/shopify/admin/api/{version}")


class CostBucket:
    """Shopify's leaky bucket of query-cost points for one app and store."""

    def __init__(
        self,
        maximum: float = 1000.0,
        restore_rate: float = 50.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.maximum, self.restore_rate, self._clock = maximum, restore_rate, clock
        self._available, self._stamp = maximum, clock()
        self._lock = threading.Lock()

    def available(self) -> float:
        """Points in the bucket now."""
        with self._lock:
            return self._refill()

    def spend(self, points: float) -> None:
        """Take ``points`` (the query's actual cost)."""
        with self._lock:
            self._available = max(0.0, self._refill() - points)

    def _refill(self) -> float:
        now = self._clock()
        self._available = min(
            self.maximum, self._available + (now - self._stamp) * self.restore_rate
        )
        self._stamp = now
        return self._available


@router.post("/graphql.json")
async def graphql(version: str, request: Request) -> JSONResponse:
    """Run one GraphQL query against the sandbox shop, within the cost budget."""
    sandbox = request.app.state.sandbox
    try:
        body = await request.json()
        document = parse(str(body["query"]))
    except (ValueError, KeyError, TypeError, GraphQLError) as error:
        return JSONResponse({"errors": [{"message": f"Parse error: {error}"}]}, status_code=400)
    variables = body.get("variables") or {}
    errors = validate(SCHEMA, document)
    if errors or not isinstance(variables, dict):
        messages = [e.message for e in errors] or ["variables must be an object"]
        return JSONResponse({"errors": [{"message": m} for m in messages]})
    bucket: CostBucket = sandbox.shop_cost
    requested = requested_cost(document, variables)
    limited = sandbox.gate.rate_limits
    if limited and requested > bucket.maximum:
        message = (
            f"Query cost is {requested}, which exceeds the single query max cost limit "
            f"({bucket.maximum:g})."
        )
        return JSONResponse({"errors": [{"message": message}]})
    if limited and requested > bucket.available():
        return JSONResponse(
            {
                "errors": [{"message": "Throttled", "extensions": {"code": "THROTTLED"}}],
                "extensions": {"cost": _cost(requested, None, bucket)},
            }
        )
    result = execute_sync(
        SCHEMA, document, root_value=_root(sandbox.shop_book), variable_values=variables
    )
    actual = 1 + _objects(result.data)
    if limited:
        bucket.spend(actual)
    answer: dict[str, Any] = {
        "data": result.data,
        "extensions": {"cost": _cost(requested, actual, bucket)},
    }
    if result.errors:
        answer["errors"] = [error.formatted for error in result.errors]
    return JSONResponse(answer)


def _cost(requested: int, actual: int | None, bucket: CostBucket) -> dict[str, Any]:
    return {
        "requestedQueryCost": requested,
        "actualQueryCost": actual,
        "throttleStatus": {
            "maximumAvailable": bucket.maximum,
            "currentlyAvailable": round(bucket.available(), 1),
            "restoreRate": bucket.restore_rate,
        },
    }


def requested_cost(document: DocumentNode, variables: Mapping[str, Any]) -> int:
    """Shopify's up-front cost of the document's first operation: an object field costs 1,
    a scalar 0, a connection ``first: n`` costs 2 plus ``n`` times one node's cost."""
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    operation = next(d for d in document.definitions if isinstance(d, OperationDefinitionNode))
    return _selection_cost(operation.selection_set, fragments, variables)


def _selection_cost(
    selections: SelectionSetNode | None,
    fragments: Mapping[str, FragmentDefinitionNode],
    variables: Mapping[str, Any],
) -> int:
    if selections is None:
        return 0
    total = 0
    for node in selections.selections:
        if isinstance(node, FragmentSpreadNode):
            total += _selection_cost(fragments[node.name.value].selection_set, fragments, variables)
        elif isinstance(node, InlineFragmentNode):
            total += _selection_cost(node.selection_set, fragments, variables)
        elif isinstance(node, FieldNode) and node.selection_set is not None:
            inner = _selection_cost(node.selection_set, fragments, variables)
            first = _argument(node, "first", variables)
            if node.name.value in CONNECTION_PARTS:
                total += inner  # a connection's nodes are what its first: n counts
            elif first is not None:
                total += 2 + int(first) * max(inner, 1)
            else:
                total += 1 + inner
    return total


def _argument(node: FieldNode, name: str, variables: Mapping[str, Any]) -> Any:
    for argument in node.arguments or ():
        if argument.name.value == name:
            return value_from_ast_untyped(argument.value, dict(variables))
    return None


def _objects(data: Any) -> int:
    """Objects in an answer: what the query actually cost beyond its root."""
    if isinstance(data, dict):
        return 1 + sum(_objects(value) for value in data.values())
    if isinstance(data, list):
        return sum(_objects(item) for item in data)
    return 0


def _root(book: ShopBook) -> dict[str, Any]:
    def customer(_info: Any, id: str) -> dict[str, Any] | None:
        digits = id.removeprefix(GID)
        found = book.customer(int(digits)) if digits.isdigit() else None
        return None if found is None else _customer(found)

    def customers(_info: Any, first: int | None = None, query: str | None = None) -> dict[str, Any]:
        _first(first)
        found = book.by_email(_email_in(query or ""))
        return {"nodes": [] if found is None or first == 0 else [_customer(found)]}

    return {"customer": customer, "customers": customers}


def _first(first: int | None) -> None:
    if first is None:
        raise GraphQLError("you must provide one of first or last")
    if not 0 <= first <= MAX_FIRST:
        raise GraphQLError(f"first must be between 0 and {MAX_FIRST}")


def _email_in(query: str) -> str:
    """The address of an ``email:`` search term (quoted or not); other terms find nobody."""
    term = query.strip()
    if not term.startswith("email:"):
        return ""
    return term.removeprefix("email:").strip().strip('"')


def _customer(c: BookCustomer) -> dict[str, Any]:
    def orders(
        _info: Any,
        first: int | None = None,
        sortKey: str | None = None,  # noqa: N803 (GraphQL's argument name)
        reverse: bool = False,
    ) -> dict[str, Any]:
        _first(first)
        ordered = sorted(c.orders, key=lambda o: o.created_at, reverse=bool(reverse))
        return {"nodes": [_order(o) for o in ordered[: first or 0]]}

    return {
        "id": f"{GID}{c.id}",
        "email": c.email,
        "tags": list(c.tags),
        "numberOfOrders": str(len(c.orders)),  # UnsignedInt64 travels as a string
        "amountSpent": _money(c.amount_spent),
        "statistics": {"rfmGroup": c.rfm_group.upper()},
        "orders": orders,
    }


def _order(o: BookOrder) -> dict[str, Any]:
    money = _money(o.total)
    return {
        "id": f"gid://shopify/Order/{o.number}",
        "name": f"#{o.number}",
        "createdAt": o.created_at.isoformat().replace("+00:00", "Z"),
        "displayFinancialStatus": o.financial,
        "displayFulfillmentStatus": o.fulfillment,
        "totalPriceSet": {"shopMoney": money, "presentmentMoney": money},
        "shippingAddress": {"countryCodeV2": o.country},
        "fulfillments": _fulfillments(o),
    }


def _fulfillments(o: BookOrder) -> Callable[..., list[dict[str, Any]]]:
    """An order's parcels (one at most in the book), ``first`` of them."""
    shipped = o.shipment is not None
    parcel = {
        "id": f"gid://shopify/Fulfillment/{o.number}",
        "createdAt": (o.created_at + timedelta(days=1)).isoformat().replace("+00:00", "Z"),
        "displayStatus": o.shipment,
        "trackingInfo": lambda _info, first=None: [
            {"company": o.carrier, "number": o.tracking, "url": None}
        ][: 1 if first is None else first],
    }

    def fulfillments(_info: Any, first: int | None = None) -> list[dict[str, Any]]:
        return ([parcel] if shipped else [])[: 1 if first is None else first]

    return fulfillments


def _money(amount: Decimal) -> dict[str, str]:
    return {"amount": f"{amount:.2f}", "currencyCode": CURRENCY}
