"""Shopify Admin GraphQL: the query for a batch of customers and the mapping of its answer.

Pure: builds the query document and its variables, reads ``data`` into
``CustomerContext`` values and ``extensions.cost`` into a ``QueryCost``. One request asks
for up to a batch of customers through aliases (``c0``, ``c1``…): by e-mail through the
``customers`` search (``query: "email:..."``), by id through ``customer(id:)``.

Field names follow the Admin GraphQL reference (shopify.dev/docs/api/admin-graphql/latest/
objects/Customer: ``tags``, ``numberOfOrders`` (an UnsignedInt64, sent as a string),
``amountSpent`` (MoneyV2), ``statistics.rfmGroup``; objects/Order: ``name``,
``createdAt``, ``displayFinancialStatus``, ``displayFulfillmentStatus``,
``totalPriceSet.shopMoney`` — ``totalPrice`` is deprecated in its favour —,
``shippingAddress`` (MailingAddress: ``countryCodeV2``, the ISO 3166 code) and
``fulfillments(first:)``, a list; objects/Fulfillment: ``createdAt``, ``displayStatus``
(enums/FulfillmentDisplayStatus: IN_TRANSIT, OUT_FOR_DELIVERY, DELIVERED, DELAYED...) and
``trackingInfo(first:)`` (objects/FulfillmentTrackingInfo: ``company``, ``number``). The
order of ``fulfillments`` is not documented, so the newest by ``createdAt`` is the
shipment the context reports.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from connectors.shop.base import lookup_kind
from connectors.shop.tags import vip_tier
from router.customer import CustomerContext, ShopOrder

CUSTOMER_FIELDS = """fragment CustomerContext on Customer {
  id
  tags
  numberOfOrders
  amountSpent { amount currencyCode }
  statistics { rfmGroup }
  orders(first: $orders, sortKey: CREATED_AT, reverse: true) {
    nodes {
      name
      createdAt
      displayFinancialStatus
      displayFulfillmentStatus
      totalPriceSet { shopMoney { amount currencyCode } }
      shippingAddress { countryCodeV2 }
      fulfillments(first: 3) {
        createdAt
        displayStatus
        trackingInfo(first: 1) { company number }
      }
    }
  }
}"""
FULFILLMENTS = 3
"""Fulfillments asked per order (the fragment's ``fulfillments(first: 3)``): an order
shipped in several parcels reports its newest of these."""

GID_PREFIX = "gid://shopify/Customer/"


@dataclass(frozen=True, slots=True)
class Query:
    """One GraphQL request: its document, variables, and which alias answers which key."""

    document: str
    variables: dict[str, Any]
    aliases: dict[str, str]
    """alias -> lookup key"""

    def body(self) -> dict[str, Any]:
        """The JSON body of ``POST /admin/api/{version}/graphql.json``."""
        return {"query": self.document, "variables": self.variables}


def customers_query(keys: Sequence[str], orders: int) -> Query:
    """The query asking for ``keys`` (e-mail addresses or customer ids) and each one's
    newest ``orders`` orders, in one request."""
    parameters = ["$orders: Int!"]
    selections = []
    variables: dict[str, Any] = {"orders": orders}
    aliases: dict[str, str] = {}
    for index, key in enumerate(keys):
        alias = f"c{index}"
        aliases[alias] = key
        if lookup_kind(key) == "email":
            parameters.append(f"$q{index}: String!")
            variables[f"q{index}"] = f"email:{json.dumps(key)}"
            search = f"customers(first: 1, query: $q{index})"
            selections.append(f"  {alias}: {search} {{ nodes {{ ...CustomerContext }} }}")
        else:
            parameters.append(f"$i{index}: ID!")
            variables[f"i{index}"] = key if key.startswith(GID_PREFIX) else GID_PREFIX + key
            selections.append(f"  {alias}: customer(id: $i{index}) {{ ...CustomerContext }}")
    document = (
        f"query CustomerContexts({', '.join(parameters)}) {{\n"
        + "\n".join(selections)
        + f"\n}}\n{CUSTOMER_FIELDS}"
    )
    return Query(document=document, variables=variables, aliases=aliases)


def contexts_of(query: Query, data: Mapping[str, Any]) -> dict[str, CustomerContext]:
    """The context of every key the answer's ``data`` found (unknown keys are left out)."""
    found: dict[str, CustomerContext] = {}
    for alias, key in query.aliases.items():
        node = _node(data.get(alias))
        if node is not None:
            found[key] = customer_context(node)
    return found


def _node(answer: Any) -> Mapping[str, Any] | None:
    if isinstance(answer, Mapping) and "nodes" in answer:  # a customers search
        nodes = answer.get("nodes") or []
        return nodes[0] if nodes else None
    return answer if isinstance(answer, Mapping) else None


def customer_context(node: Mapping[str, Any]) -> CustomerContext:
    """One ``Customer`` object as a ``CustomerContext``; raises ``ValueError`` when a field
    the context needs is missing or malformed."""
    spent = _money(node.get("amountSpent"))
    tags = [str(tag) for tag in node.get("tags") or []]
    statistics = node.get("statistics") or {}
    rfm = statistics.get("rfmGroup")
    orders = (node.get("orders") or {}).get("nodes") or []
    return CustomerContext(
        shop="shopify",
        customer_id=str(node["id"]).removeprefix(GID_PREFIX),
        tags=tags,
        orders_count=int(node.get("numberOfOrders") or 0),
        total_spent=spent[0],
        currency=spent[1],
        vip_tier=vip_tier(tags),
        rfm_group=str(rfm).lower() if rfm else None,
        last_orders=tuple(shop_order(order) for order in orders),
    )


def shop_order(node: Mapping[str, Any]) -> ShopOrder:
    """One ``Order`` object as a ``ShopOrder`` (status enums lower-cased); the shipment is
    the newest fulfillment's."""
    total, currency = _money((node.get("totalPriceSet") or {}).get("shopMoney"))
    shipment = newest_fulfillment(node.get("fulfillments") or [])
    tracking = (shipment.get("trackingInfo") or [{}])[0] if shipment else {}
    return ShopOrder(
        name=str(node["name"]),
        financial_status=_status(node.get("displayFinancialStatus")),
        fulfillment_status=_status(node.get("displayFulfillmentStatus")),
        shipment_status=_status(shipment.get("displayStatus")) if shipment else None,
        tracking_company=tracking.get("company") or None,
        tracking_number=tracking.get("number") or None,
        ship_country=(node.get("shippingAddress") or {}).get("countryCodeV2"),
        total=total,
        currency=currency,
        created_at=datetime.fromisoformat(str(node["createdAt"])),
    )


def newest_fulfillment(fulfillments: Sequence[Any]) -> Mapping[str, Any] | None:
    """The fulfillment created last (ISO 8601 UTC strings sort as times), or None."""
    found = [f for f in fulfillments if isinstance(f, Mapping)]
    return max(found, key=lambda f: str(f.get("createdAt") or ""), default=None)


def _status(value: Any) -> str | None:
    return str(value).lower() if value else None


def _money(value: Any) -> tuple[Decimal, str]:
    if not isinstance(value, Mapping):
        raise ValueError(f"expected a MoneyV2 object, got {value!r}")
    try:
        return Decimal(str(value["amount"])), str(value["currencyCode"])
    except (KeyError, InvalidOperation):
        raise ValueError(f"malformed MoneyV2 {value!r}") from None


@dataclass(frozen=True, slots=True)
class QueryCost:
    """``extensions.cost`` of an answer (shopify.dev/docs/apps/build/apis/graphql-admin/
    rate-limits: every response reports the requested and actual cost and the bucket's
    ``throttleStatus``)."""

    requested: float
    actual: float | None
    maximum: float
    available: float
    restore_rate: float

    def wait_for(self, cost: float) -> float:
        """Seconds until the bucket holds ``cost`` points again."""
        missing = max(0.0, cost - self.available)
        return missing / self.restore_rate if self.restore_rate > 0 else 0.0


def query_cost(answer: Mapping[str, Any]) -> QueryCost | None:
    """The cost an answer reports, or None when it reports none."""
    cost = (answer.get("extensions") or {}).get("cost")
    if not isinstance(cost, Mapping):
        return None
    status = cost.get("throttleStatus") or {}
    try:
        actual = cost.get("actualQueryCost")
        return QueryCost(
            requested=float(cost["requestedQueryCost"]),
            actual=None if actual is None else float(actual),
            maximum=float(status["maximumAvailable"]),
            available=float(status["currentlyAvailable"]),
            restore_rate=float(status["restoreRate"]),
        )
    except (KeyError, TypeError, ValueError):
        return None


def error_codes(answer: Mapping[str, Any]) -> list[str]:
    """The ``extensions.code`` of each GraphQL error (``THROTTLED``, ``ACCESS_DENIED``…);
    an error without one counts as its message."""
    codes = []
    for error in answer.get("errors") or []:
        code = (error.get("extensions") or {}).get("code") if isinstance(error, Mapping) else None
        codes.append(str(code or (error.get("message") if isinstance(error, Mapping) else error)))
    return codes
