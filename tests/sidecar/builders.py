"""Small builders for sidecar tests: a service-free pipeline and writer over a fake desk."""

from __future__ import annotations

from random import Random
from typing import Any

from config.policy_file import PolicyFile
from config.settings import Settings
from connectors.base import Connector
from sidecar.metrics import Metrics
from sidecar.pipeline import Pipeline
from sidecar.store import Store
from sidecar.writer import Writer
from tests.sidecar.fakes import FakeClock, FakeDesk


class Rig:
    """A pipeline and writer over one store, driven step by step.

    The connector is the in-memory ``desk`` unless a real one (e.g. against the sandbox) is
    given.
    """

    def __init__(
        self, store: Store, clock: FakeClock, connector: Connector | None = None, **settings: Any
    ) -> None:
        self.store, self.clock = store, clock
        self.settings = Settings(**settings)
        self.desk = FakeDesk(clock=clock)
        connector = connector or self.desk
        self.metrics = Metrics()
        self.pipeline = Pipeline(
            connector=connector, store=store, router=PolicyFile().router(),
            settings=self.settings, clock=clock, rng=Random(0), metrics=self.metrics,
        )  # fmt: skip
        self.writer = Writer(
            connector=connector, store=store, settings=self.settings.writer,
            clock=clock, metrics=self.metrics, agent_gone=self.pipeline.leave_out,
        )  # fmt: skip

    def cycle(self) -> None:
        """One leader round: roster, poll, hints, route, write."""
        self.pipeline.refresh_roster()
        self.pipeline.poll()
        self.pipeline.take_hints()
        self.pipeline.route()
        self.writer.flush()

    def state(self, ticket_id: str) -> str:
        """The stored state of a ticket."""
        row = self.store.tickets.get(ticket_id)
        assert row is not None
        return row.state
