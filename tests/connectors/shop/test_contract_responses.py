"""The shop contract on ``responses`` fixtures, and each connector's error paths."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import responses
from pydantic import SecretStr

from config.settings import ShopSettings
from connectors.errors import FatalError, RetriableError
from connectors.shop import build_shop
from connectors.shop.shopify import ShopifyShop
from tests.connectors.fakes import FakeTime
from tests.connectors.shop import payloads
from tests.connectors.shop.contract import CASES, Expected, ShopHarness

SHOPIFY = "https://acme.myshopify.test"
WOO = "https://shop.acme.test"
GRAPHQL = f"{SHOPIFY}/admin/api/2025-01/graphql.json"
ORDERS = 2
Reply = tuple[int, dict[str, str], str]


def _orders(number: int) -> list[dict[str, Any]]:
    return [
        payloads.shopify_order(number * 10 + n, f"2026-11-2{5 - n}T09:20:00Z")
        for n in range(ORDERS)
    ]


SHOPIFY_CUSTOMERS = {n: payloads.shopify_customer(n, orders=_orders(n)) for n in range(1, 15)}


class Outage:
    """Whether the fake shop answers 503 from now on."""

    down = False

    def __call__(self, reply: Callable[[requests.PreparedRequest], Reply]) -> Callable[..., Reply]:
        def answer(request: requests.PreparedRequest) -> Reply:
            if self.down:
                return 503, {}, '{"errors": "Service Unavailable"}'
            return reply(request)

        return answer


def _shopify_reply(request: requests.PreparedRequest) -> Reply:
    body = json.loads(request.body or b"{}")
    data: dict[str, Any] = {}
    for name, value in body["variables"].items():
        if name.startswith("q"):
            number = re.fullmatch(r'email:"c(\d+)@shop\.test"', value)
            found = SHOPIFY_CUSTOMERS.get(int(number.group(1))) if number else None
            data[f"c{name[1:]}"] = {"nodes": [found] if found else []}
        elif name.startswith("i"):
            data[f"c{name[1:]}"] = SHOPIFY_CUSTOMERS.get(int(value.rsplit("/", 1)[1]))
    return 200, {}, json.dumps(payloads.shopify_answer(data))


WOO_CUSTOMERS = {
    n: payloads.woo_customer(n, role="vip" if n == 1 else "customer") for n in range(1, 15)
}


def _woo_orders(number: int) -> list[dict[str, Any]]:
    return [payloads.woo_order(number * 10 + n, "processing" if n == 0 else "completed", "25.00",
                               f"2026-11-2{5 - n}T09:20:00") for n in range(4)]  # fmt: skip


def _woo_reply(request: requests.PreparedRequest) -> Reply:
    url = urlsplit(request.url or "")
    query = {key: values[0] for key, values in parse_qs(url.query).items()}
    if url.path.endswith("/customers"):
        if "email" in query:
            found = [c for c in WOO_CUSTOMERS.values() if c["email"] == query["email"]]
        else:
            ids = [int(i) for i in query.get("include", "").split(",") if i]
            found = [WOO_CUSTOMERS[i] for i in ids if i in WOO_CUSTOMERS]
        return 200, {"X-WP-Total": str(len(found))}, json.dumps(found)
    orders = _woo_orders(int(query["customer"]))
    return 200, {"X-WP-Total": "9", "X-WP-TotalPages": "1"}, json.dumps(orders)


@pytest.fixture
def mocked() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


def _shopify_harness(mock: responses.RequestsMock, time: FakeTime) -> ShopHarness:
    outage = Outage()
    mock.add_callback(responses.POST, GRAPHQL, callback=outage(_shopify_reply))
    settings = ShopSettings(
        kind="shopify", url=SHOPIFY, token=SecretStr("shpat_test"), orders=ORDERS
    )
    shop = build_shop(settings, clock=time.clock, sleep=time.sleep)
    assert shop is not None
    known = {
        (f"c{n}@shop.test" if n % 2 else str(n)): Expected(
            ORDERS + 9, Decimal("1840.0"), "EUR", f"#{n * 10}", "gold", "DE"
        )
        for n in range(1, 15)
    }
    return ShopHarness(
        shop, known, ["99", "nobody@shop.test"], lambda: setattr(outage, "down", True), ORDERS
    )


def _woo_harness(mock: responses.RequestsMock, time: FakeTime) -> ShopHarness:
    outage = Outage()
    pattern = re.compile(rf"{re.escape(WOO)}/wp-json/wc/v3/(customers|orders)")
    mock.add_callback(responses.GET, pattern, callback=outage(_woo_reply))
    settings = ShopSettings(
        kind="woocommerce", url=WOO, token=SecretStr("ck_1:cs_2"), orders=ORDERS
    )
    shop = build_shop(settings, clock=time.clock, sleep=time.sleep)
    assert shop is not None
    known = {
        (f"c{n}@shop.test" if n % 2 else str(n)): Expected(
            9, Decimal("100.00"), "EUR", f"#{n * 10}", "vip" if n == 1 else None, "DE"
        )
        for n in range(1, 15)
    }
    return ShopHarness(
        shop, known, ["99", "nobody@shop.test"], lambda: setattr(outage, "down", True), ORDERS
    )


@pytest.mark.parametrize("build", [_shopify_harness, _woo_harness], ids=["shopify", "woocommerce"])
@pytest.mark.parametrize("case", CASES)
def test_shop_contract_on_responses(
    case: Callable[[ShopHarness], None],
    build: Callable[[responses.RequestsMock, FakeTime], ShopHarness],
    mocked: responses.RequestsMock,
) -> None:
    case(build(mocked, FakeTime()))


def _shopify(
    mocked: responses.RequestsMock, time: FakeTime, *answers: dict[str, Any]
) -> ShopifyShop:
    for answer in answers:
        mocked.add(responses.POST, GRAPHQL, json=answer)
    settings = ShopSettings(kind="shopify", url=SHOPIFY, token=SecretStr("shpat_test"))
    shop = build_shop(settings, clock=time.clock, sleep=time.sleep)
    assert isinstance(shop, ShopifyShop)
    return shop


def test_shopify_sends_the_token_in_its_own_header_and_batches_ten_customers_a_request(
    mocked: responses.RequestsMock,
) -> None:
    mocked.add_callback(responses.POST, GRAPHQL, callback=_shopify_reply)
    shop = build_shop(ShopSettings(kind="shopify", url=SHOPIFY, token=SecretStr("shpat_test")))
    assert shop is not None
    shop.contexts([str(n) for n in range(1, 25)])
    assert len(mocked.calls) == 3
    headers = mocked.calls[0].request.headers
    assert headers["X-Shopify-Access-Token"] == "shpat_test" and "Authorization" not in headers


def test_shopify_takes_its_bucket_size_and_refill_from_throttle_status(
    mocked: responses.RequestsMock,
) -> None:
    shop = _shopify(mocked, FakeTime(), payloads.shopify_answer({"c0": None}))
    shop.contexts(["1"])
    assert (shop.bucket.limit, shop.bucket.window) == (2000, 20.0)  # 2000 points at 100/s


def test_a_throttled_shopify_query_is_retriable_after_the_refill_it_needs(
    mocked: responses.RequestsMock,
) -> None:
    shop = _shopify(mocked, FakeTime(), payloads.THROTTLED)
    with pytest.raises(RetriableError, match="throttled") as raised:
        shop.contexts(["1"])
    assert raised.value.retry_after == pytest.approx(0.6)  # (40 - 10) points at 50/s
    assert shop.bucket.left() <= 10


def test_a_shopify_token_without_the_scopes_is_fatal(mocked: responses.RequestsMock) -> None:
    denied = {"errors": [{"message": "Access denied", "extensions": {"code": "ACCESS_DENIED"}}]}
    with pytest.raises(FatalError, match="read_customers"):
        _shopify(mocked, FakeTime(), denied).contexts(["1"])


def test_a_rejected_woocommerce_key_is_fatal(mocked: responses.RequestsMock) -> None:
    refusal = {"code": "woocommerce_rest_cannot_view", "message": "Sorry, you cannot list."}
    mocked.add(responses.GET, f"{WOO}/wp-json/wc/v3/customers", status=401, json=refusal)
    shop = build_shop(ShopSettings(kind="woocommerce", url=WOO, token=SecretStr("ck_1:cs_2")))
    assert shop is not None
    with pytest.raises(FatalError, match="401"):
        shop.contexts(["a@b.test"])


@pytest.mark.parametrize(
    ("settings", "variable"),
    [
        pytest.param({"kind": "shopify"}, "DESKROUTE_SHOP__URL", id="shopify-without-url"),
        pytest.param({"kind": "shopify", "url": SHOPIFY}, "DESKROUTE_SHOP__TOKEN", id="no-token"),
        pytest.param(
            {"kind": "woocommerce", "url": WOO, "token": "only-a-key"}, "consumer_secret",
            id="woocommerce-token-without-secret",
        ),
    ],
)  # fmt: skip
def test_a_shop_without_what_it_needs_is_a_config_error(
    settings: dict[str, Any], variable: str
) -> None:
    from config.settings import ConfigError

    with pytest.raises(ConfigError, match=variable):
        build_shop(ShopSettings.model_validate(settings))


def test_no_shop_configured_builds_none() -> None:
    assert build_shop(ShopSettings()) is None
