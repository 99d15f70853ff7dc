"""Simulated customers: who wrote each ticket (drawn with the traffic) and who served them last
(remembered by the model).

Who writes a ticket is decided before any routing, from its own random stream, so every
policy sees the same customers: a share of new tickets are follow-ups, each written by the
customer of the ticket that arrived about a follow-up gap (exponential) earlier; every
other ticket brings a new customer, a VIP with the scenario's chance. Each ticket also
counts its customer's earlier tickets within the repeat-contact window (``recent_contacts``).

With a shop (``scenario.Shop``, issue 19) the shop's view of a customer is drawn once, when
they first write, from the shop's own stream (``ShopContexts``): orders, amount spent, the
VIP tag above a spend threshold; and each ticket of an order category may be about a
recent order, with its status and age. Tickets carry it as a real
``router.customer.CustomerContext``, so the rules' ``customer`` conditions read it as they
read a live one.

Who served a customer last depends on the policy, so the model keeps that memory while it
runs and hands it to each arriving ticket as ``previous_agent`` / ``previous_agent_at``.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import NamedTuple

import numpy as np

from router.customer import CustomerContext, ShopOrder, value_tier
from simulation.scenario import CUSTOMER_PREFIX, Customers, Shop

VIP_TAG = "vip"
"""The tag a VIP customer's tickets carry (a policy file's rule can raise their priority)."""

SHOP = "simulation"
"""The ``shop`` a simulated customer context names."""


class Customer(NamedTuple):
    """One simulated customer: the id tickets carry as ``requester``, whether a VIP, and
    what the shop knows about them when this ticket arrives (None: no shop in the scenario)."""

    id: str
    vip: bool
    context: CustomerContext | None = None
    ships_at: float | None = None
    """The minute the recent order this ticket is about ships, if it has not yet (the
    simulator's knowledge, not the shop's: it measures whether a change came in time)."""
    recent_contacts: int = 0
    """How many earlier tickets this customer wrote within ``repeat_contact_days`` (what
    the sidecar counts from its store for the ``repeat_contact`` signal)."""

    @property
    def value_tier(self) -> str:
        """The customer's value tier, as the router defines it (``router.customer``)."""
        return value_tier(self.context)


class ShopDraws(NamedTuple):
    """One arrival's draws for the shop side (every arrival consumes all of them)."""

    returning: float
    extra_orders: int
    value_normal: float
    about_order: float
    age_h: float
    fulfil_h: float
    refund: float


class CustomerDraws:
    """Draws the customer of every arrival, in arrival order (one stream, policy-free)."""

    def __init__(
        self, spec: Customers, rng: np.random.Generator, shop: ShopContexts | None = None
    ) -> None:
        self.spec, self.rng, self.shop = spec, rng, shop
        self._window = spec.repeat_contact_days * 1440.0
        self._written: dict[str, list[float]] = {}  # each customer's arrival minutes
        self._times: list[float] = []  # every arrival so far, in order ...
        self._who: list[Customer] = []  # ... and who wrote it (with the shop's base context)
        self._count = 0

    def draw(self, times: list[float], categories: Sequence[str] = ()) -> list[Customer]:
        """The customers of the next arrivals, at minutes ``times`` (ascending), of
        ``categories`` (needed with a shop: whether a ticket is about an order depends on it).

        Every arrival consumes the same draws (follow-up or not, the gap, VIP or not; with a
        shop, ``ShopDraws`` from the shop's own stream) whatever it turns out to be, so the
        streams stay aligned with arrival order, and adding a shop to a scenario leaves who
        writes each ticket as it was.
        """
        size, spec = len(times), self.spec
        follows = (self.rng.random(size) < spec.repeat_share).tolist()
        gaps = self.rng.exponential(spec.followup_gap_min, size).tolist()
        vips = (self.rng.random(size) < spec.vip_share).tolist()
        shop = self.shop
        extra = [None] * size if shop is None else shop.draws(size)
        drawn: list[Customer] = []
        columns = zip(times, follows, gaps, vips, extra, strict=True)
        for index, (at, follow, gap, vip, more) in enumerate(columns):
            customer = (self._earlier(at - gap) if follow else None) or self._new(vip, more)
            self._times.append(at)
            self._who.append(customer)
            recent = self._recent_contacts(customer.id, at)
            if recent:
                customer = customer._replace(recent_contacts=recent)
            if shop is not None and more is not None:  # the ticket's view: its recent order
                customer = shop.for_ticket(customer, more, at, categories[index])
            drawn.append(customer)
        return drawn

    def _recent_contacts(self, customer_id: str, at: float) -> int:
        """The customer's earlier tickets within the window (and remember this one)."""
        written = self._written.setdefault(customer_id, [])
        recent = len(written) - bisect_right(written, at - self._window)
        written.append(at)
        return recent

    def _new(self, vip: bool, more: ShopDraws | None) -> Customer:
        """A customer writing for the first time (with the shop's view of them, if any)."""
        self._count += 1
        customer_id = f"{CUSTOMER_PREFIX}{self._count}"
        if self.shop is None or more is None:
            return Customer(customer_id, vip)
        return self.shop.new_customer(customer_id, more)

    def _earlier(self, minute: float) -> Customer | None:
        """Who wrote the last ticket that arrived at or before ``minute`` (None: none did)."""
        index = bisect_right(self._times, minute) - 1
        return self._who[index] if index >= 0 else None


class ShopContexts:
    """The shop side of simulated customers (``scenario.Shop``): each new customer's orders,
    amount spent and VIP tag, and the recent order a ticket is about."""

    def __init__(self, spec: Shop, rng: np.random.Generator, start: datetime) -> None:
        self.spec, self.rng, self.start = spec, rng, start
        cv = spec.order_value.cv
        self._sigma = float(np.sqrt(np.log1p(cv * cv)))  # lognormal with the given mean, CV
        self._mu = float(np.log(spec.order_value.mean)) - self._sigma**2 / 2
        self._orders = 0

    def draws(self, size: int) -> list[ShopDraws | None]:
        """``size`` arrivals' shop draws, column by column."""
        spec, recent, rng = self.spec, self.spec.recent_order, self.rng
        returning = rng.random(size).tolist()
        extra = rng.poisson(spec.returning_orders_mean - 2, size).tolist()
        value = rng.standard_normal(size).tolist()
        about = rng.random(size).tolist()
        age = rng.exponential(recent.age_h_mean if recent else 1.0, size).tolist()
        fulfil = rng.exponential(recent.fulfil_h_mean if recent else 1.0, size).tolist()
        refund = rng.random(size).tolist()
        columns = zip(returning, extra, value, about, age, fulfil, refund, strict=True)
        return [ShopDraws(*column) for column in columns]

    def new_customer(self, customer_id: str, draws: ShopDraws) -> Customer:
        """A customer who writes for the first time, with the shop's view of them."""
        spec = self.spec
        orders = 2 + draws.extra_orders if draws.returning < spec.returning_share else 1
        average = float(np.exp(self._mu + self._sigma * draws.value_normal))
        spent = Decimal(f"{orders * average:.2f}")
        vip = spec.vip_spent is not None and spent >= Decimal(str(spec.vip_spent))
        context = CustomerContext(
            shop=SHOP,
            customer_id=customer_id,
            tags=frozenset({VIP_TAG}) if vip else frozenset(),
            orders_count=orders,
            total_spent=spent,
            currency=spec.currency,
            vip_tier=VIP_TAG if vip else None,
        )
        return Customer(customer_id, vip, context)

    def for_ticket(
        self, customer: Customer, draws: ShopDraws, at: float, category: str
    ) -> Customer:
        """``customer`` as one ticket of ``category`` arriving at minute ``at`` sees them:
        with the recent order the ticket is about, if it is about one."""
        recent, base = self.spec.recent_order, customer.context
        if (
            recent is None
            or base is None
            or draws.about_order >= recent.categories.get(category, 0.0)
        ):
            return customer
        self._orders += 1
        placed = self.start + timedelta(minutes=at - draws.age_h * 60)
        fulfilled = draws.age_h >= draws.fulfil_h
        refunded = draws.refund < recent.refunded.get(category, 0.0)
        order = ShopOrder(
            name=f"#{1000 + self._orders}",
            financial_status="refunded" if refunded else "paid",
            fulfillment_status="fulfilled" if fulfilled else "unfulfilled",
            total=Decimal(f"{base.total_spent / base.orders_count:.2f}"),
            currency=base.currency,
            created_at=placed,
        )
        pending = not fulfilled and not refunded  # a refunded order is not going to ship
        ships_at = at + (draws.fulfil_h - draws.age_h) * 60 if pending else None
        context = base.model_copy(update={"last_orders": (order,)})
        return customer._replace(context=context, ships_at=ships_at)


class LastService(NamedTuple):
    """Who last served a customer, and when the work started."""

    agent: str
    at: datetime


class CustomerMemory:
    """The model's memory of who last served each customer (it depends on the policy)."""

    __slots__ = ("_last",)

    def __init__(self) -> None:
        self._last: dict[str, LastService] = {}

    def last(self, customer: str) -> LastService | None:
        """Who last served ``customer`` and when (None: nobody yet)."""
        return self._last.get(customer)

    def served(self, customer: str, agent: str, at: datetime) -> None:
        """``agent`` started work for ``customer`` at ``at``."""
        self._last[customer] = LastService(agent, at)
