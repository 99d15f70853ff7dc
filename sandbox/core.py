"""The sandbox as one object: desk, profiles, limits, faults, traffic and webhooks, with options."""

from __future__ import annotations

import random
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from connectors.plans import ZENDESK_ENDPOINTS, plan_limit
from sandbox.accounts import SANDBOX_WEBHOOK_SECRET
from sandbox.gate import GateConfig
from sandbox.limits import Faults, RateLimiter, TrafficStats
from sandbox.profiles import (
    DEFAULT_FRESHDESK,
    DEFAULT_ZENDESK,
    freshdesk_profile,
    zendesk_profile,
)
from sandbox.routing_data import SCHEDULE_KINDS, SkillCatalog, schedules
from sandbox.search import SearchIndex
from sandbox.seed import new_ticket, seed_desk
from sandbox.shop_book import ShopBook
from sandbox.shopify_api import CostBucket
from sandbox.store import CUSTOMER, Desk, utcnow
from sandbox.texts import foreign_texts, load_texts, mixed
from sandbox.traffic import Humans, TrafficGenerator, TrafficRates
from sandbox.webhooks import WebhookSender


@dataclass
class SandboxOptions:
    """Everything ``start_sandbox`` and ``deskroute sandbox`` accept (all optional)."""

    zendesk_profile: str = DEFAULT_ZENDESK
    """The Zendesk account variant to imitate (``sandbox.profiles.PROFILES``)."""
    freshdesk_profile: str = DEFAULT_FRESHDESK
    zendesk_plan: str | None = None
    """A plan whose rate limit replaces the profile's (None: the profile's plan)."""
    freshdesk_plan: str | None = None
    rate_limit: int | None = None
    """Account-wide requests per window for both faces; overrides the plans."""
    rate_window: float = 60.0
    """Seconds per rate-limit window (scale it down for fast benchmarks)."""
    rate_limits: bool = True
    agents: int = 12
    tickets: int = 0
    seed: int = 7
    texts: Path | None = None
    foreign_share: float = 0.2
    """Share of new tickets written in German, Spanish or French (``sandbox.texts``)."""
    job_delay: float = 0.05
    export_lag: float = 60.0
    """Seconds Zendesk's incremental export holds back recent changes (a minute, as real
    accounts do)."""
    search_lag: float = 120.0
    """Seconds both faces' search indexes trail the desk ("up to a few minutes" on real
    accounts); 0 makes search instantly consistent."""
    schedule: str = "24/7"
    """The hours the account's schedules hold: ``24/7`` or ``office`` (Mon-Fri 09-17, Berlin)."""
    bulk_safe_update: bool | None = None
    """Whether ``update_many`` honours per-ticket safe updates (None: the profile says)."""
    page_wall: int = 300
    """Freshdesk's last listable page (300 on real accounts; lower it to test the wall)."""
    faults: Faults = field(default_factory=Faults)
    traffic: TrafficRates = field(default_factory=TrafficRates)
    webhook_url: str | None = None
    webhook_secret: str = SANDBOX_WEBHOOK_SECRET
    shop_points: float = 1000.0
    """The Shopify face's cost bucket (points) and its refill a second (shopify.dev: a
    bucket and restore rate per plan)."""
    shop_restore: float = 50.0
    woocommerce_limit: int = 120
    """Requests per window the WooCommerce face takes (WordPress has no limit; a host's)."""

    def __post_init__(self) -> None:
        zendesk_profile(self.zendesk_profile)
        freshdesk_profile(self.freshdesk_profile)
        if self.schedule not in SCHEDULE_KINDS:
            raise ValueError(
                f"unknown schedule {self.schedule!r} (known: {', '.join(SCHEDULE_KINDS)})"
            )
        if self.search_lag < 0 or self.export_lag < 0:
            raise ValueError("search_lag and export_lag must be >= 0 seconds")
        if not 0 <= self.foreign_share < 1:
            raise ValueError("foreign_share must be at least 0 and below 1")

    def limits(self) -> dict[str, int]:
        """Requests per window for each limited key of the gate."""
        zendesk = self.rate_limit or plan_limit(
            "zendesk", self.zendesk_plan or zendesk_profile(self.zendesk_profile).plan
        )
        freshdesk = self.rate_limit or plan_limit(
            "freshdesk", self.freshdesk_plan or freshdesk_profile(self.freshdesk_profile).plan
        )
        return {
            "zendesk": zendesk,
            "freshdesk": freshdesk,
            "woocommerce": self.rate_limit or self.woocommerce_limit,
            "zendesk:export": ZENDESK_ENDPOINTS["export"],
            "zendesk:update": ZENDESK_ENDPOINTS["update"],
        }


class Sandbox:
    """The help desk behind both API faces, and every knob the control API turns."""

    def __init__(self, options: SandboxOptions) -> None:
        self.options = options
        self.zendesk_profile = zendesk_profile(options.zendesk_profile)
        self.freshdesk_profile = freshdesk_profile(options.freshdesk_profile)
        self.started_at = utcnow()
        self.rng = random.Random(options.seed)
        self.desk = Desk()
        self.desk.bulk_safe_update = self.bulk_safe_update
        self.texts = mixed(load_texts(options.texts), foreign_texts(), options.foreign_share)
        seed_desk(self.desk, agents=options.agents, rng=self.rng)
        self.gate = GateConfig(
            faults=options.faults, limits=options.limits(), rate_limits=options.rate_limits
        )
        self.limiter = RateLimiter(options.rate_window)
        self.stats = TrafficStats()
        self.shop_book = ShopBook(options.seed, self.started_at)
        """The shop faces' customers: the desk's requesters (``sandbox.shop_book``)."""
        self.shop_cost = CostBucket(options.shop_points, options.shop_restore)
        self.webhooks = WebhookSender(options.webhook_url, options.webhook_secret)
        self.search_index = SearchIndex(self.desk, options.search_lag)
        self.skills = SkillCatalog(self.desk, self.started_at)
        self.schedules = schedules(
            self.zendesk_profile.schedules, options.schedule, self.started_at
        )
        self._listen()
        self.humans = Humans(
            self.desk, self.texts, random.Random(options.seed + 1), spend=self.spend_update
        )
        self.traffic = TrafficGenerator(self.humans, random.Random(options.seed + 2))
        self.create_tickets(options.tickets)
        self.search_index.settle()  # the tickets the account starts with are indexed
        if options.traffic.total() > 0:
            self.traffic.start(options.traffic)

    def _listen(self) -> None:
        """Hook webhooks, the search index and (with the skills API) skill rules to changes."""
        self.desk.listeners.append(self.webhooks.on_change)
        self.desk.listeners.append(self.search_index.on_change)
        if self.zendesk_profile.skills_api:
            self.desk.listeners.append(self.skills.on_change)

    @property
    def bulk_safe_update(self) -> bool:
        """Whether ``update_many`` honours per-ticket safe updates on this sandbox."""
        chosen = self.options.bulk_safe_update
        return self.zendesk_profile.bulk_safe_update if chosen is None else chosen

    def spend_update(self) -> None:
        """A person changed a ticket in the UI: it counts toward Zendesk's Update Ticket
        limit, which the API shares (support article 8638126078234)."""
        self.limiter.spend("zendesk:update", self.gate.limits["zendesk:update"])

    def create_tickets(self, count: int, actor: str = CUSTOMER) -> list[int]:
        """Create ``count`` unassigned tickets now; returns their ids."""
        return [new_ticket(self.desk, self.texts, self.rng, actor) for _ in range(count)]

    def set_faults(self, **changes: float) -> Faults:
        """Change fault rates/latency (unknown names raise ValueError)."""
        for name, value in changes.items():
            if not hasattr(self.gate.faults, name):
                raise ValueError(f"unknown fault {name!r}")
            setattr(self.gate.faults, name, float(value))
        return self.gate.faults

    def storm(self, seconds: float, retry_after: int = 1) -> float:
        """A 429 storm: every API request is refused for ``seconds`` (0 ends one now)."""
        if seconds == 0:
            self.gate.storm.stop()
        else:
            self.gate.storm.start(seconds, retry_after)
        return self.gate.storm.left()

    def revoke_credentials(self, revoked: bool = True) -> None:
        """Refuse every API credential with 401 from now on (False: accept them again)."""
        self.gate.revoked = revoked

    def set_rate_limit(self, requests: int | None, window: float | None = None) -> dict[str, int]:
        """Change the account limit of both faces (None: back to the plans) and the window."""
        self.options.rate_limit = requests
        self.gate.limits = self.options.limits()
        if window is not None:
            self.options.rate_window = window
            self.limiter = RateLimiter(window)
        return self.gate.limits

    def configure_webhook(
        self,
        url: str | None,
        secret: str | None = None,
        *,
        duplicate_share: float = 0.0,
        replay_share: float = 0.0,
    ) -> None:
        """Send signed webhooks to ``url`` (None: stop sending), sending a share of them
        twice under one invocation id and replaying a share byte for byte."""
        self.webhooks.url = url
        if secret is not None:
            self.webhooks.secret = secret
        self.webhooks.duplicate_share, self.webhooks.replay_share = duplicate_share, replay_share

    def status(self) -> dict[str, Any]:
        """Counts, limits, faults and traffic: what ``GET /_sandbox/status`` shows."""
        with self.desk.lock:
            tickets = list(self.desk.tickets.values())
            agents = list(self.desk.agents.values())
        return {
            "profiles": {
                "zendesk": self.zendesk_profile.name,
                "freshdesk": self.freshdesk_profile.name,
            },
            "search_lag": self.search_index.lag,
            "export_lag": self.options.export_lag,
            "schedule": self.options.schedule,
            "bulk_safe_update": self.bulk_safe_update,
            "tickets": len(tickets),
            "unassigned_open": sum(
                t.assignee_id is None and t.status in ("new", "open") for t in tickets
            ),
            "agents": len(agents),
            "available_agents": sum(a.available for a in agents),
            "groups": dict(sorted(self.desk.groups.items())),
            "limits": self.gate.limits,
            "rate_window": self.options.rate_window,
            "rate_limits": self.gate.rate_limits,
            "faults": self.gate.faults.as_dict(),
            "storm_seconds_left": round(self.gate.storm.left(), 3),
            "traffic": asdict(self.traffic.rates) | {"running": self.traffic.running},
            "webhook_url": self.webhooks.url,
            "audit_entries": len(self.desk.audit),
        }

    def close(self) -> None:
        """Stop background threads."""
        self.traffic.stop()
        self.webhooks.stop()
