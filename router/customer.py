"""What the shop knows about a ticket's requester: a vendor-neutral value.

Shop connectors (``connectors.shop``) map Shopify's or WooCommerce's answers to a
``CustomerContext``; the sidecar attaches it to the ticket (``Ticket.customer``) before
the rules run, and rule conditions (``router.customer_rules``) and the decision trace read
it. Nothing here does I/O or reads a clock: ages are measured against the ``now`` given.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


class ShopOrder(_Frozen):
    """One of the customer's recent orders, with the shop's own status words lower-cased
    (Shopify's ``displayFinancialStatus``/``displayFulfillmentStatus``, WooCommerce's
    ``status`` for both; Shopify's newest fulfillment's ``displayStatus`` for the shipment)."""

    name: str = Field(min_length=1, description="the order's name as customers see it (#1234)")
    financial_status: str | None = None
    fulfillment_status: str | None = None
    shipment_status: str | None = Field(
        default=None, description="the newest shipment's status (in_transit, delivered...)"
    )
    tracking_company: str | None = None
    tracking_number: str | None = None
    ship_country: str | None = Field(
        default=None, min_length=2, max_length=2, description="ISO 3166 alpha-2, upper-case"
    )
    total: Decimal
    currency: str = Field(min_length=3, max_length=3)
    created_at: AwareDatetime

    @field_validator("shipment_status", mode="before")
    @classmethod
    def _lower_status(cls, value: object) -> object:
        return str(value).strip().lower() if value else None

    @field_validator("ship_country", mode="before")
    @classmethod
    def _upper_country(cls, value: object) -> object:
        return str(value).strip().upper() if value else None

    def age(self, now: datetime) -> timedelta:
        """How long ago the order was placed (never negative)."""
        return max(now - self.created_at, timedelta(0))


class CustomerContext(_Frozen):
    """The requester as the shop sees them: value, tags, loyalty and recent orders."""

    shop: str = Field(min_length=1, description="shopify or woocommerce")
    customer_id: str = Field(min_length=1)
    tags: frozenset[str] = frozenset()
    orders_count: int = Field(ge=0)
    total_spent: Decimal = Field(ge=0)
    currency: str = Field(min_length=3, max_length=3)
    vip_tier: str | None = Field(
        default=None, description="from a tag vip or vip-<tier> (vip:gold, VIP Gold)"
    )
    rfm_group: str | None = Field(default=None, description="Shopify's RFM group, lower-case")
    last_orders: tuple[ShopOrder, ...] = Field(
        default=(), description="newest first, at most a few"
    )

    @field_validator("tags", mode="before")
    @classmethod
    def _lower_tags(cls, value: object) -> object:
        if isinstance(value, list | tuple | set | frozenset):
            return frozenset(str(tag).strip().lower() for tag in value if str(tag).strip())
        return value

    @property
    def last_order(self) -> ShopOrder | None:
        """The newest order, if the customer has one."""
        return self.last_orders[0] if self.last_orders else None

    def summary(self) -> str:
        """One line for the trace: ``VIP gold: 12 orders, 1,840 EUR``."""
        who = "customer" if self.vip_tier is None else _tier_words(self.vip_tier)
        orders = "1 order" if self.orders_count == 1 else f"{self.orders_count} orders"
        return f"{who}: {orders}, {money(self.total_spent, self.currency)}"

    def notes(self, now: datetime) -> tuple[str, ...]:
        """What the trace says about this customer: the summary and the newest order."""
        order = self.last_order
        if order is None:
            return (self.summary(),)
        return (self.summary(), order_words(order, now))


def _tier_words(tier: str) -> str:
    return "VIP" if tier == "vip" else f"VIP {tier}"


def money(amount: Decimal, currency: str) -> str:
    """``1,840 EUR`` (cents only when there are some: ``19.90 EUR``)."""
    whole = amount == amount.to_integral_value()
    return f"{amount:,.0f} {currency}" if whole else f"{amount:,.2f} {currency}"


def order_words(order: ShopOrder, now: datetime) -> str:
    """``order #1234 unfulfilled, paid, placed 40 min ago``; with a shipment
    ``order #1234 fulfilled, paid, in transit (DHL 00340434), to DE, placed 3 days ago``."""
    states = [s for s in (order.fulfillment_status, order.financial_status) if s]
    if order.shipment_status:
        states.append(order.shipment_status.replace("_", " ") + _tracking_words(order))
    if order.ship_country:
        states.append(f"to {order.ship_country}")
    status = f" {', '.join(states)}" if states else ""
    return f"order {order.name}{status}, placed {ago(order.age(now))}"


def _tracking_words(order: ShopOrder) -> str:
    parts = [p for p in (order.tracking_company, order.tracking_number) if p]
    return f" ({' '.join(parts)})" if parts else ""


def ago(age: timedelta) -> str:
    """``40 min ago``, ``3 h ago``, ``5 days ago`` (rounded down)."""
    minutes = int(age.total_seconds() // 60)
    if minutes < 120:
        return f"{minutes} min ago"
    if minutes < 48 * 60:
        return f"{minutes // 60} h ago"
    return f"{minutes // (24 * 60)} days ago"


VALUE_TIERS = ("vip", "returning", "new", "unknown")
"""A customer's value tier (``value_tier``), most valuable first."""


def value_tier(customer: CustomerContext | None) -> str:
    """The requester's value tier, the one definition live routing and the simulator share:
    ``vip`` (the shop tags them VIP: ``vip_tier`` is set), ``returning`` (two orders or
    more), ``new`` (at most one order) or ``unknown`` (no customer context). Queue-aware
    policies rank classes by it (``by: value_tier``); the simulator splits its metrics by it.
    """
    if customer is None:
        return "unknown"
    if customer.vip_tier is not None:
        return "vip"
    return "returning" if customer.orders_count >= 2 else "new"


UNAVAILABLE = "customer context unavailable"
"""How the trace begins when the shop could not say who the requester is."""
