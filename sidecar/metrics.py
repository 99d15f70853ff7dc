"""Prometheus metrics of one sidecar, on a registry of its own (no global state)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from connectors.transport import TransportStats
from sidecar.store.gauges import QueueGauges

BudgetReader = Callable[[], float | None]
TrafficReader = Callable[[], TransportStats | None]

ASSIGNMENT_BUCKETS = (10, 30, 60, 120, 300, 600, 1800, 3600, 7200, 14400, 28800, 86400)
"""Seconds from a ticket's creation to our assignment landing in the help desk: from
webhook-fast to a ticket that waited overnight."""


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
        self.oldest_waiting = Gauge(
            "deskroute_oldest_waiting_seconds",
            "How long the longest-waiting ticket has waited (0: none waits).", registry=r,
        )  # fmt: skip
        self.waiting = Gauge(
            "deskroute_waiting_tickets", "Tickets waiting, by the check that left nobody "
            "(skill, capacity, availability...; undecided: not decided yet).", ["reason"],
            registry=r,
        )  # fmt: skip
        self.parked = Gauge(
            "deskroute_parked_tickets", "Tickets whose write-back the help desk refused for "
            "good: a person has to look.", registry=r,
        )  # fmt: skip
        self.shadow_agreement = Gauge(
            "deskroute_shadow_agreement_ratio", "Share of shadow decisions where a person "
            "chose the same agent (no sample before any comparison).", registry=r,
        )  # fmt: skip
        self.time_to_assignment = Histogram(
            "deskroute_time_to_assignment_seconds",
            "From a ticket's creation to our assignment written in the help desk.",
            buckets=ASSIGNMENT_BUCKETS, registry=r,
        )  # fmt: skip
        self.moves = Counter(
            "deskroute_followthrough_moves", "Tickets moved off an unavailable assignee, "
            "by cause (offline, reopened...).", ["cause"], registry=r,
        )  # fmt: skip
        self.job_failures = Counter(
            "deskroute_job_failures", "Scheduled job runs that failed, by job.", ["job"],
            registry=r,
        )  # fmt: skip
        self.job_success = Gauge(
            "deskroute_job_last_success_timestamp_seconds",
            "When each scheduled job last ran through (Unix time).", ["job"], registry=r,
        )  # fmt: skip
        self.outbox_depth = Gauge("deskroute_outbox_depth", "Write-backs not sent.", registry=r)
        self.agent_load = Gauge(
            "deskroute_agent_load", "Capacity units each agent holds.", ["agent", "name"],
            registry=r,
        )  # fmt: skip
        self.leader = Gauge("deskroute_leader", "1 while this replica holds the lease.", registry=r)
        self.store_up = Gauge(
            "deskroute_store_up", "1 while the store answers, 0 during an outage.", registry=r
        )
        self.rate_budget = RateBudget()
        r.register(self.rate_budget)
        self.traffic = ConnectorTraffic()
        r.register(self.traffic)
        self.shop_traffic = ConnectorTraffic(SHOP_TRAFFIC)
        r.register(self.shop_traffic)
        self.shop_cache = Counter(
            "deskroute_shop_cache", "Requester look-ups, by whether the store had a fresh "
            "answer (hit) or the shop had to be asked (miss).", ["result"], registry=r,
        )  # fmt: skip
        self.shop_failures = Counter(
            "deskroute_shop_failures", "Shop look-up batches that failed (tickets routed "
            "without context), by shop.", ["shop"], registry=r,
        )  # fmt: skip
        self.shop_seconds = Histogram(
            "deskroute_shop_request_seconds", "Time the shop took to answer one batch of "
            "look-ups (failed ones too), by shop.", ["shop"], buckets=SHOP_BUCKETS, registry=r,
        )  # fmt: skip

    def watch_budget(self, read: BudgetReader) -> None:
        """Report the connector's remaining rate budget whenever metrics are scraped."""
        self.rate_budget.read = read

    def watch_traffic(self, desk: str, read: TrafficReader) -> None:
        """Report the connector's requests by endpoint whenever metrics are scraped."""
        self.traffic.desk, self.traffic.read = desk, read

    def watch_shop_traffic(self, shop: str, read: TrafficReader) -> None:
        """Report the shop connector's requests by endpoint whenever metrics are scraped."""
        self.shop_traffic.desk, self.shop_traffic.read = shop, read

    def set_loads(self, loads: Mapping[str, float], names: Mapping[str, str]) -> None:
        """Publish every agent's load, labelled with their name where the roster knows it."""
        self.agent_load.clear()
        for agent, load in loads.items():
            self.agent_load.labels(agent=agent, name=names.get(agent, "")).set(load)

    def set_queue(self, gauges: QueueGauges) -> None:
        """Publish the waiting queue and the parked tickets."""
        self.oldest_waiting.set(gauges.oldest_waiting_s or 0.0)
        self.waiting.clear()
        for reason, count in gauges.waiting.items():
            self.waiting.labels(reason=reason).set(count)
        self.parked.set(gauges.parked)

    def job_ran(self, job: str, ok: bool, at: datetime) -> None:
        """Count one run of a scheduled job: its success time, or a failure."""
        if ok:
            self.job_success.labels(job=job).set(at.timestamp())
        else:
            self.job_failures.labels(job=job).inc()

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


@dataclass(frozen=True, slots=True)
class TrafficNames:
    """What a ``ConnectorTraffic`` collector's families are called and labelled."""

    prefix: str
    label: str
    """The label naming whose traffic it is (``desk``, ``shop``)."""
    peer: str
    """Who the requests go to, for the help text."""


DESK_TRAFFIC = TrafficNames("deskroute_connector", "desk", "the help desk")
SHOP_TRAFFIC = TrafficNames("deskroute_shop", "shop", "the shop")
SHOP_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10)
"""Seconds per batch of shop look-ups: a shop has a few seconds at most (its timeout)."""


class ConnectorTraffic(Collector):
    """``<prefix>_requests_total`` and ``<prefix>_retries_total``, read from a connector's
    transport at scrape time (labels: desk or shop, endpoint, status)."""

    def __init__(self, names: TrafficNames = DESK_TRAFFIC) -> None:
        self.names = names
        self.desk = ""
        self.read: TrafficReader = lambda: None

    def collect(self) -> Iterator[CounterMetricFamily]:
        """Two counter families; no samples for a connector that does no HTTP."""
        names = self.names
        requests = CounterMetricFamily(
            f"{names.prefix}_requests",
            f"Requests sent to {names.peer}, by endpoint and answer (status 'error': none came).",
            labels=[names.label, "endpoint", "status"],
        )
        retries = CounterMetricFamily(
            f"{names.prefix}_retries",
            "Requests sent again after a retriable failure, by endpoint.",
            labels=[names.label, "endpoint"],
        )
        stats = self.read()
        if stats is not None:
            for call, count in sorted(stats.calls.items(), key=lambda item: repr(item[0])):
                requests.add_metric([self.desk, call.endpoint, call.status], count)
            for endpoint, count in sorted(stats.retried.items()):
                retries.add_metric([self.desk, endpoint], count)
        yield requests
        yield retries
