"""The chaos run: real sidecar replicas against a faulty help desk, checked from its audit.

While customers write in at a steady rate, the desk answers a share of requests with
503s, hangs past the client's timeout, drops connections and answers slowly; 429 storms
with ``Retry-After`` come and go; now and then the desk is down altogether for a while
(an outage) while customers keep writing in, and a backlog waits when the run starts (a
Monday morning), so bulk writes happen; agents go on and off line while tickets are being
written; people take unassigned tickets and reassign assigned ones; the sidecar (or, with
two replicas, the current leader) is SIGKILLed at random moments and restarted. Then the
weather calms, everyone comes back online, the run settles, and ``sandbox.ledger.tally``
replays the audit: every ticket assigned exactly once by deskroute or taken by a person,
no write over a person's choice, and a decision row behind every write.

The desk is a ``Face`` (``sandbox.chaos.faces``): the sandbox's Zendesk or Freshdesk API,
or a real Request Tracker behind a fault proxy (``sandbox.chaos.rt_face``).
"""

from __future__ import annotations

import json
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from sandbox import SandboxHandle
from sandbox.chaos.faces import DESKS, Face, SandboxFace
from sandbox.chaos.replicas import Replica, wait_for
from sandbox.chaos.report import ChaosReport, Kill
from sandbox.chaos.store_loss import LostStores, delete_store
from sandbox.chaos.store_view import StoreView
from sandbox.ledger import Tally, tally
from sandbox.limits import Faults
from sandbox.traffic import TrafficRates

TICK = 0.1
EVIDENCE = 5
"""Tickets whose audit trail a report keeps when an invariant broke."""
MAX_MOVES = 3
AUDIT_FILE = "audit.jsonl"
"""The replayed audit, kept in the run's work directory."""
OUTAGE = Faults(error_rate=1.0)
"""The desk during an outage: every API request answers 503."""


@dataclass
class Outages:
    """When the desk goes down and comes back, by seconds into the run.

    The first outage comes one gap (``every``) after the start; each lasts ``lasting``; the
    next comes one gap after the last one ended. ``every`` None: never.
    """

    every: tuple[float, float] | None
    lasting: tuple[float, float]
    rng: random.Random
    count: int = 0
    next_at: float = float("inf")
    ends_at: float = float("inf")

    def __post_init__(self) -> None:
        if self.every is not None:
            self.next_at = self.rng.uniform(*self.every)

    def step(self, elapsed: float) -> str | None:
        """``down`` when an outage starts now, ``up`` when one ends, else None."""
        if elapsed >= self.ends_at:
            assert self.every is not None
            self.ends_at, self.next_at = float("inf"), elapsed + self.rng.uniform(*self.every)
            return "up"
        if elapsed >= self.next_at:
            self.count += 1
            self.next_at, self.ends_at = float("inf"), elapsed + self.rng.uniform(*self.lasting)
            return "down"
        return None

    def stop(self) -> None:
        """No more outages (the one under way is ended by whoever resets the weather)."""
        self.next_at = self.ends_at = float("inf")


def chaos_faults() -> Faults:
    """The issue's weather: 20 % 5xx, some hangs, resets and slow answers."""
    return Faults(
        error_rate=0.2,
        timeout_rate=0.01,
        reset_rate=0.02,
        slow_rate=0.05,
        slow_ms=800,
        timeout_seconds=3.0,
    )


@dataclass
class ChaosPlan:
    """How big and how rough a run is (defaults: the full-size single-replica run)."""

    workdir: Path
    desk: str = "zendesk"
    """``zendesk`` or ``freshdesk`` (the sandbox's faces) or ``rt`` (a real Request Tracker)."""
    profile: str | None = None
    """A sandbox account profile (``sandbox.profiles``); None: the sandbox's default."""
    sandbox_options: dict[str, Any] = field(default_factory=dict)
    """Further ``start_sandbox`` options (``export_lag``...); the sandbox's defaults else."""
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
    waiting_share: float = 0.05
    """Share of the tickets already waiting when the replicas start (a Monday morning)."""
    outage_every: tuple[float, float] | None = (90.0, 180.0)
    """Seconds between the desk's outages (None: no outages); the first comes after one gap."""
    outage_seconds: tuple[float, float] = (10.0, 20.0)
    faults: Faults = field(default_factory=chaos_faults)
    humans: TrafficRates = field(
        default_factory=lambda: TrafficRates(
            availability_changes_per_minute=20, reassignments_per_minute=30, takes_per_minute=20
        )
    )
    solve_share: float = 1.0
    """Solves per minute as a share of the arrival rate (keeps the open queue small)."""
    settle_seconds: float = 240.0
    seed: int = 1
    env: dict[str, str] = field(default_factory=dict)
    """Extra ``DESKROUTE_*`` variables for every replica."""
    pause_leader: bool = False
    """Stall the leader with SIGSTOP instead of killing it, for ``pause_seconds`` (longer
    than the 3 s lease), then SIGCONT: it wakes believing it leads (fencing must stop it)."""
    pause_seconds: tuple[float, float] = (4.0, 7.0)
    skew_clock: float = 0.0
    """Seconds the second replica's wall clock is off (``DESKROUTE_CLOCK_SKEW_SECONDS``)."""
    lose_store: bool = False
    """Once, ``lose_store_at`` into the arrivals: SIGKILL every replica, delete the store
    (the SQLite files, or the PostgreSQL schema) and restart the replicas on an empty one
    whose poll starts at the restart (``START_LOOKBACK_MINUTES=0``): only the
    reconciliation sweep can find the tickets left unrouted."""
    lose_store_at: float = 0.5
    revoke_credentials: bool = False
    """Revoke the replicas' credentials (every request 401) every ``revoke_every`` seconds
    for ``revoke_seconds``, then restore them: the auth pause must park nothing."""
    revoke_every: tuple[float, float] = (30.0, 60.0)
    revoke_seconds: tuple[float, float] = (5.0, 15.0)
    webhooks: bool = False
    """The sandbox sends its signed Zendesk webhooks to the first replica (Zendesk face
    only), ``webhook_duplicates`` of them twice under one invocation id and
    ``webhook_replays`` of them replayed byte for byte three times."""
    webhook_duplicates: float = 0.2
    webhook_replays: float = 0.1

    @property
    def waiting(self) -> int:
        """Tickets written in before the replicas start."""
        return int(self.tickets * self.waiting_share)


def make_face(plan: ChaosPlan) -> Face:
    """The desk the plan names."""
    if plan.desk == "rt":
        from sandbox.chaos.rt_face import RtFace  # only RT runs need a reachable RT

        if plan.profile or plan.sandbox_options:
            raise ValueError("sandbox profiles and options do not apply to a real RT")
        return RtFace(seed=plan.seed)
    if plan.desk not in DESKS:
        raise ValueError(f"unknown desk {plan.desk!r}; one of {', '.join(DESKS)}")
    return SandboxFace(
        plan.desk,
        agents=plan.agents,
        seed=plan.seed,
        profile=plan.profile,
        options=plan.sandbox_options,
    )


def sidecar_env(plan: ChaosPlan) -> dict[str, str]:
    """Replica settings for the run: brisk jobs, no first-reply timer, a patient writer.

    The writer retries sooner and longer than by default (storms here are far denser than a
    real account sees), so a write-back is not parked before the weather calms. The desk's
    own variables (URL, credentials, timeout, budget) come from its ``Face``.
    """
    return {
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
        "DESKROUTE_RECONCILE__INTERVAL_SECONDS": "5",
        "DESKROUTE_RECONCILE__REQUESTS_PER_RUN": "50",
        **{
            f"DESKROUTE_FOLLOW_THROUGH__FIRST_REPLY_MINUTES_{p}": "0"
            for p in ("URGENT", "HIGH", "NORMAL", "LOW")
        },
        "DESKROUTE_LOG_LEVEL": "WARNING",
        **plan.env,
    }


class ChaosRun:
    """One run, step by step: ``start``, ``tick`` until arrivals end, ``calm``, ``settle``."""

    def __init__(self, plan: ChaosPlan, face: Face | None = None) -> None:
        self.plan, self.rng = plan, random.Random(plan.seed)
        self.face = face or make_face(plan)
        self.replicas: list[Replica] = []
        self.view: StoreView | None = None
        self.kills: list[Kill] = []
        self.storms = self.created = self.done_in_weather = 0
        self.started = self.next_kill = self.next_storm = 0.0
        # its own random source: the kills and storms of a seed stay what they were
        self.outages = Outages(plan.outage_every, plan.outage_seconds, random.Random(plan.seed + 7))
        self.revocations = Outages(
            plan.revoke_every if plan.revoke_credentials else None, plan.revoke_seconds,
            random.Random(plan.seed + 11),
        )  # fmt: skip
        self.restarts: list[tuple[float, Replica]] = []
        self.watching: Kill | None = None
        self.dual_leaders = self.store_losses = 0
        self.url = plan.database_url or f"sqlite:///{plan.workdir / 'chaos.sqlite3'}"
        self.lost = LostStores()

    # --- set-up ---------------------------------------------------------------------------
    def start(self) -> None:
        """Start the desk, let the Monday backlog pile up, start the replicas, await a leader."""
        plan = self.plan
        self.face.start()
        self.face.create_tickets(plan.waiting)
        self.created = plan.waiting
        self._start_replicas()
        self.view = StoreView(self.url, plan.schema_name)
        self.face.weather(plan.faults)
        per_minute = plan.tickets / plan.arrival_seconds * 60
        self.face.people(replace(plan.humans, solves_per_minute=per_minute * plan.solve_share))
        self.started = time.monotonic()
        self.next_kill = self._after(plan.kill_every)
        self.next_storm = self._after(plan.storm_every)

    def _start_replicas(self, **extra: str) -> None:
        """Start ``plan.replicas`` replicas on the run's store and wait for a leader."""
        plan = self.plan
        env = sidecar_env(plan)
        if plan.schema_name:
            env["DESKROUTE_STORE__SCHEMA_NAME"] = plan.schema_name
        desk = self.face.env()
        hooks = self._webhooks()
        if hooks is not None:
            desk = {**desk, "DESKROUTE_ZENDESK__WEBHOOK_SECRET": hooks.webhook_secret}
        self.replicas = []
        for index in range(plan.replicas):
            name = f"chaos-{'abcdefgh'[index]}"
            own = {"DESKROUTE_CLOCK_SKEW_SECONDS": str(plan.skew_clock)} if index == 1 else {}
            self.replicas.append(
                Replica(
                    name, desk, self.url, plan.workdir / f"{name}.log", **{**env, **own, **extra}
                ).start()
            )
        if not wait_for(lambda: self.leader() is not None, 60, pause=TICK):
            raise RuntimeError(
                f"no replica became leader within 60 s; see the logs in {plan.workdir}"
            )
        if hooks is not None:
            # deliveries to a replica that was just killed fail by design: not news
            logging.getLogger("deskroute.sandbox.webhooks").setLevel(logging.ERROR)
            hooks.configure_webhook(
                f"http://127.0.0.1:{self.replicas[0].port}/webhooks/zendesk",
                hooks.webhook_secret, duplicate_share=plan.webhook_duplicates,
                replay_share=plan.webhook_replays,
            )  # fmt: skip

    def _webhooks(self) -> SandboxHandle | None:
        """The sandbox that sends webhooks in this run (None: webhooks are off)."""
        if not self.plan.webhooks:
            return None
        if not isinstance(self.face, SandboxFace) or self.face.name != "zendesk":
            raise ValueError("webhooks are driven on the sandbox's Zendesk face only")
        return self.face.handle

    # --- the rough part -------------------------------------------------------------------
    def tick(self) -> bool:
        """One step of the storm; False once every ticket has been created."""
        plan = self.plan
        elapsed = time.monotonic() - self.started
        arriving = plan.tickets - plan.waiting
        due = plan.waiting + min(arriving, int(arriving * elapsed / plan.arrival_seconds))
        if due > self.created:
            self.face.create_tickets(due - self.created)
            self.created = due
        self._restart_due()
        self._count_leaders()
        self._watch_takeover()
        if elapsed >= self.next_kill and self.watching is None and not self.restarts:
            self._kill()
        if elapsed >= self.next_storm:
            self.face.storm(self.rng.uniform(*plan.storm_seconds), plan.storm_retry_after)
            self.storms += 1
            self.next_storm = elapsed + self.rng.uniform(*plan.storm_every)
        change = self.outages.step(elapsed)
        if change is not None:
            self.face.weather(OUTAGE if change == "down" else plan.faults)
        revocation = self.revocations.step(elapsed)
        if revocation is not None:
            self.face.revoke(revocation == "down")
        if self._store_loss_due(elapsed):
            self._lose_store()
        return self.created < plan.tickets

    def _store_loss_due(self, elapsed: float) -> bool:
        plan = self.plan
        return (
            plan.lose_store
            and not self.store_losses
            and elapsed >= plan.arrival_seconds * plan.lose_store_at
        )

    def _lose_store(self) -> None:
        """SIGKILL every replica, delete the store, restart them on an empty one whose poll
        starts now: whatever was left unrouted only the reconciliation sweep can find."""
        assert self.view is not None
        for replica in self.replicas:
            if replica.running:
                replica.kill()
        self.restarts.clear()  # the replicas come back below, on the empty store
        self.watching = None  # a takeover under way is not measured across the loss
        self.lost.keep(self.view)
        self.view.close()
        self.view = None
        delete_store(self.url, self.plan.schema_name)
        self.store_losses += 1
        # Request Tracker's poll keys on ticket ids from 0, with no lookback to shorten
        lookback = f"DESKROUTE_{self.face.name.upper()}__START_LOOKBACK_MINUTES"
        self._start_replicas(**({lookback: "0"} if self.face.name != "rt" else {}))
        self.view = StoreView(self.url, self.plan.schema_name)
        self.next_kill = time.monotonic() - self.started + self.rng.uniform(*self.plan.kill_every)

    def _kill(self) -> None:
        leader = self.leader()
        victim = leader or self.rng.choice(self.replicas)
        pause = self.plan.pause_leader
        if pause:
            victim.pause()
        else:
            victim.kill()
        now = time.monotonic()
        kill = Kill(at=now - self.started, victim=victim.name, was_leader=leader is victim,
                    signal="SIGSTOP" if pause else "SIGKILL")  # fmt: skip
        self.kills.append(kill)
        self.watching = kill if kill.was_leader else None
        back = self.plan.pause_seconds if pause else self.plan.restart_after
        self.restarts.append((now + self.rng.uniform(*back), victim))
        self.next_kill = now - self.started + self.rng.uniform(*self.plan.kill_every)

    def _restart_due(self) -> None:
        now = time.monotonic()
        for entry in [r for r in self.restarts if r[0] <= now]:
            entry[1].wake()
            self.restarts.remove(entry)

    def _watch_takeover(self) -> None:
        kill = self.watching
        if kill is None:
            return
        if self.leader() is not None:
            kill.takeover = time.monotonic() - self.started - kill.at
            self.watching = None

    def _count_leaders(self) -> None:
        """Note a moment when two replicas say they lead (a skewed clock, a stalled leader
        that woke up): the lease must never allow it."""
        if len(self.replicas) < 2:
            return
        awake = [r for r in self.replicas if r.running and not r.paused]
        if sum(r.role(timeout=0.5) == "leader" for r in awake) > 1:
            self.dual_leaders += 1

    def leader(self) -> Replica | None:
        """The running replica that says it leads, if any."""
        for replica in self.replicas:
            if replica.running and not replica.paused and replica.role(timeout=0.5) == "leader":
                return replica
        return None

    # --- calm and settle ------------------------------------------------------------------
    def calm(self) -> None:
        """No more faults, storms, outages, people or absences; every replica back up."""
        assert self.view is not None
        self.done_in_weather = self.lost.done + self.view.outbox().get("done", 0)
        self.face.people(TrafficRates())
        self.face.storm(0, 1)
        self.face.weather(Faults())
        self.face.revoke(False)
        self.outages.stop()
        self.revocations.stop()
        self.face.everyone_online()
        for _, replica in self.restarts:
            replica.wake()
        self.restarts.clear()

    def settled(self) -> bool:
        """Every customer's ticket has an assignee and nothing is left to write."""
        assert self.view is not None
        if self.face.waiting():
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
        """Stop the replicas gracefully and replay the audit."""
        assert self.view is not None
        for replica in self.replicas:
            if replica.running:
                replica.terminate()
        seconds = time.monotonic() - self.started
        reading = time.monotonic()
        audit = self.face.audit()
        audit_seconds = time.monotonic() - reading
        _keep_audit(audit, self.plan.workdir / AUDIT_FILE)
        result = tally(
            audit,
            router_actor=self.face.router_actor,
            decisions=self.lost.with_decided(self.view.decided()),
            max_moves=MAX_MOVES,
        )
        return ChaosReport(
            tally=result, kills=self.kills, storms=self.storms,
            seconds=seconds, settle_seconds=settle_seconds, audit_seconds=audit_seconds,
            settled=settled, requests=self.face.requests(), outbox=self.view.outbox(),
            states=self.view.states(), evidence=_evidence(audit, result), desk=self.face.name,
            bulk=self.face.bulk(), outages=self.outages.count, waiting=self.plan.waiting,
            done_in_weather=self.done_in_weather, dual_leaders=self.dual_leaders,
            store_losses=self.store_losses, revocations=self.revocations.count,
            recovered=self.view.taken_in("reconcile"), webhooks=self._webhook_counts(),
        )  # fmt: skip

    def _webhook_counts(self) -> dict[str, int]:
        hooks = self._webhooks()
        if hooks is None or self.view is None:
            return {}
        sender = hooks.sandbox.webhooks
        return {"delivered": len(sender.deliveries), "duplicated": sender.duplicates,
                "replayed": sender.replays, "taken in": self.view.taken_in("webhook")}  # fmt: skip

    def close(self) -> None:
        """Stop everything this run started."""
        for replica in self.replicas:
            replica.ensure_stopped()
        if self.view is not None:
            self.view.close()
        self.face.close()

    # --- helpers --------------------------------------------------------------------------
    def _after(self, bounds: tuple[float, float]) -> float:
        return self.rng.uniform(*bounds)


def _keep_audit(audit: list[dict[str, Any]], path: Path) -> None:
    """The whole audit as JSON lines beside the replicas' logs, for a closer look."""
    with path.open("w", encoding="utf-8") as handle:
        for entry in audit:
            handle.write(json.dumps(entry, default=str) + "\n")


def _evidence(audit: list[dict[str, Any]], result: Tally) -> dict[int, list[dict[str, Any]]]:
    """The audit trails of the first few tickets that broke an invariant."""
    flagged = set(
        (result.unassigned + result.undecided + result.doubled + result.overwritten)[:EVIDENCE]
    )
    evidence: dict[int, list[dict[str, Any]]] = {}
    for entry in audit:
        if entry.get("ticket_id") in flagged:
            evidence.setdefault(entry["ticket_id"], []).append(entry)
    return evidence


def run_chaos(
    plan: ChaosPlan, progress: Callable[[ChaosRun, str], None] | None = None
) -> ChaosReport:
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
            (lambda: progress(run, "settle")) if progress is not None else lambda: None
        )
        return run.report(settled, settle_seconds)
    finally:
        run.close()
