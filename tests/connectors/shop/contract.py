"""The shop contract: cases every shop connector passes, on ``responses`` fixtures and on
the sandbox's shop faces.

A test module supplies a ``ShopHarness`` (the connector, the customers the shop holds as
the test expects to read them, and a way to take the shop down) and runs ``CASES``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

import pytest

from connectors.errors import ConnectorError, FatalError
from connectors.shop.base import Shop, lookup_kind


@dataclass(frozen=True)
class Expected:
    """What the shop holds for one customer."""

    orders_count: int
    total_spent: Decimal
    currency: str
    newest_order: str | None
    vip_tier: str | None
    ship_country: str | None
    """Where the newest order ships."""


@dataclass
class ShopHarness:
    """A shop connector and direct knowledge of the shop behind it."""

    shop: Shop
    known: dict[str, Expected]
    """Lookup keys (e-mail addresses and ids) the shop knows, more than one batch of them."""
    unknown: list[str]
    break_shop: Callable[[], None]
    """From now on every request fails as a server outage would (503)."""
    orders: int
    """Newest orders the connector was built to read."""


def known_customers_read_by_email_and_id(h: ShopHarness) -> None:
    assert {lookup_kind(key) for key in h.known} == {"email", "id"}
    found = h.shop.contexts(list(h.known))
    assert set(found) == set(h.known)
    for key, want in h.known.items():
        got = found[key]
        assert got.orders_count == want.orders_count, key
        assert got.total_spent == want.total_spent, key
        assert got.currency == want.currency, key
        assert (got.last_order.name if got.last_order else None) == want.newest_order, key
        assert got.vip_tier == want.vip_tier, key
        assert (got.last_order.ship_country if got.last_order else None) == want.ship_country


def unknown_customers_are_left_out(h: ShopHarness) -> None:
    some = list(h.known)[:2]
    found = h.shop.contexts([*h.unknown, *some])
    assert set(found) == set(some)


def last_orders_are_newest_first_and_at_most_the_configured_number(h: ShopHarness) -> None:
    for context in h.shop.contexts(list(h.known)).values():
        times = [order.created_at for order in context.last_orders]
        assert times == sorted(times, reverse=True)
        assert len(times) == min(h.orders, context.orders_count)


def nothing_asked_nothing_sent(h: ShopHarness) -> None:
    assert h.shop.contexts([]) == {}


def an_outage_raises_a_connector_error_that_is_not_fatal(h: ShopHarness) -> None:
    h.break_shop()
    with pytest.raises(ConnectorError) as raised:
        h.shop.contexts(list(h.known)[:1])
    assert not isinstance(raised.value, FatalError)


CASES = [
    pytest.param(case, id=case.__name__)
    for case in (
        known_customers_read_by_email_and_id,
        unknown_customers_are_left_out,
        last_orders_are_newest_first_and_at_most_the_configured_number,
        nothing_asked_nothing_sent,
        an_outage_raises_a_connector_error_that_is_not_fatal,
    )
]
