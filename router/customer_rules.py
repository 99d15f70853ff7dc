"""The ``customer`` rule condition: tests on what the shop knows about the requester.

``{customer: {total_spent: {at_least: 1000}, orders: {at_least: 5}, tag: wholesale,
tier: [gold], last_order: {fulfillment: [unfulfilled], placed_within_h: 2}}}`` holds when
every test given holds. A ticket without customer context (no shop configured, the
requester unknown to the shop, or the shop unavailable) never satisfies a test, except
``known: false``, which holds exactly then. See docs/rules.md.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from router.customer import UNAVAILABLE, CustomerContext, ShopOrder
from router.decision import Decision
from router.model import Ticket


class _Part(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Amount(_Part):
    """A half-open band: ``at_least`` <= value < ``below`` (either bound may be left out)."""

    at_least: Decimal | None = None
    below: Decimal | None = None

    @model_validator(mode="after")
    def _has_bound(self) -> Amount:
        if self.at_least is None and self.below is None:
            raise ValueError("give at_least, below or both")
        return self

    def holds(self, value: Decimal | int) -> bool:
        """True when ``value`` lies in the band."""
        low_ok = self.at_least is None or value >= self.at_least
        return low_ok and (self.below is None or value < self.below)


def _lower_list(value: object) -> object:
    if isinstance(value, str):
        value = [value]
    if isinstance(value, list):
        return [str(item).strip().lower() for item in value]
    return value


class LastOrderTest(_Part):
    """Tests on the customer's newest order; a customer without orders never matches."""

    fulfillment: list[str] | None = Field(default=None, min_length=1)
    financial: list[str] | None = Field(default=None, min_length=1)
    shipment: list[str] | None = Field(
        default=None, min_length=1, description="the newest parcel's status: in_transit, delayed"
    )
    ship_country: list[str] | None = Field(
        default=None, min_length=1, description="ISO 3166 codes the order ships to: [DE, AT]"
    )
    tracked: bool | None = Field(default=None, description="whether it has a tracking number")
    placed_within_h: float | None = Field(default=None, gt=0)
    placed_before_h: float | None = Field(default=None, gt=0, description="older than this")
    total: Amount | None = None

    _lower = field_validator("fulfillment", "financial", "shipment", "ship_country",
                             mode="before")(_lower_list)  # fmt: skip

    def holds(self, order: ShopOrder | None, now: datetime) -> bool:
        """True when the order exists and passes every test given."""
        if order is None:
            return False
        age = order.age(now)
        return (
            _one_of(order.fulfillment_status, self.fulfillment)
            and _one_of(order.financial_status, self.financial)
            and _one_of(order.shipment_status, self.shipment)
            and _one_of(order.ship_country, self.ship_country)
            and (self.tracked is None or (order.tracking_number is not None) == self.tracked)
            and (self.placed_within_h is None or age < timedelta(hours=self.placed_within_h))
            and (self.placed_before_h is None or age >= timedelta(hours=self.placed_before_h))
            and (self.total is None or self.total.holds(order.total))
        )


def _one_of(value: str | None, options: list[str] | None) -> bool:
    return options is None or (value is not None and value.lower() in options)


class CustomerTest(_Part):
    """Holds when every given test holds on the ticket's customer context."""

    known: bool | None = None
    total_spent: Amount | None = None
    orders: Amount | None = None
    tag: str | None = Field(default=None, min_length=1)
    vip: bool | None = None
    tier: list[str] | None = Field(default=None, min_length=1)
    rfm_group: list[str] | None = Field(default=None, min_length=1)
    last_order: LastOrderTest | None = None

    _lower = field_validator("tier", "rfm_group", mode="before")(_lower_list)

    @model_validator(mode="after")
    def _something(self) -> CustomerTest:
        if not self.model_fields_set:
            raise ValueError(
                "a customer condition needs at least one of known, total_spent, orders, "
                "tag, vip, tier, rfm_group, last_order"
            )
        return self

    def holds(self, ticket: Ticket, now: datetime) -> bool:
        """True when the ticket's customer context passes every test given."""
        customer = ticket.customer
        if self.known is not None and (customer is not None) != self.known:
            return False
        if customer is None:
            return self.known is False and self.model_fields_set == {"known"}
        return self._context_holds(customer, now)

    def _context_holds(self, customer: CustomerContext, now: datetime) -> bool:
        return (
            (self.total_spent is None or self.total_spent.holds(customer.total_spent))
            and (self.orders is None or self.orders.holds(customer.orders_count))
            and (self.tag is None or self.tag.strip().lower() in customer.tags)
            and (self.vip is None or (customer.vip_tier is not None) == self.vip)
            and _one_of(customer.vip_tier, self.tier)
            and _one_of(customer.rfm_group, self.rfm_group)
            and (self.last_order is None or self.last_order.holds(customer.last_order, now))
        )


def customer_notes(ticket: Ticket, now: datetime) -> tuple[str, ...]:
    """What the trace says about the ticket's customer: the context used, or why the shop
    could not be asked (nothing when no shop is configured)."""
    if ticket.customer is not None:
        return ticket.customer.notes(now)
    if ticket.customer_unavailable is not None:
        return (f"{UNAVAILABLE}: {ticket.customer_unavailable}",)
    return ()


def with_customer_notes(decision: Decision, ticket: Ticket, now: datetime) -> Decision:
    """``decision`` with the customer notes of the enriched ``ticket`` first in its trace."""
    notes = customer_notes(ticket, now)
    if not notes:
        return decision
    trace = replace(decision.trace, notes=notes + decision.trace.notes)
    return replace(decision, trace=trace)
