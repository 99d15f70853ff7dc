"""WooCommerce REST v3: customers and their orders mapped to ``CustomerContext`` (pure).

The v3 customer object no longer carries ``orders_count`` or ``total_spent`` (WooCommerce's
``WC_REST_Customers_V2_Controller``: "v3 API doesn't return those two fields"), so both
come from the customer's orders (``GET /wp-json/wc/v3/orders?customer=ID``): the count
from the ``X-WP-Total`` header, the amount spent from the orders that were paid
(``processing``, ``completed``; woocommerce.github.io/woocommerce-rest-api-docs#order-
properties). WooCommerce has no customer tags; the customer's WordPress ``role`` is the
one tag (a ``vip_gold`` role gives tier ``gold``).

An order ships to its ``shipping.country`` (ISO 3166 alpha-2; woocommerce.github.io/
woocommerce-rest-api-docs#order-shipping-properties); WooCommerce core keeps no shipment
tracking (that is an extension's order meta), so ``shipment_status`` stays empty.

WooCommerce has one order ``status``; it is read into Shopify's two words so that one rule
serves either shop (``STATUS_WORDS``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from connectors.shop.tags import vip_tier
from router.customer import CustomerContext, ShopOrder

PAID_STATUSES = frozenset({"processing", "completed"})
STATUS_WORDS: dict[str, tuple[str | None, str | None]] = {
    "pending": ("pending", "unfulfilled"),
    "processing": ("paid", "unfulfilled"),
    "on-hold": ("pending", "on_hold"),
    "completed": ("paid", "fulfilled"),
    "cancelled": ("voided", None),
    "refunded": ("refunded", None),
    "failed": ("failed", None),
}
"""WooCommerce status -> (financial, fulfilment) in Shopify's words; a status not listed
(a plugin's own) is kept as the fulfilment word."""
NO_CURRENCY = "XXX"
"""ISO 4217's code for "no currency": a customer without orders has spent nothing in none."""


def woo_order(raw: Mapping[str, Any]) -> ShopOrder:
    """One order object as a ``ShopOrder``."""
    status = str(raw.get("status") or "")
    financial, fulfillment = STATUS_WORDS.get(status, (None, status or None))
    return ShopOrder(
        name=f"#{raw.get('number') or raw['id']}",
        financial_status=financial,
        fulfillment_status=fulfillment,
        ship_country=(raw.get("shipping") or {}).get("country") or None,
        total=_decimal(raw.get("total")),
        currency=str(raw["currency"]),
        created_at=_gmt(raw),
    )


def woo_context(
    customer: Mapping[str, Any], orders: Sequence[Mapping[str, Any]], orders_count: int, keep: int
) -> CustomerContext:
    """The context of a customer object and its orders (newest first; all the orders read,
    of which ``keep`` are kept as last orders); ``orders_count`` is ``X-WP-Total``."""
    role = str(customer.get("role") or "").strip()
    tags = [role] if role else []
    spent = sum(
        (_decimal(order.get("total")) for order in orders if order.get("status") in PAID_STATUSES),
        Decimal(0),
    )
    currency = str(orders[0]["currency"]) if orders else NO_CURRENCY
    return CustomerContext(
        shop="woocommerce",
        customer_id=str(customer["id"]),
        tags=tags,
        orders_count=max(orders_count, len(orders)),
        total_spent=spent,
        currency=currency,
        vip_tier=vip_tier(tags),
        last_orders=tuple(woo_order(order) for order in orders[:keep]),
    )


def _decimal(value: Any) -> Decimal:
    try:
        return Decimal(str(value if value not in (None, "") else "0"))
    except InvalidOperation:
        raise ValueError(f"malformed amount {value!r}") from None


def _gmt(raw: Mapping[str, Any]) -> datetime:
    """``date_created_gmt`` is UTC without an offset; ``date_created`` is the site's time."""
    text = raw.get("date_created_gmt") or raw["date_created"]
    when = datetime.fromisoformat(str(text))
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)
