"""The sandbox shop's customers and orders: the desk's requesters, as a shop knows them.

A requester id of the sandbox desk is also the shop's customer id (a desk whose end users
are synced from the shop, as the shops' help-desk apps do), with the desk's e-mail
address for them (``customer{id}@customers.invalid``). Who is a customer, their tags and
their orders follow from the seed and the id alone, so the book holds no state and every
face (Shopify, WooCommerce) tells the same story. Order times count back from the moment
the sandbox started: some customers have an order placed in the last two hours that is
not fulfilled yet (the address-change window), some are VIPs.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal

from sandbox.directory import EMAIL_DOMAIN, email_of
from sandbox.seed import REQUESTER_BASE

REQUESTERS = 100_000
"""Requester ids the sandbox's customers open tickets as (``seed.new_ticket``)."""
CURRENCY = "EUR"
CUSTOMER_SHARE = 0.8
"""Requesters who have a shop account (the others asked before buying)."""
TIERS = (("VIP-Gold", 0.05), ("VIP", 0.07))
COUNTRIES = (("DE", 0.35), ("AT", 0.1), ("FR", 0.15), ("ES", 0.1), ("GB", 0.15), ("US", 0.15))
"""Where customers have their orders shipped."""
CARRIERS = ("DHL", "UPS", "DPD")
FRESH_ORDER_SHARE = 0.2
"""Customers whose newest order is under two hours old and not fulfilled yet."""
ORDER_NUMBER_BASE = 1000


@dataclass(frozen=True, slots=True)
class BookOrder:
    """One order as both faces render it."""

    number: int
    created_at: datetime
    total: Decimal
    financial: str
    """Shopify's ``displayFinancialStatus`` (PAID, PENDING, REFUNDED)."""
    fulfillment: str
    """Shopify's ``displayFulfillmentStatus`` (UNFULFILLED, FULFILLED, IN_PROGRESS)."""
    country: str
    """Where it ships: the shipping address's ISO 3166 code."""
    shipment: str | None = None
    """Its parcel's ``displayStatus`` (IN_TRANSIT, DELAYED, DELIVERED...); None: not shipped."""
    carrier: str | None = None
    tracking: str | None = None

    @property
    def woo_status(self) -> str:
        """The one WooCommerce status the two Shopify words amount to."""
        if self.financial == "REFUNDED":
            return "refunded"
        if self.financial == "PENDING":
            return "pending"
        return "completed" if self.fulfillment == "FULFILLED" else "processing"


@dataclass(frozen=True, slots=True)
class BookCustomer:
    """One shop customer: newest order first."""

    id: int
    email: str
    tags: tuple[str, ...]
    orders: tuple[BookOrder, ...]
    rfm_group: str

    @property
    def amount_spent(self) -> Decimal:
        """What the paid orders came to."""
        return sum((o.total for o in self.orders if o.financial == "PAID"), Decimal(0))


class ShopBook:
    """Customers of the sandbox shop, drawn from ``seed`` and each id on demand."""

    def __init__(self, seed: int, started_at: datetime) -> None:
        self.seed, self.started_at = seed, started_at

    def customer(self, customer_id: int) -> BookCustomer | None:
        """The customer with this id, or None when that requester has no shop account."""
        if not REQUESTER_BASE <= customer_id < REQUESTER_BASE + REQUESTERS:
            return None
        rng = random.Random(f"{self.seed}:{customer_id}")
        if rng.random() >= CUSTOMER_SHARE:
            return None
        tier = next((tag for tag, share in TIERS if rng.random() < share), None)
        count = rng.randint(8, 30) if tier else rng.choice((1, 1, 2, 3, 4, 6))
        fresh = rng.random() < FRESH_ORDER_SHARE
        orders = tuple(self._order(rng, customer_id, n, fresh and n == 0) for n in range(count))
        tags = (tier,) if tier else ()
        rfm = "champions" if tier else rng.choice(("new", "loyal", "at_risk", "dormant"))
        return BookCustomer(customer_id, email_of(customer_id), tags, orders, rfm)

    def by_email(self, email: str) -> BookCustomer | None:
        """The customer with this address (the desk's address of a requester id)."""
        local, _, domain = email.strip().lower().partition("@")
        digits = local.removeprefix("customer")
        if domain != EMAIL_DOMAIN or not digits.isdigit():
            return None
        return self.customer(int(digits))

    def _order(self, rng: random.Random, customer_id: int, n: int, fresh: bool) -> BookOrder:
        number = self._number(customer_id, n)
        country = country_of(self.seed, customer_id)
        if fresh:
            placed = self.started_at - timedelta(minutes=rng.randint(5, 110))
            return BookOrder(number, placed, _total(rng), "PAID", "UNFULFILLED", country)
        placed = self.started_at - timedelta(days=2 + 30 * n + rng.random() * 25)
        financial = "REFUNDED" if rng.random() < 0.05 else "PAID"
        fulfillment = "FULFILLED" if n > 0 or rng.random() < 0.7 else "IN_PROGRESS"
        book = BookOrder(number, placed, _total(rng), financial, fulfillment, country)
        return _shipped(book, n) if fulfillment == "FULFILLED" else book

    def _number(self, customer_id: int, n: int) -> int:
        return ORDER_NUMBER_BASE + (customer_id - REQUESTER_BASE) * 40 + (40 - n)


def country_of(seed: int, customer_id: int) -> str:
    """Where a customer's orders ship (drawn apart from the rest: the book stays as it was)."""
    rng = random.Random(f"{seed}:{customer_id}:country")
    return rng.choices([c for c, _ in COUNTRIES], weights=[w for _, w in COUNTRIES])[0]


def _shipped(order: BookOrder, n: int) -> BookOrder:
    """A fulfilled order with its parcel: the newest still on its way (or late), older
    ones delivered."""
    rng = random.Random(f"parcel:{order.number}")
    status = "DELIVERED" if n > 0 else rng.choice(("IN_TRANSIT", "IN_TRANSIT", "DELAYED",
                                                   "OUT_FOR_DELIVERY", "DELIVERED"))  # fmt: skip
    carrier = rng.choice(CARRIERS)
    tracking = f"{carrier[:2]}{rng.randrange(10**9, 10**10)}"
    return replace(order, shipment=status, carrier=carrier, tracking=tracking)


def _total(rng: random.Random) -> Decimal:
    return Decimal(rng.randint(1500, 24000)) / 100
