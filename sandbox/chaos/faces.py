"""The help desks a chaos run can face, behind one small interface.

The harness (``sandbox.chaos.harness``) is the same for every desk; a ``Face`` holds what
differs: how replicas reach the desk (``DESKROUTE_HELPDESK`` and ``DESKROUTE_<DESK>__*``),
who deskroute is in the desk's audit, how customers write in and people act, the weather
in front of the desk, and where the audit comes from. The sandbox's Zendesk and Freshdesk
faces live here; Request Tracker's is ``sandbox.chaos.rt_face``.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from sandbox.accounts import SANDBOX_EMAIL
from sandbox.chaos.replicas import zendesk_connection
from sandbox.limits import Faults
from sandbox.server import SandboxHandle, start_sandbox
from sandbox.traffic import TrafficRates

DESKS = ("zendesk", "freshdesk", "rt")
BULK_ROUTES = {
    "zendesk": "zendesk.route.PUT /zendesk/api/v2/tickets/update_many.json",
    "freshdesk": "freshdesk.route.POST /freshdesk/api/v2/tickets/bulk_update",
}
"""The sandbox's request counter of each face's bulk-write endpoint."""
ROUTER_ACTORS = {"zendesk": f"api:{SANDBOX_EMAIL}", "freshdesk": "api:apikey"}
"""Who the sandbox's audit names for deskroute's credentials (``sandbox/gate.py``)."""


@dataclass
class BulkWrites:
    """Bulk-write requests a run sent, and the sizes of the jobs the desk accepted."""

    requests: int = 0
    sizes: list[int] = field(default_factory=list)

    @property
    def tickets(self) -> int:
        """Tickets written through bulk jobs (a ticket retried in a second job counts twice)."""
        return sum(self.sizes)

    def summary(self) -> str:
        """``12 requests, 10 jobs, 340 tickets, size min/median/max 5/31/100`` or ``none``."""
        if not self.requests:
            return "none"
        text = f"{self.requests} requests, {len(self.sizes)} jobs, {self.tickets} tickets"
        if self.sizes:
            text += (
                f", size min/median/max {min(self.sizes)}/"
                f"{statistics.median(self.sizes):g}/{max(self.sizes)}"
            )
        return text


class Face(Protocol):
    """One help desk as a chaos run drives and reads it."""

    name: str
    router_actor: str
    """The actor the desk's audit names for deskroute's writes."""

    def start(self) -> None:
        """Bring the desk (and anything in front of it) up."""

    def env(self) -> dict[str, str]:
        """``DESKROUTE_HELPDESK`` and the ``DESKROUTE_<DESK>__*`` variables of every replica."""

    def create_tickets(self, count: int) -> None:
        """Customers write in ``count`` tickets."""

    def weather(self, faults: Faults) -> None:
        """Set the faults every API request meets from now on."""

    def storm(self, seconds: float, retry_after: int) -> None:
        """Answer every API request 429 for ``seconds`` (0 ends a storm)."""

    def people(self, rates: TrafficRates) -> None:
        """People start acting at ``rates`` (all zero: they stop)."""

    def revoke(self, revoked: bool) -> None:
        """The replicas' credentials are refused (401) while ``revoked``; False restores them."""

    def everyone_online(self) -> None:
        """Every agent takes work again."""

    def waiting(self) -> bool:
        """True while a customer's ticket has no assignee (or is still to be written in)."""

    def audit(self) -> list[dict[str, Any]]:
        """Every change, in order, as ``sandbox.ledger.tally`` reads it."""

    def requests(self) -> dict[str, int]:
        """The desk's answers by status (``status.503``...) and ``requests`` in all."""

    def bulk(self) -> BulkWrites:
        """The bulk writes deskroute sent."""

    def close(self) -> None:
        """Stop everything ``start`` started."""


class SandboxFace:
    """The in-process sandbox, seen through its Zendesk or its Freshdesk API."""

    def __init__(
        self,
        vendor: str,
        *,
        agents: int,
        seed: int,
        profile: str | None = None,
        options: Mapping[str, Any] | None = None,
    ) -> None:
        if vendor not in ROUTER_ACTORS:
            raise ValueError(f"the sandbox has no {vendor!r} face (zendesk or freshdesk)")
        self.name, self.router_actor = vendor, ROUTER_ACTORS[vendor]
        self.agents, self.seed, self.profile = agents, seed, profile
        self.options = dict(options or {})
        self._handle: SandboxHandle | None = None

    @property
    def handle(self) -> SandboxHandle:
        """The running sandbox."""
        if self._handle is None:
            raise RuntimeError("the sandbox face is not started")
        return self._handle

    def start(self) -> None:
        """Start the sandbox: no rate limit to speak of, brisk bulk jobs, quiet logs; the
        profile and options given, the sandbox's realistic defaults otherwise."""
        profile = {f"{self.name}_profile": self.profile} if self.profile else {}
        options = {
            "rate_limit": 100_000,
            "rate_window": 1.0,
            "job_delay": 0.05,
            **profile,
            **self.options,
        }
        self._handle = start_sandbox(
            agents=self.agents,
            seed=self.seed,
            log_level="critical",  # injected resets are not news
            **options,
        )

    def env(self) -> dict[str, str]:
        """The face's URL and credentials, a tight timeout, brisk job polls, no budget."""
        prefix = f"DESKROUTE_{self.name.upper()}__"
        tuning = {
            "RATE_LIMIT_PER_MINUTE": "100000",
            "RATE_WINDOW_SECONDS": "1",
            "TIMEOUT_SECONDS": "2",
            "JOB_POLL_SECONDS": "0.1",
            "MAX_LOAD": "1000",
        }
        return {**self._connection(), **{prefix + key: value for key, value in tuning.items()}}

    def _connection(self) -> dict[str, str]:
        handle = self.handle
        if self.name == "zendesk":
            return zendesk_connection(handle)
        return {
            "DESKROUTE_HELPDESK": "freshdesk",
            "DESKROUTE_FRESHDESK__BASE_URL": handle.freshdesk_url,
            "DESKROUTE_FRESHDESK__API_KEY": handle.api_key,
        }

    def create_tickets(self, count: int) -> None:
        """New unassigned tickets with Bitext texts."""
        self.handle.create_tickets(count)

    def weather(self, faults: Faults) -> None:
        """The gate's faults, for both faces."""
        self.handle.set_faults(**faults.as_dict())

    def storm(self, seconds: float, retry_after: int) -> None:
        """The gate's 429 storm."""
        self.handle.storm(seconds, retry_after)

    def revoke(self, revoked: bool) -> None:
        """The gate refuses every API credential (401) while ``revoked``."""
        self.handle.revoke_credentials(revoked)

    def people(self, rates: TrafficRates) -> None:
        """The sandbox's simulated people (and customers, if ``rates`` says so)."""
        self.handle.sandbox.traffic.start(rates)

    def everyone_online(self) -> None:
        """Every agent available again."""
        desk = self.handle.sandbox.desk
        for agent_id in list(desk.agents):
            desk.set_availability(agent_id, True, "human:chaos-calm")

    def waiting(self) -> bool:
        """Any ticket without an assignee."""
        desk = self.handle.sandbox.desk
        with desk.lock:
            return any(t.assignee_id is None for t in desk.tickets.values())

    def audit(self) -> list[dict[str, Any]]:
        """The sandbox's own audit log."""
        return self.handle.audit()

    def requests(self) -> dict[str, int]:
        """This face's answers by status."""
        prefix = f"{self.name}."
        return {
            key.removeprefix(prefix): value
            for key, value in self.handle.stats().items()
            if key.startswith(prefix + "status.") or key == prefix + "requests"
        }

    def bulk(self) -> BulkWrites:
        """Bulk requests from the gate's counters; job sizes from the desk's job records."""
        desk = self.handle.sandbox.desk
        with desk.lock:
            sizes = [job.total for job in desk.jobs.values() if job.vendor == self.name]
        return BulkWrites(requests=self.handle.stats().get(BULK_ROUTES[self.name], 0), sizes=sizes)

    def close(self) -> None:
        """Stop the sandbox."""
        if self._handle is not None:
            self._handle.stop()
