"""Shop context in the live pipeline: rules route on it, the store caches it for the TTL,
and a slow or failing shop never keeps a ticket from being routed (the trace says why)."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import responses
import sqlalchemy as sa
from pydantic import SecretStr

from config.policy_file import PolicyFile
from config.settings import ShopSettings
from connectors.errors import RetriableError
from connectors.shop import build_shop
from connectors.shop.base import Shop
from router.customer import CustomerContext, ShopOrder
from sidecar.metrics import Metrics
from sidecar.shop_context import COOL_OFF_SECONDS, ShopContext, cache_key, masked
from sidecar.store import Store, schema
from tests.sidecar.builders import Rig
from tests.sidecar.fakes import FakeClock
from tests.sidecar.test_dashboard_metrics import sample

RULES: dict[str, Any] = {
    "policy": {"name": "skills", "params": {"then": "least_loaded"}},
    "rules": [
        {
            "name": "vip-to-senior",
            "when": {"customer": {"vip": True}},
            "then": {"add_required_skills": {"senior": 1}},
        },
        {
            "name": "address-change-window",
            "when": {
                "customer": {"last_order": {"fulfillment": "unfulfilled", "placed_within_h": 2}}
            },
            "then": {"add_required_skills": {"address_change": 1}, "set_priority": "urgent"},
        },
    ],
}
SETTINGS = ShopSettings(kind="shopify", url="https://acme.myshopify.test", token=SecretStr("t"))


class Seconds:
    """A monotonic clock moved by hand (and by the fake shop's slowness)."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class FakeShop:
    """A shop in memory: its customers, the keys asked for, and an optional failure."""

    name = "shopify"
    batch_size = 2

    def __init__(self, clock: FakeClock, seconds: Seconds) -> None:
        self.clock, self.seconds = clock, seconds
        self.customers: dict[str, CustomerContext] = {}
        self.asked: list[list[str]] = []
        self.failure: Exception | None = None
        self.slowness = 0.0

    def add(self, key: str, *, tier: str | None = None, minutes_ago: float = 600) -> None:
        order = ShopOrder(name=f"#{len(self.customers) + 1000}", financial_status="paid",
                          fulfillment_status="unfulfilled", total=Decimal("40"), currency="EUR",
                          created_at=self.clock() - timedelta(minutes=minutes_ago))  # fmt: skip
        self.customers[key] = CustomerContext(
            shop="shopify", customer_id=key, orders_count=12, total_spent=Decimal(1840),
            currency="EUR", vip_tier=tier, last_orders=(order,),
        )  # fmt: skip

    def contexts(self, keys: Sequence[str]) -> Mapping[str, CustomerContext]:
        self.asked.append(list(keys))
        self.seconds.now += self.slowness
        if self.failure is not None:
            raise self.failure
        return {key: self.customers[key] for key in keys if key in self.customers}

    def traffic(self) -> None:
        return None  # no HTTP


@pytest.fixture
def seconds() -> Seconds:
    return Seconds()


@pytest.fixture
def rig(tmp_path: Path, clock: FakeClock) -> Rig:
    made = Rig(Store.open(f"sqlite:///{tmp_path / 's.sqlite3'}", "replica-a", clock()), clock)
    made.pipeline.router = PolicyFile.model_validate(RULES).router()
    made.desk.add_agent("ann", skills={"senior": 5})
    made.desk.add_agent("bob", skills={"address_change": 5})
    made.desk.add_agent("cy")
    return made


def _attach(rig: Rig, shop: Shop, seconds: Seconds, metrics: Metrics | None = None) -> None:
    rig.pipeline.shop_context = ShopContext(shop, rig.store.customers, SETTINGS, seconds, metrics)


@pytest.fixture
def shop(rig: Rig, clock: FakeClock, seconds: Seconds) -> FakeShop:
    fake = FakeShop(clock, seconds)
    _attach(rig, fake, seconds)
    return fake


def _trace(rig: Rig, ticket_id: str) -> dict[str, Any]:
    (decision,) = rig.store.decisions.history(ticket_id)
    trace: dict[str, Any] = decision["trace"]
    return trace | {"agent": decision["agent"]}


def test_vip_and_fresh_unfulfilled_orders_route_by_their_rules_with_the_context_traced(
    rig: Rig, shop: FakeShop
) -> None:
    shop.add("vip@x.test", tier="gold")
    shop.add("fresh@x.test", minutes_ago=40)
    rig.desk.new_ticket("1", requester_email="vip@x.test")
    rig.desk.new_ticket("2", requester_email="fresh@x.test")
    rig.cycle()
    vip, fresh = _trace(rig, "1"), _trace(rig, "2")
    assert (vip["agent"], vip["matched_rules"]) == ("ann", ["vip-to-senior"])
    assert vip["notes"][0] == "VIP gold: 12 orders, 1,840 EUR"
    assert (fresh["agent"], fresh["matched_rules"]) == ("bob", ["address-change-window"])
    assert fresh["notes"][1] == "order #1001 unfulfilled, paid, placed 40 min ago"
    assert shop.asked == [["fresh@x.test", "vip@x.test"]]


def test_a_requesters_context_is_reused_from_the_store_until_the_ttl_passes(
    rig: Rig, shop: FakeShop, clock: FakeClock
) -> None:
    shop.add("vip@x.test", tier="gold")
    for number, wait in (("1", 0), ("2", SETTINGS.ttl_seconds - 60), ("3", 120)):
        clock.advance(wait)
        rig.desk.new_ticket(number, requester_email="vip@x.test")
        rig.cycle()
        assert _trace(rig, number)["matched_rules"] == ["vip-to-senior"]
    assert shop.asked == [["vip@x.test"], ["vip@x.test"]]  # the third came after the TTL


def test_a_requester_the_shop_does_not_know_is_remembered_as_unknown(
    rig: Rig, shop: FakeShop
) -> None:
    for number in ("1", "2"):
        rig.desk.new_ticket(number, requester_email="stranger@x.test")
        rig.cycle()
        assert not any("customer" in note for note in _trace(rig, number)["notes"])
    assert shop.asked == [["stranger@x.test"]]


def test_a_failing_shop_routes_every_ticket_anyway_and_rests_before_it_is_asked_again(
    rig: Rig, shop: FakeShop, seconds: Seconds
) -> None:
    shop.add("vip@x.test", tier="gold")
    shop.failure = RetriableError("POST /graphql.json: HTTP 503: unavailable", status=503)
    rig.desk.new_ticket("1", requester_email="vip@x.test")
    rig.cycle()
    trace = _trace(rig, "1")
    assert trace["agent"] is not None and trace["matched_rules"] == []
    assert trace["notes"][0] == (
        "customer context unavailable: shopify: POST /graphql.json: HTTP 503: unavailable"
    )
    rig.desk.new_ticket("2", requester_email="vip@x.test")
    rig.cycle()
    assert len(shop.asked) == 1  # resting: the second pass did not wait on the shop
    assert _trace(rig, "2")["notes"][0].startswith("customer context unavailable")
    shop.failure = None
    seconds.now += COOL_OFF_SECONDS
    rig.desk.new_ticket("3", requester_email="vip@x.test")
    rig.cycle()
    assert _trace(rig, "3")["matched_rules"] == ["vip-to-senior"]


def test_an_unexpected_error_in_a_shop_connector_still_routes_the_ticket(
    rig: Rig, shop: FakeShop
) -> None:
    shop.failure = KeyError("amountSpent")
    rig.desk.new_ticket("1", requester_email="vip@x.test")
    rig.cycle()
    trace = _trace(rig, "1")
    assert trace["agent"] is not None
    assert trace["notes"][0] == (
        "customer context unavailable: shopify: unexpected KeyError: 'amountSpent'"
    )


def test_a_slow_shop_gets_the_passs_budget_and_the_rest_route_without_context(
    rig: Rig, shop: FakeShop
) -> None:
    shop.slowness = SETTINGS.budget_seconds  # one batch of two spends the whole budget
    for number in range(4):
        shop.add(f"c{number}@x.test", tier="gold")
        rig.desk.new_ticket(str(number), requester_email=f"c{number}@x.test")
    rig.cycle()
    assert len(shop.asked) == 1
    notes = [_trace(rig, str(number))["notes"][0] for number in range(4)]
    assert notes[:2] == ["VIP gold: 12 orders, 1,840 EUR"] * 2
    assert notes[2:] == ["customer context unavailable: shopify lookups took the pass's 5s"] * 2
    assert all(_trace(rig, str(number))["agent"] for number in range(4))


def test_an_unreachable_shop_over_real_http_leaves_tickets_routed_and_says_why(
    rig: Rig, seconds: Seconds
) -> None:
    settings = ShopSettings(kind="shopify", url="http://127.0.0.1:9", token=SecretStr("t"),
                            timeout_seconds=0.5)  # fmt: skip  # port 9 (discard): nothing listens
    real = build_shop(settings, sleep=lambda _: None)
    assert real is not None
    _attach(rig, real, seconds)
    rig.desk.new_ticket("1", requester_email="someone@x.test")
    rig.cycle()
    trace = _trace(rig, "1")
    assert trace["agent"] is not None
    assert trace["notes"][0].startswith("customer context unavailable: shopify: ")
    assert "connection refused" in trace["notes"][0]


def test_the_store_keeps_each_answer_until_it_is_replaced_on_either_database(
    store: Store, clock: FakeClock
) -> None:
    shop = FakeShop(clock, Seconds())
    shop.add("vip@x.test", tier="gold")
    context = shop.customers["vip@x.test"]
    store.customers.save("shopify", {"vip@x.test": context, "stranger@x.test": None}, clock())
    later = clock.advance(60)
    asked = ["vip@x.test", "stranger@x.test", "new@x.test"]
    found = store.customers.fresh("shopify", asked, later - timedelta(seconds=120))
    assert found == {"vip@x.test": context, "stranger@x.test": None}
    assert store.customers.fresh("shopify", ["vip@x.test"], later) == {}  # older than asked
    assert store.customers.fresh("woocommerce", ["vip@x.test"], clock() - timedelta(hours=1)) == {}
    store.customers.save("shopify", {"vip@x.test": None}, later)  # replaced, not duplicated
    assert store.customers.fresh("shopify", ["vip@x.test"], later) == {"vip@x.test": None}


def test_the_shop_is_asked_by_the_requesters_email_never_by_the_desks_requester_id(
    rig: Rig, shop: FakeShop
) -> None:
    shop.add("vip@x.test", tier="gold")
    rig.desk.new_ticket("1", requester="1903001", requester_email=" VIP@X.test ")
    rig.desk.new_ticket("2", requester="1903002")
    rig.cycle()
    assert shop.asked == [["vip@x.test"]]
    assert _trace(rig, "1")["matched_rules"] == ["vip-to-senior"]
    unknown = _trace(rig, "2")
    assert unknown["agent"] is not None
    assert unknown["notes"][0] == "customer context unavailable: no requester e-mail"


def test_the_cache_holds_no_addresses_and_logs_show_them_masked(
    rig: Rig, shop: FakeShop, caplog: pytest.LogCaptureFixture
) -> None:
    shop.add("vip@x.test", tier="gold")
    rig.desk.new_ticket("1", requester_email="vip@x.test")
    with caplog.at_level(logging.DEBUG, logger="deskroute"):
        rig.cycle()
    with rig.store.engine.connect() as conn:
        keys = [row.key for row in conn.execute(sa.select(schema.customer_contexts.c.key))]
    assert keys == [cache_key("vip@x.test")] and "@" not in keys[0]
    logged = " ".join(f"{r.getMessage()} {getattr(r, 'fields', '')}" for r in caplog.records)
    assert "v***@x.test" in logged and "vip@x.test" not in logged


@pytest.mark.parametrize(
    ("email", "shown"),
    [
        pytest.param("customer1903@customers.invalid", "c***@customers.invalid", id="address"),
        pytest.param("not-an-address", "***", id="no-domain"),
    ],
)
def test_an_address_is_masked_to_its_first_letter_and_domain(email: str, shown: str) -> None:
    assert masked(email) == shown


def test_shop_look_ups_are_measured_hits_misses_failures_and_time(
    rig: Rig, shop: FakeShop, seconds: Seconds
) -> None:
    _attach(rig, shop, seconds, rig.metrics)
    shop.add("vip@x.test", tier="gold")
    shop.slowness = 0.4
    rig.desk.new_ticket("1", requester_email="vip@x.test")
    rig.cycle()  # a miss: the shop is asked
    rig.desk.new_ticket("2", requester_email="vip@x.test")
    rig.cycle()  # a hit: the store answers
    shop.failure = RetriableError("POST /graphql.json: HTTP 503: unavailable", status=503)
    rig.desk.new_ticket("3", requester_email="new@x.test")
    rig.cycle()
    m = rig.metrics
    assert sample(m, "deskroute_shop_cache_total", result="hit") == 1
    assert sample(m, "deskroute_shop_cache_total", result="miss") == 2
    assert sample(m, "deskroute_shop_failures_total", shop="shopify") == 1
    assert sample(m, "deskroute_shop_request_seconds_count", shop="shopify") == 2
    assert sample(m, "deskroute_shop_request_seconds_sum", shop="shopify") == pytest.approx(0.8)
    assert sample(m, "deskroute_shop_request_seconds_bucket", shop="shopify", le="0.5") == 2


@responses.activate
def test_shop_requests_are_counted_by_shop_endpoint_and_status() -> None:
    graphql = f"{SETTINGS.url}/admin/api/{SETTINGS.api_version}/graphql.json"
    responses.post(graphql, status=503)
    shop = build_shop(SETTINGS, sleep=lambda _: None)
    assert shop is not None
    with pytest.raises(RetriableError):
        shop.contexts(["a@x.test"])
    metrics = Metrics()
    metrics.watch_shop_traffic(shop.name, shop.traffic)
    endpoint = f"POST /admin/api/{SETTINGS.api_version}/graphql.json"
    assert sample(metrics, "deskroute_shop_requests_total", shop="shopify", endpoint=endpoint,
                  status="503") == 2  # fmt: skip  # the first try and its one retry
    assert sample(metrics, "deskroute_shop_retries_total", shop="shopify", endpoint=endpoint) == 1
