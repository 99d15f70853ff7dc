"""The running sidecar: scheduler jobs, the HTTP server, leadership and graceful shutdown.

Every replica serves HTTP and stores webhook hints. Only the lease holder runs the
routing jobs (poll, roster, react, write, sweep, reconcile); they share one lock, so a replica never
routes and writes at the same time. ``react`` — take webhook hints, decide pending and
waiting tickets, flush the outbox — also runs at once when a webhook arrives on the leader.
Bulk-job status polling happens inside the connector's ``assign_many`` during a flush.

The store may be down at start-up or go away later (PostgreSQL restarted). The replica
stays up and serves HTTP: ``/readyz`` says the store is unreachable, webhooks get 503,
and it does not lead until the store answers a lease renewal again. At start-up it
retries the migrations with backoff. Write-backs a failed job left in flight are
recovered (re-checked against the help desk) before the next job routes.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from random import Random
from types import FrameType

import sqlalchemy as sa
from apscheduler.schedulers.background import BackgroundScheduler

from config.settings import Settings
from connectors.base import Connector
from connectors.errors import ConnectorError
from connectors.shop.base import Shop
from router.engine import Router
from sidecar.access import DeskAccess, DeskAccessRefusedError, refused_access
from sidecar.health import StoreHealth, describe, retry_delay, store_outage
from sidecar.http import AppContext, Surface, create_app
from sidecar.leader import Leadership
from sidecar.metrics import Metrics
from sidecar.pipeline import Pipeline
from sidecar.policy_keeper import PolicyKeeper
from sidecar.reconcile import Reconciler
from sidecar.serving import Served, serve
from sidecar.shadow_report import Window
from sidecar.shop_context import ShopContext
from sidecar.stopping import Waits
from sidecar.store import DeposedError, Store
from sidecar.writer import Writer

log = logging.getLogger("deskroute.sidecar")
# a kicked job that is still running is skipped by design: not worth a warning each time
logging.getLogger("apscheduler.scheduler").setLevel(logging.ERROR)
Clock = Callable[[], datetime]
Reading = Callable[[], Callable[[], object]]
"""A job's help-desk read done before the work lock; it returns the step to run under it."""
SLOW_ROUND = 1.0
"""A react round longer than this many seconds is logged with its breakdown."""
NEEDS_ROSTER = frozenset({"react", "sweep"})
"""Jobs that decide and so load the roster first; polling and writing never wait for it
(after a restart, write-backs left in the outbox go out while the roster is unreadable)."""
SHUTDOWN_RETRY_PAUSE = 0.5
"""Seconds between final-flush rounds while the help desk keeps failing."""
STORE_RETRY_BASE, STORE_RETRY_CAP = 0.5, 10.0
"""Start-up waits this long before retrying an unreachable store, doubling up to the cap."""


def utc_now() -> datetime:
    """The wall clock, in UTC."""
    return datetime.now(UTC)


def default_replica() -> str:
    """Host name and process id: unique per replica without configuration."""
    return f"{socket.gethostname()}:{os.getpid()}"


class Sidecar:
    """One replica of the service, built from settings and its collaborators."""

    def __init__(
        self,
        *,
        settings: Settings,
        connector: Connector,
        store: Store,
        router: Router,
        clock: Clock = utc_now,
        monotonic: Callable[[], float] = time.monotonic,
        metrics: Metrics | None = None,
        rng: Random | None = None,
        waits: Waits | None = None,
        shop: Shop | None = None,
    ) -> None:
        self.settings, self.connector, self.store, self.clock = settings, connector, store, clock
        self.monotonic = monotonic
        self.waits = waits or Waits()  # the connector's sleep seam, when built with it
        self.replica = store.replica
        self.metrics = metrics or Metrics()
        self.pipeline = Pipeline(
            connector=connector, store=store, router=router, settings=settings, clock=clock,
            rng=Random(settings.sidecar.seed) if rng is None else rng, metrics=self.metrics,
            shop_context=None if shop is None else ShopContext(
                shop, store.customers, settings.shop, monotonic, self.metrics
            ),
        )  # fmt: skip
        self.writer = Writer(
            connector=connector, store=store, settings=settings.writer, clock=clock,
            metrics=self.metrics, agent_gone=self.pipeline.leave_out,
        )  # fmt: skip
        self.reconciler = Reconciler(
            connector=connector, unknown=store.tickets.unknown, take_in=self.pipeline.take_in,
            settings=settings.reconcile, metrics=self.metrics,
        )  # fmt: skip
        self.health = StoreHealth(monotonic=monotonic, on_change=self._on_store)
        self.access = DeskAccess(monotonic=monotonic)
        self.leadership = Leadership(
            store.lease, self.replica, timedelta(seconds=settings.lease.ttl_seconds), clock,
            monotonic, on_change=self._on_leadership, health=self.health,
        )  # fmt: skip
        self.metrics.watch_budget(connector.budget_left)
        self.metrics.watch_traffic(settings.helpdesk, connector.traffic)
        if shop is not None:
            self.metrics.watch_shop_traffic(shop.name, shop.traffic)
        self._work = threading.Lock()
        self.policy = PolicyKeeper(
            store=store, pipeline=self.pipeline, path=settings.policy_file, clock=clock,
            work=self._work,
        )  # fmt: skip
        self._reload = threading.Event()
        self._accepting = True
        self._recover_due = False
        self._stopping = threading.Event()
        self._retry_store = threading.Event()
        self._stopped = threading.Event()
        self._waiter: threading.Thread | None = None
        self.scheduler = BackgroundScheduler(
            timezone=UTC, job_defaults={"coalesce": True, "max_instances": 1}
        )
        self.context = AppContext(
            settings=settings, store=store, metrics=self.metrics, clock=clock,
            is_leader=lambda: self.leading, ready=self._ready, kick=self.kick,
            desk_refused=lambda: self.access.reason, roster=lambda: self.pipeline.agents,
            accepting=lambda: self._accepting, health=self.health, policy=self.policy,
        )  # fmt: skip
        split = settings.http.admin_port is not None
        self.app = create_app(self.context, Surface.PUBLIC if split else Surface.ALL)
        self.admin_app = create_app(self.context, Surface.ADMIN) if split else None
        self.servers: list[Served] = []
        self.port: int | None = None
        self.admin_port: int | None = None

    # --- jobs ---------------------------------------------------------------------------

    @property
    def leading(self) -> bool:
        """True while we hold a trusted lease and the store has not been seen down since."""
        return self.leadership.is_leader and self.health.up is not False

    def _on_leadership(self, leading: bool) -> None:
        self.metrics.leader.set(1 if leading else 0)
        if leading:
            self._recover_due = True
            self.pipeline.forget_assignment_times()  # another leader may have assigned since
            # react first: with no roster of its own it decides with the one the last leader
            # stored (or reads it when there is none); the roster job follows at its interval
            for job in ("react", "poll", "reconcile"):
                self._run_soon(job)

    def _on_store(self, up: bool) -> None:
        self.metrics.store_up.set(1 if up else 0)
        if up:
            # a job cut off mid-write may have left rows in ``sending``
            self._recover_due = True
            self._retry_store.set()  # a probe saw it back: migrate now, not at the next backoff

    def _recover_writes(self) -> None:
        """Put write-backs left in flight back in line (under the work lock: none is sending)."""
        if not self._recover_due:
            return
        recovered = self.store.outbox.recover()
        self._recover_due = False
        if recovered:
            log.info("took back %d write-backs left in flight; each is checked before it is "
                     "sent again", recovered)  # fmt: skip

    def react(self) -> None:
        """Take webhook hints in, decide pending and waiting tickets, flush the outbox."""
        started = self.monotonic()
        taken = self.pipeline.take_hints()
        hinted = self.monotonic()
        recorded = self.pipeline.route()
        routed = self.monotonic()
        written = self.writer.flush()
        if self.monotonic() - started > SLOW_ROUND:
            log.info(
                "slow react round: %d hinted in %.0f ms, %d decided in %.0f ms, %d sent in %.0f ms",
                taken, (hinted - started) * 1000, recorded.assigned + recorded.waiting,
                (routed - hinted) * 1000, written.sent, (self.monotonic() - routed) * 1000,
            )  # fmt: skip

    def reconcile(self) -> None:
        """The reconciliation sweep; what it took in is decided at once (``react``)."""
        if self.reconciler.run().recovered:
            self.kick()

    def _leader_job(
        self, name: str, step: Callable[[], object], read: Reading | None = None
    ) -> Callable[[], None]:
        """The scheduled job ``name``: ``step`` under the work lock, on the leader only.

        ``read`` (the roster job's) asks the help desk before the lock is taken and returns
        what then runs under it: a roster read under 503s and 429 storms takes many seconds,
        and while it held the lock nothing was decided or written (issue 16).
        """

        def run() -> None:
            if not self._accepting or not self.leading or self.access.waiting:
                return
            ok = False
            with self._job_errors(name):
                locked = step if read is None else read()
                with self._work:
                    self._recover_writes()
                    if not self.pipeline.agents and name in NEEDS_ROSTER:
                        self._first_roster()
                    locked()
                ok = True
            self.metrics.job_ran(name, ok, self.clock())

        return run

    @contextmanager
    def _job_errors(self, name: str) -> Iterator[None]:
        """What a job's failure means: refused credentials pause the jobs, a deposed leader
        steps down, anything else is logged and the job runs again at its interval."""
        try:
            with self.health.tolerating(f"the {name} job"):
                yield
            self.access.answered()
        except DeskAccessRefusedError as error:
            self._refused(error.error)
        except ConnectorError as error:
            if refused_access(error):
                self._refused(error)
            else:
                log.warning("%s job: %s: %s", name, type(error).__name__, error)
        except DeposedError as error:
            self.leadership.deposed(error)
        except Exception:
            log.exception("%s job failed", name)

    def _first_roster(self) -> None:
        """The roster for a replica that decides for the first time: the one the last
        leader stored, if recent (the roster job reads the help desk again soon), else read
        now."""
        if self.pipeline.recall_roster():
            self.policy.follow()
        else:
            self._read_roster()

    def _read_roster(self) -> None:
        """Re-read the team and take it at once (a first roster, already under the lock)."""
        self._roster_read()()

    def _roster_read(self) -> Callable[[], None]:
        """Ask the help desk for the team (no lock needed: the roster job asks before it takes
        the lock); returns what takes it under the lock: store it, then take the active
        policy (another replica, the console or SIGHUP may have changed it) and check its
        names against the team."""
        snapshot = self.pipeline.read_roster()

        def take() -> None:
            self.pipeline.take_roster(snapshot)
            self.policy.follow()

        return take

    def _refused(self, error: ConnectorError) -> None:
        """The help desk refused our credentials: no job calls it until the backoff ends."""
        self.metrics.auth_failures.inc()
        self.access.refused(error)

    def _schedule(self) -> None:
        s = self.settings.scheduler
        jobs: dict[str, tuple[float, Callable[[], object]]] = {
            "poll": (s.poll_seconds, self.pipeline.poll),
            "roster": (s.roster_seconds, self._read_roster),  # run as _roster_read, below
            "react": (s.drain_seconds, self.react),
            "write": (s.write_seconds, self.writer.flush),
            "sweep": (s.sweep_seconds, self.pipeline.sweep),
        }
        if self.settings.reconcile.enabled:
            jobs["reconcile"] = (self.settings.reconcile.interval_seconds, self.reconcile)
        for name, (seconds, step) in jobs.items():
            read = self._roster_read if name == "roster" else None
            self.scheduler.add_job(
                self._leader_job(name, step, read), "interval", seconds=seconds, id=name
            )
        self.scheduler.add_job(
            self._lease_tick,
            "interval",
            seconds=self.settings.lease.renew_seconds,
            id="lease",
            name="lease",
        )

    def _lease_tick(self) -> None:
        if self._accepting and self.health.migrated:
            self.leadership.tick()

    def _run_soon(self, job_id: str) -> None:
        job = self.scheduler.get_job(job_id)
        if job is not None:
            job.modify(next_run_time=datetime.now(UTC))

    def kick(self) -> None:
        """Run ``react`` now (a webhook arrived on the leader)."""
        self._run_soon("react")

    def _ready(self) -> bool:
        return not self.leading or bool(self.pipeline.agents)

    # --- life cycle ---------------------------------------------------------------------

    def start(self) -> None:
        """Migrate the store, bind the HTTP port, take the lease if free, start the jobs (once).

        An unreachable PostgreSQL does not stop the start: HTTP serves (not ready) and a
        background thread retries the migrations with backoff. An SQLite file that cannot
        be opened, or any other database error, is raised: that is configuration.
        """
        if self.servers:
            return
        opened = self._open_store()
        self._serve_http()
        self._schedule()
        self.scheduler.start()
        if opened:
            self.leadership.tick()
        else:
            self._waiter = threading.Thread(
                target=self._wait_for_store, name="store-wait", daemon=True
            )
            self._waiter.start()
        role = "leader" if self.leading else "follower" if opened else "waiting for the store"
        log.info(
            "sidecar %s listening on %s:%s as %s%s", self.replica, self.settings.http.host,
            self.port, role, " (dry run: nothing is written)" if self.settings.dry_run else "",
        )  # fmt: skip

    def _open_store(self) -> bool:
        """Bring the schema up to date; False when the (PostgreSQL) store is unreachable."""
        try:
            self.store.migrate(self.clock())
        except sa.exc.SQLAlchemyError as error:
            if self.store.local or not store_outage(error):
                raise
            self.health.failed(error, "start-up")
            return False
        self.health.migrated = True
        self.health.answered()
        return True

    def _wait_for_store(self) -> None:
        attempt = 0
        while True:
            self._retry_store.wait(retry_delay(attempt, STORE_RETRY_BASE, STORE_RETRY_CAP))
            self._retry_store.clear()
            if self._stopping.is_set():
                return
            attempt += 1
            try:
                if self._open_store():
                    log.info("store migrated after %d retries; jobs start", attempt)
                    self._lease_tick()
                    return
            except sa.exc.SQLAlchemyError:
                log.exception("migrating the store failed; retrying")

    def _serve_http(self) -> None:
        http = self.settings.http
        main = serve(self.app, http.host, http.port, http.header_timeout_seconds, "http")
        self.servers.append(main)
        self.port = main.port
        if self.admin_app is not None and http.admin_port is not None:
            admin = serve(
                self.admin_app, http.host, http.admin_port, http.header_timeout_seconds,
                "http-admin",
            )  # fmt: skip
            self.servers.append(admin)
            self.admin_port = admin.port

    def stop(self) -> None:
        """Stop intake, flush the outbox within the deadline, release the lease, close."""
        if self._stopped.is_set():
            return
        self._accepting = False
        self._stopping.set()
        self.waits.cut()  # a job retrying against a down desk ends now, not after its backoff
        self._retry_store.set()
        if self._waiter is not None:
            self._waiter.join(timeout=10)
        if self.scheduler.running:
            self.scheduler.shutdown(wait=True)
        if self.leading:
            self.waits.allow()
            deadline = self.waits.cut_after(self.settings.sidecar.shutdown_deadline_seconds)
            try:
                self._unless_store_down("the final flush", self._flush_until_deadline)
            except DeposedError as error:
                self.leadership.deposed(error)
            finally:
                deadline.cancel()
        self.leadership.release()
        if self.settings.dry_run:
            self._unless_store_down("the shadow report", self._log_shadow_report)
        for served in self.servers:
            served.stop()
        self.store.close()
        self._stopped.set()
        log.info("sidecar %s stopped", self.replica)

    def _log_shadow_report(self) -> None:
        shadow = self.settings.shadow
        report = self.store.shadow_report(Window.last(shadow.window_days, self.clock()), shadow)
        log.info(
            "shadow report (last %g days): %d decided, %d compared with a person's first "
            "choice, %s agreed; %s", shadow.window_days, report.decided, report.overall.compared,
            "n/a" if report.overall.rate is None else f"{report.overall.rate:.0%}",
            report.recommendation.text,
        )  # fmt: skip

    @staticmethod
    def _unless_store_down(what: str, step: Callable[[], None]) -> None:
        try:
            step()
        except sa.exc.SQLAlchemyError as error:
            if not store_outage(error):
                raise
            log.warning("%s skipped: store unreachable (%s)", what, describe(error))

    def _flush_until_deadline(self) -> None:
        deadline = self.monotonic() + self.settings.sidecar.shutdown_deadline_seconds
        with self._work:
            self._recover_writes()
            while self.monotonic() < deadline and self.store.outbox.active():
                try:
                    round_ = self.writer.flush(backoff=False)
                except ConnectorError as error:
                    log.warning("flush at shutdown: %s", error)
                    break
                if round_.sent == 0:
                    break
                if round_.retried:
                    time.sleep(SHUTDOWN_RETRY_PAUSE)
        left = self.store.outbox.active()
        if left:
            log.warning("%d write-backs left in the outbox; the next leader sends them", left)

    def serve_forever(self, until: threading.Event | None = None) -> None:
        """Run until SIGTERM/SIGINT (or ``until`` is set), then stop gracefully."""
        done = until or threading.Event()

        def on_signal(number: int, _frame: FrameType | None) -> None:
            log.info("received %s: shutting down", signal.Signals(number).name)
            done.set()

        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)
        signal.signal(signal.SIGHUP, lambda _n, _f: self._reload.set())
        self.start()  # no-op when already started
        try:
            while not done.wait(0.5):
                if self._reload.is_set():
                    self._reload.clear()
                    self._unless_store_down("reloading the policy file", self.reload_policy)
        finally:
            self.stop()

    def reload_policy(self) -> None:
        """Apply the policy file again (SIGHUP); a bad file changes nothing."""
        self.policy.reload_file()
