"""The sandbox as one object: desk, limits, faults, traffic and webhooks, with options."""

from __future__ import annotations

import random
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from connectors.plans import ZENDESK_ENDPOINTS, plan_limit
from sandbox.accounts import SANDBOX_WEBHOOK_SECRET
from sandbox.gate import GateConfig
from sandbox.limits import Faults, RateLimiter, TrafficStats
from sandbox.seed import new_ticket, seed_desk
from sandbox.store import CUSTOMER, Desk
from sandbox.texts import load_texts
from sandbox.traffic import Humans, TrafficGenerator, TrafficRates
from sandbox.webhooks import WebhookSender


@dataclass
class SandboxOptions:
    """Everything ``start_sandbox`` and ``deskroute sandbox`` accept (all optional)."""

    zendesk_plan: str = "professional"
    freshdesk_plan: str = "pro"
    rate_limit: int | None = None
    """Account-wide requests per window for both faces; overrides the plans."""
    rate_window: float = 60.0
    """Seconds per rate-limit window (scale it down for fast benchmarks)."""
    rate_limits: bool = True
    agents: int = 12
    tickets: int = 0
    seed: int = 7
    texts: Path | None = None
    job_delay: float = 0.05
    export_lag: float = 0.0
    """Seconds Zendesk's incremental export holds back recent changes (60 on real accounts)."""
    page_wall: int = 300
    """Freshdesk's last listable page (300 on real accounts; lower it to test the wall)."""
    faults: Faults = field(default_factory=Faults)
    traffic: TrafficRates = field(default_factory=TrafficRates)
    webhook_url: str | None = None
    webhook_secret: str = SANDBOX_WEBHOOK_SECRET

    def limits(self) -> dict[str, int]:
        """Requests per window for each limited key of the gate."""
        zendesk = self.rate_limit or plan_limit("zendesk", self.zendesk_plan)
        freshdesk = self.rate_limit or plan_limit("freshdesk", self.freshdesk_plan)
        return {"zendesk": zendesk, "freshdesk": freshdesk,
                "zendesk:export": ZENDESK_ENDPOINTS["export"],
                "zendesk:update": ZENDESK_ENDPOINTS["update"]}


class Sandbox:
    """The help desk behind both API faces, and every knob the control API turns."""

    def __init__(self, options: SandboxOptions) -> None:
        self.options = options
        self.rng = random.Random(options.seed)
        self.desk = Desk()
        self.texts = load_texts(options.texts)
        seed_desk(self.desk, agents=options.agents, rng=self.rng)
        self.gate = GateConfig(faults=options.faults, limits=options.limits(),
                               rate_limits=options.rate_limits)
        self.limiter = RateLimiter(options.rate_window)
        self.stats = TrafficStats()
        self.webhooks = WebhookSender(options.webhook_url, options.webhook_secret)
        self.desk.listeners.append(self.webhooks.on_change)
        self.humans = Humans(self.desk, self.texts, random.Random(options.seed + 1))
        self.traffic = TrafficGenerator(self.humans, random.Random(options.seed + 2))
        self.create_tickets(options.tickets)
        if options.traffic.total() > 0:
            self.traffic.start(options.traffic)

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

    def set_rate_limit(self, requests: int | None, window: float | None = None) -> dict[str, int]:
        """Change the account limit of both faces (None: back to the plans) and the window."""
        self.options.rate_limit = requests
        self.gate.limits = self.options.limits()
        if window is not None:
            self.options.rate_window = window
            self.limiter = RateLimiter(window)
        return self.gate.limits

    def configure_webhook(self, url: str | None, secret: str | None = None) -> None:
        """Send signed webhooks to ``url`` (None: stop sending)."""
        self.webhooks.url = url
        if secret is not None:
            self.webhooks.secret = secret

    def status(self) -> dict[str, Any]:
        """Counts, limits, faults and traffic: what ``GET /_sandbox/status`` shows."""
        with self.desk.lock:
            tickets = list(self.desk.tickets.values())
            agents = list(self.desk.agents.values())
        return {
            "tickets": len(tickets),
            "unassigned_open": sum(t.assignee_id is None and t.status in ("new", "open")
                                   for t in tickets),
            "agents": len(agents), "available_agents": sum(a.available for a in agents),
            "groups": dict(sorted(self.desk.groups.items())),
            "limits": self.gate.limits, "rate_window": self.options.rate_window,
            "rate_limits": self.gate.rate_limits, "faults": self.gate.faults.as_dict(),
            "storm_seconds_left": round(self.gate.storm.left(), 3),
            "traffic": asdict(self.traffic.rates) | {"running": self.traffic.running},
            "webhook_url": self.webhooks.url, "audit_entries": len(self.desk.audit),
        }

    def close(self) -> None:
        """Stop background threads."""
        self.traffic.stop()
        self.webhooks.stop()
