"""The sandbox's WooCommerce face: REST v3 customers and orders under ``/woocommerce``.

``GET /wp-json/wc/v3/customers`` (``email``, ``include``, ``per_page``, ``page``) and
``GET /wp-json/wc/v3/orders`` (``customer``, ``per_page``, ``page``, ``orderby=date``,
``order``) with ``X-WP-Total`` / ``X-WP-TotalPages`` (woocommerce.github.io/woocommerce-
rest-api-docs#list-all-customers, #list-all-orders; the v3 customer carries no order count
or amount spent). WordPress sets no rate limit: the gate applies the sandbox's request
limit to this face, as a host's firewall would.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from sandbox.shop_book import CURRENCY, BookCustomer, BookOrder, ShopBook

router = APIRouter(prefix="/woocommerce/wp-json/wc/v3")
MAX_PAGE = 100


def _page_args(per_page: int, page: int) -> JSONResponse | None:
    if not 1 <= per_page <= MAX_PAGE or page < 1:
        return JSONResponse(
            {"code": "rest_invalid_param", "message": "Invalid parameter(s): per_page, page",
             "data": {"status": 400}}, status_code=400,
        )  # fmt: skip
    return None


@router.get("/customers")
def customers(
    request: Request, email: str | None = None, include: str | None = None,
    per_page: int = 10, page: int = 1,
) -> JSONResponse:  # fmt: skip
    """Customers by address or ids."""
    if (bad := _page_args(per_page, page)) is not None:
        return bad
    book: ShopBook = request.app.state.sandbox.shop_book
    found: list[BookCustomer] = []
    if email is not None:
        found = [c for c in [book.by_email(email)] if c is not None]
    elif include:
        ids = [int(part) for part in include.split(",") if part.strip().isdigit()]
        found = [c for c in map(book.customer, ids) if c is not None]
    return _paged([_customer(c) for c in found], per_page, page)


@router.get("/orders")
def orders(
    request: Request, customer: int | None = None, per_page: int = 10, page: int = 1,
    orderby: str = "date", order: str = "desc",
) -> JSONResponse:  # fmt: skip
    """A customer's orders, newest first unless ``order=asc``."""
    if (bad := _page_args(per_page, page)) is not None:
        return bad
    book: ShopBook = request.app.state.sandbox.shop_book
    found = book.customer(customer) if customer is not None else None
    listed = sorted(found.orders if found else (), key=lambda o: o.created_at,
                    reverse=order != "asc")  # fmt: skip
    return _paged([_order(o, found) for o in listed if found], per_page, page)


def _paged(items: list[dict[str, Any]], per_page: int, page: int) -> JSONResponse:
    pages = max(1, -(-len(items) // per_page))
    chunk = items[(page - 1) * per_page : page * per_page]
    headers = {"X-WP-Total": str(len(items)), "X-WP-TotalPages": str(pages)}
    return JSONResponse(chunk, headers=headers)


def _customer(c: BookCustomer) -> dict[str, Any]:
    role = "customer"
    if c.tags:
        role = c.tags[0].lower().replace("-", "_")  # VIP-Gold: a vip_gold role
    return {
        "id": c.id,
        "email": c.email,
        "first_name": "Customer",
        "last_name": str(c.id),
        "role": role,
        "username": f"customer{c.id}",
        "is_paying_customer": c.amount_spent > 0,
        "date_created_gmt": _gmt(c.orders[-1]) if c.orders else None,
    }


def _order(o: BookOrder, c: BookCustomer | None) -> dict[str, Any]:
    return {
        "id": o.number,
        "number": str(o.number),
        "status": o.woo_status,
        "currency": CURRENCY,
        "total": f"{o.total:.2f}",
        "customer_id": c.id if c else 0,
        "date_created_gmt": _gmt(o),
        "shipping": _shipping(o.country),
    }


def _shipping(country: str) -> dict[str, str]:
    """The order's shipping address, all its properties (woocommerce.github.io/
    woocommerce-rest-api-docs#order-shipping-properties); the book knows the country only."""
    blank = ("first_name", "last_name", "company", "address_1", "address_2", "city", "state",
             "postcode", "phone")  # fmt: skip
    return dict.fromkeys(blank, "") | {"country": country}


def _gmt(o: BookOrder) -> str:
    return o.created_at.replace(tzinfo=None, microsecond=0).isoformat()
