"""The durable store (SQLAlchemy 2): SQLite by default, PostgreSQL for several replicas."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from config.settings import ShadowSettings, StoreSettings
from sidecar.shadow_report import GoLiveReport, Window, build_report
from sidecar.store.customers import CustomerStore
from sidecar.store.database import ensure_schema, open_engine, reading
from sidecar.store.decisions import Decided, DecisionStore, Recorded, Routed, StoredDecision
from sidecar.store.fence import DeposedError, Fence, StoreClock, database_now, on_clock
from sidecar.store.gauges import QueueGauges, queue_gauges
from sidecar.store.lease import LeaseState, LeaseStore
from sidecar.store.loads import LoadStore
from sidecar.store.migrations import migrate
from sidecar.store.notes import NoteRow, NoteStore
from sidecar.store.outbox import OutboxRow, OutboxStore
from sidecar.store.policies import PolicyStore, StoredPolicy
from sidecar.store.reports import routed_summary, shadow_cases, team
from sidecar.store.tickets import TicketRow, TicketStore


class Store:
    """Every table the sidecar keeps, behind one object built from one engine."""

    def __init__(
        self,
        engine: sa.Engine,
        replica: str,
        schema_name: str | None = None,
        *,
        due_clock: StoreClock = database_now,
    ) -> None:
        """``due_clock`` times write-backs (when they come due, when a retry may go): the
        database's clock, so that replicas whose clocks disagree agree on what is due."""
        self.engine = engine
        self.replica = replica
        self.schema_name = schema_name
        self.fence = Fence()
        """The lease epoch this replica holds: decisions and outbox writes carry it."""
        self.tickets = TicketStore(engine)
        self.decisions = DecisionStore(engine, replica, self.fence, due_clock)
        self.outbox = OutboxStore(engine, self.fence, due_clock)
        self.loads = LoadStore(engine)
        self.lease = LeaseStore(engine, self.fence)
        self.notes = NoteStore(engine, due_clock)
        self.policies = PolicyStore(engine, replica)
        self.customers = CustomerStore(engine)

    @classmethod
    def connect(
        cls,
        url: str,
        replica: str,
        settings: StoreSettings | None = None,
        *,
        due_clock: StoreClock = database_now,
    ) -> Store:
        """The store over ``url``, without touching the database yet (see ``migrate``).

        Raises SQLAlchemy's ``ArgumentError`` for a URL it cannot use.
        """
        schema_name = settings.schema_name if settings else None
        return cls(open_engine(url, settings), replica, schema_name, due_clock=due_clock)

    @classmethod
    def open(
        cls,
        url: str,
        replica: str,
        now: datetime,
        settings: StoreSettings | None = None,
        *,
        due_clock: StoreClock = database_now,
    ) -> Store:
        """Connect, bring the schema up to date, and return the store."""
        store = cls.connect(url, replica, settings, due_clock=due_clock)
        store.migrate(now)
        return store

    @property
    def local(self) -> bool:
        """True for SQLite: a file of this host, which has no outages to wait out."""
        return self.engine.dialect.name == "sqlite"

    def migrate(self, now: datetime) -> int:
        """Create the schema if needed and apply pending migrations; returns the version."""
        ensure_schema(self.engine, self.schema_name)
        return migrate(self.engine, now)

    def ping(self) -> None:
        """Ask the database for ``SELECT 1``; raises SQLAlchemy's error when it cannot."""
        with reading(self.engine) as conn:
            conn.execute(sa.text("SELECT 1"))

    def shadow_report(self, window: Window, thresholds: ShadowSettings) -> GoLiveReport:
        """The shadow report over the tickets first decided in dry run within ``window``."""
        cases = shadow_cases(self.engine, window.since, window.until)
        return build_report(cases, team(self.engine), window, thresholds)

    def queue_gauges(self, now: datetime) -> QueueGauges:
        """The waiting queue by reason, its oldest ticket and the parked tickets now."""
        return queue_gauges(self.engine, now)

    def summary(self) -> dict[str, object]:
        """Routing totals for the end-of-run summary."""
        return routed_summary(self.engine)

    def close(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()


__all__ = [
    "Decided",
    "DecisionStore",
    "DeposedError",
    "Fence",
    "LeaseState",
    "LeaseStore",
    "LoadStore",
    "NoteRow",
    "NoteStore",
    "OutboxRow",
    "OutboxStore",
    "PolicyStore",
    "QueueGauges",
    "Recorded",
    "Routed",
    "Store",
    "StoreClock",
    "StoredDecision",
    "StoredPolicy",
    "TicketRow",
    "TicketStore",
    "database_now",
    "migrate",
    "on_clock",
    "open_engine",
]
