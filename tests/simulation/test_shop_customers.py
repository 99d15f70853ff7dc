"""The simulator knows the customer (issue 19): a scenario's ``customers.shop`` gives every
ticket the shop's view of its customer (a real ``CustomerContext``), the live rule
conditions read it unchanged, and the effect of a rule shows by customer value."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from cli.main import app
from router.customer import CustomerContext
from simulation.metrics import before_shipping
from simulation.records import TicketRecord, columns
from simulation.run import PolicyChoice, parse_choice, simulate
from simulation.scenario import Scenario, ScenarioError, parse_scenario
from simulation.traffic import generate

SHOP: dict[str, Any] = {
    "returning_share": 0.3,
    "returning_orders_mean": 6,
    "order_value": {"mean": 120, "cv": 1.0},
    "vip_spent": 800,
    "recent_order": {
        "categories": {"ORDER": 0.8, "SHIPPING_ADDRESS": 0.5},
        "age_h_mean": 24,
        "fulfil_h_mean": 24,
        "refunded": {"ORDER": 0.1},
    },
}


def shop_desk(
    shop: dict[str, Any] | None = SHOP, horizon_days: float = 4, **traffic: Any
) -> Scenario:
    """A busy always-open desk of two agents whose customers write again and have a shop."""
    customers: dict[str, Any] = {"repeat_share": 0.3, "followup_gap_min": 600}
    if shop is not None:
        customers["shop"] = shop
    data: dict[str, Any] = {
        "name": "shop-desk",
        "seed": 5,
        "horizon_days": horizon_days,
        "drain_days": 2,
        "sla_min": {"urgent": 30, "high": 60, "normal": 240, "low": 1440},
        "agents": [{"team": "desk", "count": 2, "capacity": 1}],
        "traffic": {
            "arrivals": {"rate_per_hour": 9},
            "categories": {
                "ORDER": {"share": 0.5, "handle": {"mean_min": 12}},
                "SHIPPING_ADDRESS": {"share": 0.2, "handle": {"mean_min": 8}},
                "ACCOUNT": {"share": 0.3, "handle": {"mean_min": 10}},
            },
            "customers": customers,
            **traffic,
        },
    }
    return parse_scenario(data, "shop-desk")


def rules_file(tmp_path: Path, *rules: str) -> Path:
    path = tmp_path / "rules.yaml"
    path.write_text("version: 1\nrules:\n" + "".join(rules), encoding="utf-8")
    return path


VIP_URGENT = "  - {name: vip-first, when: {customer: {vip: true}}, then: {set_priority: urgent}}\n"
CHANGE_HIGH = (
    "  - name: change-before-it-ships\n"
    "    when: {all: [{field: type, in: [SHIPPING_ADDRESS, ORDER]},\n"
    "                 {customer: {last_order: {fulfillment: [unfulfilled]}}}]}\n"
    "    then: {set_priority: high}\n"
)


def test_every_ticket_carries_its_customers_shop_context() -> None:
    arrivals = list(generate(shop_desk()))
    contexts = [a.customer.context for a in arrivals if a.customer is not None]
    assert len(contexts) == len(arrivals)
    assert all(isinstance(c, CustomerContext) for c in contexts)
    tiers = {a.customer.value_tier for a in arrivals if a.customer is not None}
    assert tiers == {"vip", "returning", "new"}
    for arrival in arrivals:  # the VIP tag the help desk shows is the shop's own
        assert arrival.customer is not None and arrival.customer.context is not None
        assert arrival.customer.vip == (arrival.customer.context.vip_tier is not None)
        assert arrival.customer.vip == (arrival.customer.context.total_spent >= 800)


def test_only_the_listed_categories_are_about_a_recent_order() -> None:
    about = {"ORDER": 0, "SHIPPING_ADDRESS": 0, "ACCOUNT": 0}
    count = dict.fromkeys(about, 0)
    for arrival in generate(shop_desk(horizon_days=10)):
        assert arrival.customer is not None and arrival.customer.context is not None
        count[arrival.category] += 1
        about[arrival.category] += arrival.customer.context.last_order is not None
    assert about["ACCOUNT"] == 0
    assert about["ORDER"] / count["ORDER"] == pytest.approx(0.8, abs=0.05)
    assert about["SHIPPING_ADDRESS"] / count["SHIPPING_ADDRESS"] == pytest.approx(0.5, abs=0.08)


def test_a_follow_up_keeps_the_customers_value() -> None:
    seen: dict[str, tuple[int, object]] = {}
    for arrival in generate(shop_desk()):
        customer = arrival.customer
        assert customer is not None and customer.context is not None
        value = (customer.context.orders_count, customer.context.total_spent)
        assert seen.setdefault(customer.id, value) == value


def test_adding_a_shop_leaves_who_writes_each_ticket_as_it_was() -> None:
    plain = [a.customer.id for a in generate(shop_desk(shop=None)) if a.customer]
    shop = [a.customer.id for a in generate(shop_desk()) if a.customer]
    assert plain == shop


def test_every_policy_sees_the_same_customers() -> None:
    scenario = shop_desk()

    def seen(choice: PolicyChoice) -> list[tuple[str, str | None, str | None, float]]:
        return sorted(
            (r.ticket, r.customer, r.value_tier, r.ships_at) for r in simulate(scenario, choice)
        )

    first, second = seen(PolicyChoice("round_robin")), seen(PolicyChoice("gcmu"))
    assert [row[:3] for row in first] == [row[:3] for row in second]
    assert all(
        a[3] == b[3] or (math.isnan(a[3]) and math.isnan(b[3]))
        for a, b in zip(first, second, strict=True)
    )


def mean_wait(records: list[TicketRecord], tier: str) -> float:
    waits = [r.assigned - r.arrival for r in records if r.value_tier == tier and r.agent]
    return sum(waits) / len(waits)


def test_a_vip_rule_on_the_shop_context_shortens_vip_waits(tmp_path: Path) -> None:
    scenario = shop_desk()
    plain = simulate(scenario, PolicyChoice("round_robin"))
    vip_first = parse_choice(f"round_robin@{rules_file(tmp_path, VIP_URGENT)}")
    ruled = simulate(scenario, vip_first)
    assert mean_wait(ruled, "vip") < 0.5 * mean_wait(plain, "vip")
    assert mean_wait(ruled, "new") > mean_wait(plain, "new")  # someone pays for it
    assert {r.priority for r in ruled if r.value_tier == "vip"} == {"urgent"}


def test_a_rule_on_unfulfilled_orders_gets_more_changes_in_before_they_ship(
    tmp_path: Path,
) -> None:
    scenario = shop_desk()
    plain = simulate(scenario, PolicyChoice("round_robin"))
    ruled = simulate(scenario, parse_choice(f"round_robin@{rules_file(tmp_path, CHANGE_HIGH)}"))
    for record in ruled:  # exactly the tickets about an unfulfilled order were raised
        if record.category in ("ORDER", "SHIPPING_ADDRESS") and not math.isnan(record.ships_at):
            assert record.priority == "high"
    assert before_shipping(columns(ruled)) > before_shipping(columns(plain))


def test_before_shipping_counts_assignments_before_the_order_shipped() -> None:
    def record(assigned: float, ships_at: float) -> TicketRecord:
        made = TicketRecord("1", "ORDER", "normal", "en", "email", None, 0.0, 60.0)
        made.assigned, made.ships_at = assigned, ships_at
        return made

    records = [record(10, 20), record(30, 20), record(5, math.nan), record(math.nan, 40)]
    assert before_shipping(columns(records)) == pytest.approx(1 / 3)


def test_patience_per_value_tier_scales_the_same_draws() -> None:
    plain = list(generate(shop_desk(patience={"mean_min": 600})))
    vip_short = list(generate(shop_desk(patience={"mean_min": 600, "value_tiers": {"vip": 0.25}})))
    for before, after in zip(plain, vip_short, strict=True):
        assert before.customer is not None
        factor = 0.25 if before.customer.value_tier == "vip" else 1.0
        assert after.patience_min == pytest.approx(before.patience_min * factor)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        pytest.param(
            {"customers": {"vip_share": 0.1, "shop": SHOP}},
            "give vip_share or shop (whose vip_spent decides who is a VIP), not both",
            id="two-vip-sources",
        ),
        pytest.param(
            {"customers": {"shop": {**SHOP, "recent_order": {**SHOP["recent_order"],
                                                            "categories": {"REFUND": 1},
                                                            "refunded": {}}}}},
            "customers.shop.recent_order.categories: unknown category 'REFUND' "
            "(traffic has ORDER, SHIPPING_ADDRESS, ACCOUNT)",
            id="unknown-category",
        ),
        pytest.param(
            {"customers": {"shop": {**SHOP, "recent_order": {**SHOP["recent_order"],
                                                            "refunded": {"ACCOUNT": 1}}}}},
            "refunded: category 'ACCOUNT' is not in recent_order.categories",
            id="refund-of-unlisted-category",
        ),
        pytest.param(
            {"customers": {"shop": {**SHOP, "returning_share": 1.5}}},
            "customers.shop.returning_share: Input should be less than or equal to 1",
            id="share-above-one",
        ),
        pytest.param(
            {"customers": None, "patience": {"mean_min": 60, "value_tiers": {"vip": 0.5}}},
            "patience.value_tiers needs customers.shop (value tiers come from it)",
            id="tiers-without-shop",
        ),
        pytest.param(
            {"patience": {"mean_min": 60, "value_tiers": {"gold": 0.5}}},
            "value_tiers: unknown tier 'gold' (use vip, returning, new, unknown)",
            id="unknown-tier",
        ),
    ],
)  # fmt: skip
def test_a_bad_shop_spec_is_refused_naming_the_field(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(ScenarioError) as error:
        shop_desk(**changes)
    assert message in str(error.value)


def test_on_the_command_line_a_bad_shop_spec_exits_2(tmp_path: Path) -> None:
    scenario = tmp_path / "shop.yaml"
    scenario.write_text(
        "agents: [{id: ann}]\n"
        "traffic:\n"
        "  arrivals: {rate_per_hour: 5}\n"
        "  categories: {ORDER: {share: 1, handle: {mean_min: 5}}}\n"
        "  customers: {vip_share: 0.1, shop: {returning_share: 0.3, returning_orders_mean: 4,\n"
        "              order_value: {mean: 90}}}\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(app, ["simulate", str(scenario), "-n", "2"])
    assert result.exit_code == 2, result.output
    assert "give vip_share or shop" in result.output
    assert isinstance(result.exception, SystemExit)


def test_comparing_a_policy_file_that_does_not_exist_exits_2(tmp_path: Path) -> None:
    shipped = Path(__file__).parents[2] / "config" / "scenarios" / "shopify_small.yaml"
    missing = tmp_path / "nope.yaml"
    result = CliRunner().invoke(app, ["simulate", str(shipped), "-p", f"gcmu@{missing}"])
    assert result.exit_code == 2, result.output
    assert "nope.yaml" in result.output and isinstance(result.exception, SystemExit)


def test_the_repeat_contact_signal_holds_for_a_customer_who_wrote_within_the_window(
    tmp_path: Path,
) -> None:
    rule = "  - {name: again, when: {signal: repeat_contact}, then: {set_priority: high}}\n"
    scenario = shop_desk(shop=None)
    records = simulate(scenario, parse_choice(f"round_robin@{rules_file(tmp_path, rule)}"))
    window = scenario.traffic.customers.repeat_contact_days * 1440  # type: ignore[union-attr]
    first_contacts = [r for r in records if not r.reopen]
    raised = 0
    for record in first_contacts:
        earlier = [
            r
            for r in first_contacts
            if r.customer == record.customer
            and record.arrival - window <= r.arrival < record.arrival
        ]
        assert (record.priority == "high") == bool(earlier), record.ticket
        raised += bool(earlier)
    assert raised > 20


def test_simulate_compares_the_shipped_shop_rules_with_the_desks_rules_by_customer_value() -> None:
    scenarios = Path(__file__).parents[2] / "config" / "scenarios"
    shop_rules = scenarios / "policies" / "shop.yaml"
    result = CliRunner(env={"COLUMNS": "200"}).invoke(
        app,
        [
            "simulate",
            str(scenarios / "shopify_small.yaml"),
            "-p",
            "zendesk_capacity",
            "-p",
            f"zendesk_capacity@{shop_rules}",
            "-n",
            "2",
            "--days",
            "3",
            "--executor",
            "serial",
        ],
    )
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "zendesk_capacity@shop.yaml" in text
    assert "by customer value (shop context)" in text
    for label in ("before it ships", "SLA vip", "SLA returning", "SLA new", "assign vip"):
        assert label in text, label


def test_a_higher_cost_of_delay_for_vips_shortens_their_waits_in_the_simulator() -> None:
    scenario = shop_desk()
    plain = simulate(scenario, PolicyChoice("gcmu", {"by": "value_tier"}))
    costly = simulate(
        scenario, PolicyChoice("gcmu", {"by": "value_tier", "costs": {"vip": 8, "new": 1}})
    )
    assert mean_wait(costly, "vip") < 0.5 * mean_wait(plain, "vip")
    assert mean_wait(costly, "new") > mean_wait(plain, "new")
