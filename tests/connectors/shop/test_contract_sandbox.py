"""The shop contract on the sandbox's Shopify and WooCommerce faces, over loopback HTTP."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from pydantic import SecretStr

from config.settings import ShopSettings
from connectors.shop import build_shop
from sandbox import SandboxHandle, start_sandbox
from sandbox.accounts import SANDBOX_WOO_KEY, SANDBOX_WOO_SECRET
from sandbox.seed import REQUESTER_BASE
from sandbox.shop_book import BookCustomer, email_of
from tests.connectors.shop.contract import CASES, Expected, ShopHarness

ORDERS = 3


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxHandle]:
    with start_sandbox(tickets=0, agents=2, rate_limits=False) as handle:
        yield handle


@pytest.fixture
def desk(sandbox: SandboxHandle) -> Iterator[SandboxHandle]:
    yield sandbox
    sandbox.set_faults(error_rate=0.0)  # the outage case takes the shop down


def _expected(customer: BookCustomer, tier: str | None) -> Expected:
    newest = max(customer.orders, key=lambda o: o.created_at)
    return Expected(len(customer.orders), customer.amount_spent, "EUR", f"#{newest.number}", tier,
                    newest.country)  # fmt: skip


def _harness(desk: SandboxHandle, kind: str) -> ShopHarness:
    book = desk.sandbox.shop_book
    customers = [c for i in range(40) if (c := book.customer(REQUESTER_BASE + i)) is not None]
    known = {}
    for index, customer in enumerate(customers[:14]):
        key = email_of(customer.id) if index % 2 else str(customer.id)
        tier = {"VIP-Gold": "gold", "VIP": "vip"}.get(customer.tags[0]) if customer.tags else None
        known[key] = _expected(customer, tier)
    strangers = [i for i in range(REQUESTER_BASE, REQUESTER_BASE + 40) if book.customer(i) is None]
    unknown = [*map(str, strangers[:2]), "nobody@customers.invalid"]
    if kind == "shopify":
        settings = ShopSettings(kind="sandbox", url=f"{desk.url}/shopify", orders=ORDERS)
    else:
        token = SecretStr(f"{SANDBOX_WOO_KEY}:{SANDBOX_WOO_SECRET}")
        url = f"{desk.url}/woocommerce"
        settings = ShopSettings(kind="woocommerce", url=url, token=token, orders=ORDERS)
    shop = build_shop(settings, sleep=lambda _: None)
    assert shop is not None

    def outage() -> None:
        desk.set_faults(error_rate=1.0)

    return ShopHarness(shop, known, unknown, outage, ORDERS)


@pytest.mark.parametrize("kind", ["shopify", "woocommerce"])
@pytest.mark.parametrize("case", CASES)
def test_shop_contract_on_the_sandbox(
    case: Callable[[ShopHarness], None], kind: str, desk: SandboxHandle
) -> None:
    case(_harness(desk, kind))


def test_the_sandbox_shopify_face_reports_each_parcel_as_the_book_ships_it(
    desk: SandboxHandle,
) -> None:
    book = desk.sandbox.shop_book
    customers = [c for i in range(60) if (c := book.customer(REQUESTER_BASE + i)) is not None]
    shipped = [c for c in customers if c.orders[0].shipment is not None]
    shop = build_shop(ShopSettings(kind="sandbox", url=f"{desk.url}/shopify", orders=1),
                      sleep=lambda _: None)  # fmt: skip
    assert shop is not None and shipped
    found = shop.contexts([email_of(c.id) for c in shipped])
    for customer in shipped:
        order, book_order = found[email_of(customer.id)].last_order, customer.orders[0]
        assert order is not None
        assert order.shipment_status == str(book_order.shipment).lower()
        assert (order.tracking_company, order.tracking_number) == (
            book_order.carrier, book_order.tracking,
        )  # fmt: skip
        assert order.ship_country == book_order.country
