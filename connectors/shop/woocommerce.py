"""WooCommerce REST v3 connector: customers by e-mail or id, then their orders.

Ids are asked for together (``customers?include=1,2,3``); the REST API filters customers
by one ``email`` and orders by one ``customer`` per request, so an e-mail costs one
request and every customer found one orders request (``per_page=100``, newest first: the
last orders, the paid total and, from ``X-WP-Total``, the order count). WordPress sets no
rate limit of its own; the transport's budget keeps to ``requests_per_minute`` and honours
a host's 429 with ``Retry-After``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from connectors.errors import RetriableError
from connectors.shop.base import lookup_kind
from connectors.shop.woocommerce_mapping import woo_context
from connectors.transport import Transport, TransportStats
from router.customer import CustomerContext

API = "/wp-json/wc/v3"
ORDERS_PAGE = 100
"""WooCommerce's largest page; the paid total counts the newest this many orders."""


class WooCommerceShop:
    """Customer contexts from one WooCommerce store."""

    name = "woocommerce"

    def __init__(self, transport: Transport, *, batch_size: int = 10, orders: int = 3) -> None:
        self.transport, self.batch_size, self.orders = transport, batch_size, orders

    def traffic(self) -> TransportStats:
        """What went over the wire (see ``Shop.traffic``)."""
        return self.transport.stats

    def contexts(self, keys: Sequence[str]) -> Mapping[str, CustomerContext]:
        """The contexts of ``keys`` the store knows."""
        customers: dict[str, Mapping[str, Any]] = {}
        ids = [key for key in keys if lookup_kind(key) == "id" and key.isdigit()]
        for start in range(0, len(ids), self.batch_size):
            batch = ids[start : start + self.batch_size]
            params = {"include": ",".join(batch), "per_page": len(batch)}
            for customer in _list(self.transport.send("GET", f"{API}/customers", params=params)):
                customers[str(customer.get("id"))] = customer
        for key in keys:
            if lookup_kind(key) == "email":
                found = _list(self.transport.send("GET", f"{API}/customers", params={"email": key}))
                if found:
                    customers[key] = found[0]
        return {key: self._context(customer) for key, customer in customers.items()}

    def _context(self, customer: Mapping[str, Any]) -> CustomerContext:
        params = {"customer": customer.get("id"), "per_page": ORDERS_PAGE, "orderby": "date",
                  "order": "desc"}  # fmt: skip
        response = self.transport.send("GET", f"{API}/orders", params=params)
        orders = _list(response)
        try:
            total = int(response.headers.get("X-WP-Total", len(orders)))
            return woo_context(customer, orders, total, self.orders)
        except (ValueError, KeyError, TypeError) as error:
            raise RetriableError(f"woocommerce: malformed customer or order: {error}") from None


def _list(response: Any) -> list[Mapping[str, Any]]:
    try:
        value = response.json()
    except ValueError:
        raise RetriableError("woocommerce: the answer is not JSON") from None
    if not isinstance(value, list):
        raise RetriableError("woocommerce: expected a JSON list")
    return [item for item in value if isinstance(item, Mapping)]
