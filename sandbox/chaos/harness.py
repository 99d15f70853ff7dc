"""The chaos run: real sidecar replicas against a faulty sandbox, checked from its audit log.

While customers write in at a steady rate, the sandbox answers a share of requests with
503s, hangs past the client's timeout, drops connections and answers slowly; 429 storms
with ``Retry-After`` come and go; agents go on and off line while tickets are being
written; people take unassigned tickets and reassign assigned ones; the sidecar (or, with
two replicas, the current leader) is SIGKILLed at random moments and restarted. Then the
weather calms, everyone comes back online, the run settles, and ``sandbox.ledger.tally``
replays the audit log: every ticket assigned exactly once by deskroute or taken by a
person, no write over a person's choice, and a decision row behind every write.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from sandbox.chaos.replicas import Replica, wait_for
from sandbox.chaos.report import ChaosReport, Kill
from sandbox.chaos.store_view import StoreView
from sandbox.ledger import tally
from sandbox.limits import Faults
from sandbox.server import SandboxHandle, start_sandbox
from sandbox.traffic import TrafficRates

TICK = 0.1
EVIDENCE = 5
"""Tickets whose audit trail a report keeps when an invariant broke."""
MAX_MOVES = 3


def chaos_faults() -> Faults:
    """The issue's weather: 20 % 5xx, some hangs, resets and slow answers."""
    return Faults(error_rate=0.2, timeout_rate=0.01, reset_rate=0.02, slow_rate=0.05,
                  slow_ms=800, timeout_seconds=3.0)


@dataclass
class ChaosPlan:
    """How big and how rough a run is (defaults: the full-size single-replica run)."""

    workdir: Path
    tickets: int = 10_000
    arrival_seconds: float = 600.0
    replicas: int = 1
    database_url: str | None = None
    """None: SQLite in ``workdir`` (one replica); a PostgreSQL URL for several."""
    schema_name: str | None = None
    agents: int = 30
    kill_every: tuple[float, float] = (15.0, 35.0)
    restart_after: tuple[float, float] = (0.5, 2.0)
    storm_every: tuple[float, float] = (20.0, 60.0)
    storm_seconds: tuple[float, float] = (2.0, 5.0)
    storm_retry_after: int = 1
    faults: Faults = field(default_factory=chaos_faults)
    humans: TrafficRates = field(default_factory=lambda: TrafficRates(
        availability_changes_per_minute=20, reassignments_per_minute=30, takes_per_minute=20))
    solve_share: float = 1.0
    """Solves per minute as a share of the arrival rate (keeps the open queue small)."""
    settle_seconds: float = 240.0
    seed: int = 1
    env: dict[str, str] = field(default_factory=dict)
    """Extra ``DESKROUTE_*`` variables for every replica."""


def sidecar_env(plan: ChaosPlan) -> dict[str, str]:
    """Replica settings for the run: brisk jobs, a tight client timeout, no first-reply timer.

    The writer retries sooner and longer than by default (storms here are far denser than a
    real account sees), so a write-back is not parked before the weather calms.
    """
    return {
        "DESKROUTE_ZENDESK__RATE_LIMIT_PER_MINUTE": "100000",
        "DESKROUTE_ZENDESK__RATE_WINDOW_SECONDS": "1",
        "DESKROUTE_ZENDESK__TIMEOUT_SECONDS": "2",
        "DESKROUTE_ZENDESK__JOB_POLL_SECONDS": "0.1",
        "DESKROUTE_ZENDESK__MAX_LOAD": "1000",
        "DESKROUTE_SCHEDULER__POLL_SECONDS": "0.5",
        # a roster read is 5-15 requests, each with a 20 % chance of a 503 and a backoff:
        # re-read it every few seconds and the one job lock spends most of its time there
        "DESKROUTE_SCHEDULER__ROSTER_SECONDS": "10",
        "DESKROUTE_SCHEDULER__DRAIN_SECONDS": "0.3",
        "DESKROUTE_SCHEDULER__WRITE_SECONDS": "0.3",
        "DESKROUTE_SCHEDULER__SWEEP_SECONDS": "1",
        "DESKROUTE_WRITER__RETRY_BASE_SECONDS": "0.5",
        "DESKROUTE_WRITER__RETRY_MAX_SECONDS": "5",
        "DESKROUTE_WRITER__MAX_ATTEMPTS": "100",
        "DESKROUTE_FOLLOW_THROUGH__MAX_REASSIGNMENTS": str(MAX_MOVES),
        **{f"DESKROUTE_FOLLOW_THROUGH__FIRST_REPLY_MINUTES_{p}": "0"
           for p in ("URGENT", "HIGH", "NORMAL", "LOW")},
        "DESKROUTE_LOG_LEVEL": "WARNING",
        **plan.env,
    }


class ChaosRun:
    """One run, step by step: ``start``, ``tick`` until arrivals end, ``calm``, ``settle``."""

    def __init__(self, plan: ChaosPlan) -> None:
        self.plan, self.rng = plan, random.Random(plan.seed)
        self.desk: SandboxHandle | None = None
        self.replicas: list[Replica] = []
        self.view: StoreView | None = None
        self.kills: list[Kill] = []
        self.storms, self.created = 0, 0
        self.started = self.next_kill = self.next_storm = 0.0
        self.restarts: list[tuple[float, Replica]] = []
        self.watching: Kill | None = None

    # --- set-up ---------------------------------------------------------------------------
    def start(self) -> None:
        """Start the sandbox and the replicas; wait for a leader."""
        plan = self.plan
        self.desk = start_sandbox(agents=plan.agents, seed=plan.seed, rate_limit=100_000,
                                  rate_window=1.0, job_delay=0.05,
                                  log_level="critical")  # injected resets are not news
        url = plan.database_url or f"sqlite:///{plan.workdir / 'chaos.sqlite3'}"
        env = sidecar_env(plan)
        if plan.schema_name:
            env["DESKROUTE_STORE__SCHEMA_NAME"] = plan.schema_name
        for index in range(plan.replicas):
            name = f"chaos-{'abcdefgh'[index]}"
            self.replicas.append(Replica(name, self.desk, url, plan.workdir / f"{name}.log",
                                         **env).start())
        if not wait_for(lambda: self.leader() is not None, 60, pause=TICK):
            raise RuntimeError("no replica became leader within 60 s; see the logs in "
                               f"{plan.workdir}")
        self.view = StoreView(url, plan.schema_name)
        self.desk.set_faults(**plan.faults.as_dict())
        per_minute = plan.tickets / plan.arrival_seconds * 60
        self.desk.sandbox.traffic.start(
            replace(plan.humans, solves_per_minute=per_minute * plan.solve_share))
        self.started = time.monotonic()
        self.next_kill = self._after(plan.kill_every)
        self.next_storm = self._after(plan.storm_every)

    # --- the rough part -------------------------------------------------------------------
    def tick(self) -> bool:
        """One step of the storm; False once every ticket has been created."""
        assert self.desk is not None
        elapsed = time.monotonic() - self.started
        due = min(self.plan.tickets, int(self.plan.tickets * elapsed / self.plan.arrival_seconds))
        if due > self.created:
            self.desk.create_tickets(due - self.created)
            self.created = due
        self._restart_due()
        self._watch_takeover()
        if elapsed >= self.next_kill and self.watching is None and not self.restarts:
            self._kill()
        if elapsed >= self.next_storm:
            self.desk.storm(self.rng.uniform(*self.plan.storm_seconds),
                            self.plan.storm_retry_after)
            self.storms += 1
            self.next_storm = elapsed + self.rng.uniform(*self.plan.storm_every)
        return self.created < self.plan.tickets

    def _kill(self) -> None:
        leader = self.leader()
        victim = leader or self.rng.choice(self.replicas)
        victim.kill()
        now = time.monotonic()
        kill = Kill(at=now - self.started, victim=victim.name, was_leader=leader is victim)
        self.kills.append(kill)
        self.watching = kill if kill.was_leader else None
        self.restarts.append((now + self.rng.uniform(*self.plan.restart_after), victim))
        self.next_kill = now - self.started + self.rng.uniform(*self.plan.kill_every)

    def _restart_due(self) -> None:
        now = time.monotonic()
        for entry in [r for r in self.restarts if r[0] <= now]:
            entry[1].start()
            self.restarts.remove(entry)

    def _watch_takeover(self) -> None:
        kill = self.watching
        if kill is None:
            return
        if self.leader() is not None:
            kill.takeover = time.monotonic() - self.started - kill.at
            self.watching = None

    def leader(self) -> Replica | None:
        """The running replica that says it leads, if any."""
        for replica in self.replicas:
            if replica.running and replica.role(timeout=0.5) == "leader":
                return replica
        return None

    # --- calm and settle ------------------------------------------------------------------
    def calm(self) -> None:
        """No more faults, storms, people or absences; every replica back up."""
        assert self.desk is not None
        self.desk.sandbox.traffic.stop()
        self.desk.storm(0)
        self.desk.set_faults(error_rate=0, timeout_rate=0, reset_rate=0, slow_rate=0,
                             latency_ms=0)
        for agent_id in list(self.desk.sandbox.desk.agents):
            self.desk.sandbox.desk.set_availability(agent_id, True, "human:chaos-calm")
        for _, replica in self.restarts:
            replica.start()
        self.restarts.clear()

    def settled(self) -> bool:
        """Every customer's ticket has an assignee and nothing is left to write."""
        assert self.desk is not None and self.view is not None
        desk = self.desk.sandbox.desk
        with desk.lock:
            open_unassigned = any(t.assignee_id is None for t in desk.tickets.values())
        if open_unassigned:
            return False
        outbox = self.view.outbox()
        return outbox.get("pending", 0) + outbox.get("sending", 0) == 0

    def settle(self, progress: Callable[[], None] = lambda: None) -> tuple[bool, float]:
        """Wait until settled (or the plan's limit); returns whether it did and how long."""
        started = time.monotonic()
        deadline = started + self.plan.settle_seconds
        done = False
        while not done and time.monotonic() < deadline:
            progress()
            done = self.settled()
            time.sleep(0.5)
        if done:
            time.sleep(2.0)  # let a last echo come back through the poll before counting
        return done, time.monotonic() - started

    def report(self, settled: bool, settle_seconds: float) -> ChaosReport:
        """Stop the replicas gracefully and replay the audit log."""
        assert self.desk is not None and self.view is not None
        for replica in self.replicas:
            if replica.running:
                replica.terminate()
        counts = self.desk.stats()
        requests = {key.removeprefix("zendesk."): value for key, value in counts.items()
                    if key.startswith("zendesk.status.") or key == "zendesk.requests"}
        audit = self.desk.audit()
        result = tally(audit, router_actor=f"api:{self.desk.email}",
                       decisions=self.view.decided(), max_moves=MAX_MOVES)
        flagged = set((result.unassigned + result.undecided + result.doubled
                       + result.overwritten)[:EVIDENCE])
        evidence: dict[int, list[dict[str, Any]]] = {}
        for entry in audit:
            if entry.get("ticket_id") in flagged:
                evidence.setdefault(entry["ticket_id"], []).append(entry)
        return ChaosReport(
            tally=result, kills=self.kills, storms=self.storms,
            seconds=time.monotonic() - self.started, settle_seconds=settle_seconds,
            settled=settled, requests=requests, outbox=self.view.outbox(),
            states=self.view.states(), evidence=evidence,
        )  # fmt: skip

    def close(self) -> None:
        """Stop everything this run started."""
        for replica in self.replicas:
            replica.ensure_stopped()
        if self.view is not None:
            self.view.close()
        if self.desk is not None:
            self.desk.stop()

    # --- helpers --------------------------------------------------------------------------
    def _after(self, bounds: tuple[float, float]) -> float:
        return self.rng.uniform(*bounds)


def run_chaos(plan: ChaosPlan,
              progress: Callable[[ChaosRun, str], None] | None = None) -> ChaosReport:
    """Run ``plan`` end to end; ``progress(run, phase)`` is called every tick."""
    run = ChaosRun(plan)
    try:
        run.start()
        while run.tick():
            if progress is not None:
                progress(run, "storm")
            time.sleep(TICK)
        run.calm()
        settled, settle_seconds = run.settle(
            (lambda: progress(run, "settle")) if progress is not None else lambda: None)
        return run.report(settled, settle_seconds)
    finally:
        run.close()
