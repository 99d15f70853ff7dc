"""Shop answers shaped like the vendors' documented examples (Shopify Admin GraphQL
Customer/Order objects with ``extensions.cost``; WooCommerce REST v3 customer and order)."""

from __future__ import annotations

from typing import Any

THROTTLE = {"maximumAvailable": 2000.0, "currentlyAvailable": 1960.0, "restoreRate": 100.0}


def shopify_customer(
    number: int, *, tags: list[str] | None = None, orders: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    """A ``Customer`` node as the Admin API answers it (numberOfOrders is a string)."""
    listed = orders if orders is not None else [shopify_order(1001)]
    return {
        "id": f"gid://shopify/Customer/{number}",
        "tags": tags if tags is not None else ["VIP Gold", "newsletter"],
        "numberOfOrders": str(len(listed) + 9),
        "amountSpent": {"amount": "1840.0", "currencyCode": "EUR"},
        "statistics": {"rfmGroup": "CHAMPIONS"},
        "orders": {"nodes": listed},
    }


def shopify_order(
    number: int, created: str = "2026-11-25T09:20:00Z", **fields: Any
) -> dict[str, Any]:
    """An ``Order`` node."""
    return {
        "name": f"#{number}",
        "createdAt": created,
        "displayFinancialStatus": "PAID",
        "displayFulfillmentStatus": "UNFULFILLED",
        "totalPriceSet": {"shopMoney": {"amount": "89.9", "currencyCode": "EUR"}},
        "shippingAddress": {"countryCodeV2": "DE"},
        "fulfillments": [],
    } | fields


def shopify_answer(data: dict[str, Any], requested: int = 40, actual: int = 12) -> dict[str, Any]:
    """A successful answer with its cost."""
    return {
        "data": data,
        "extensions": {
            "cost": {"requestedQueryCost": requested, "actualQueryCost": actual,
                     "throttleStatus": THROTTLE},
        },
    }  # fmt: skip


THROTTLED = {
    "errors": [{"message": "Throttled", "extensions": {"code": "THROTTLED"}}],
    "extensions": {
        "cost": {
            "requestedQueryCost": 40, "actualQueryCost": None,
            "throttleStatus": {"maximumAvailable": 1000.0, "currentlyAvailable": 10.0,
                               "restoreRate": 50.0},
        }
    },
}  # fmt: skip


def woo_customer(number: int, role: str = "customer") -> dict[str, Any]:
    """A v3 customer (no orders_count or total_spent)."""
    return {
        "id": number, "email": f"c{number}@shop.test", "first_name": "Ada",
        "last_name": "Lovelace", "role": role, "username": f"c{number}",
        "is_paying_customer": True, "date_created_gmt": "2025-03-01T10:00:00",
    }  # fmt: skip


def woo_order(number: int, status: str, total: str, created: str) -> dict[str, Any]:
    """A v3 order (``date_created_gmt`` is UTC without an offset)."""
    return {
        "id": number + 700, "number": str(number), "status": status, "currency": "EUR",
        "total": total, "customer_id": 5, "date_created": "2026-11-25T10:20:00",
        "date_created_gmt": created, "shipping": {"country": "DE", "city": "Berlin"},
    }  # fmt: skip
