"""Prometheus metrics of one sidecar, on a registry of its own (no global state)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

BudgetReader = Callable[[], float | None]


class Metrics:
    """Counters, gauges and histograms the pipeline and writer update."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.seen = Counter(
            "deskroute_tickets_seen", "New ticket versions taken in.", ["via"], registry=r
        )
        self.routed = Counter(
            "deskroute_tickets_routed", "Decisions recorded, by outcome.", ["outcome"], registry=r
        )
        self.queued = Counter(
            "deskroute_tickets_queued", "Tickets that had to wait for an agent.", registry=r
        )
        self.written = Counter(
            "deskroute_writebacks", "Write-backs finished, by outcome.", ["outcome"], registry=r
        )
        self.write_errors = Counter(
            "deskroute_writeback_errors", "Write-back errors by class.", ["kind"], registry=r
        )
        self.decision_seconds = Histogram(
            "deskroute_decision_seconds",
            "Time to decide one routing pass.",
            buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
            registry=r,
        )
        self.webhooks = Counter(
            "deskroute_webhooks", "Webhook deliveries by help desk and result.",
            ["helpdesk", "result"], registry=r,
        )  # fmt: skip
        self.auth_failures = Counter(
            "deskroute_desk_auth_failures", "Times the help desk refused our credentials "
            "(401/403): jobs paused, nothing parked.", registry=r,
        )  # fmt: skip
        self.recovered = Counter(
            "deskroute_reconcile_recovered", "Open unassigned tickets the reconciliation sweep "
            "took in that intake had not (a lost store, a missed webhook, an outage).", registry=r,
        )  # fmt: skip
        self.queue_depth = Gauge("deskroute_queue_depth", "Tickets waiting.", registry=r)
        self.outbox_depth = Gauge("deskroute_outbox_depth", "Write-backs not sent.", registry=r)
        self.agent_load = Gauge(
            "deskroute_agent_load", "Capacity units each agent holds.", ["agent"], registry=r
        )
        self.leader = Gauge("deskroute_leader", "1 while this replica holds the lease.", registry=r)
        self.store_up = Gauge(
            "deskroute_store_up", "1 while the store answers, 0 during an outage.", registry=r
        )
        self.rate_budget = RateBudget()
        r.register(self.rate_budget)

    def watch_budget(self, read: BudgetReader) -> None:
        """Report the connector's remaining rate budget whenever metrics are scraped."""
        self.rate_budget.read = read

    def set_loads(self, loads: dict[str, float]) -> None:
        """Publish every agent's load."""
        for agent, load in loads.items():
            self.agent_load.labels(agent=agent).set(load)

    def render(self) -> bytes:
        """The text exposition format."""
        return generate_latest(self.registry)


class RateBudget(Collector):
    """``deskroute_rate_budget_remaining``, read from the connector at scrape time.

    A connector without a budget (``budget_left()`` is None) leaves the gauge without a
    sample, which Prometheus reads as "unknown".
    """

    NAME = "deskroute_rate_budget_remaining"
    HELP = "Requests the connector may send now without waiting for its rate budget."

    def __init__(self) -> None:
        self.read: BudgetReader = lambda: None

    def collect(self) -> Iterator[GaugeMetricFamily]:
        """One gauge family; one sample when the connector knows its budget."""
        family = GaugeMetricFamily(self.NAME, self.HELP)
        value = self.read()
        if value is not None:
            family.add_metric([], float(value))
        yield family
