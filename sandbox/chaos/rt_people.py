"""People at work in Request Tracker during a chaos run, each with their own login.

They act as the sandbox's simulated people do (``sandbox.traffic``), through RT's own
REST 2 and rules: an agent takes an unowned ticket (racing deskroute for it), an owner
gives a ticket to a colleague, an owner resolves one. RT lets an owner give away only
their own ticket and take only an unowned one, so these are the moves real agents
without ``StealTicket`` can make. RT has no agent presence: nobody goes off line.
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable

import requests

from sandbox.chaos.rt_desk import AGENTS, QUEUE, RtClient, RtLogin
from sandbox.traffic import TrafficRates

log = logging.getLogger("deskroute.chaos.rt")
UNOWNED = f"Queue = '{QUEUE}' AND Owner = 'Nobody' AND Status = 'new'"
OWNED = f"Queue = '{QUEUE}' AND Owner != 'Nobody' AND Status = '__Active__'"


class RtPeople:
    """The agents of the Chaos queue, acting at Poisson rates in a background thread."""

    def __init__(self, login: RtLogin, rng: random.Random) -> None:
        self.rng = rng
        self.agents = {name: RtClient(login.url, name, login.agent_password) for name in AGENTS}
        self.actions = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self, rates: TrafficRates) -> None:
        """Act at ``rates`` (takes, reassignments, solves per minute) until ``stop``."""
        self.stop()
        kinds: list[tuple[Callable[[], bool], float]] = [
            (self.take, rates.takes_per_minute),
            (self.give, rates.reassignments_per_minute),
            (self.resolve, rates.solves_per_minute),
        ]
        kinds = [(action, rate) for action, rate in kinds if rate > 0]
        if not kinds:
            return
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._run, args=(kinds,), name="rt-people", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop acting (waits for the action under way)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
            self._thread = None

    def _run(self, kinds: list[tuple[Callable[[], bool], float]]) -> None:
        per_second = sum(rate for _, rate in kinds) / 60.0
        while not self._stop.wait(self.rng.expovariate(per_second)):
            action = self.rng.choices([a for a, _ in kinds], [r for _, r in kinds])[0]
            try:
                self.actions += action()
            except (requests.RequestException, ValueError) as error:
                log.info("rt people: %s failed: %s", action.__name__, error)

    def take(self) -> bool:
        """An agent takes one of the oldest unowned tickets."""
        agent = self.rng.choice(AGENTS)
        waiting = self.agents[agent].search(UNOWNED, per_page=20, orderby="id", order="ASC")
        if not waiting:
            return False
        ticket = self.rng.choice(waiting)["id"]
        return _changed(self.agents[agent].call("PUT", f"/ticket/{ticket}", json={"Owner": agent}))

    def give(self) -> bool:
        """An owner hands one of their tickets to a colleague."""
        ticket, owner = self._owned()
        if ticket is None:
            return False
        colleague = self.rng.choice([a for a in AGENTS if a != owner])
        return _changed(
            self.agents[owner].call("PUT", f"/ticket/{ticket}", json={"Owner": colleague})
        )

    def resolve(self) -> bool:
        """An owner resolves one of their tickets."""
        ticket, owner = self._owned()
        if ticket is None:
            return False
        return _changed(
            self.agents[owner].call("PUT", f"/ticket/{ticket}", json={"Status": "resolved"})
        )

    def _owned(self) -> tuple[str | None, str]:
        """A recent active ticket owned by one of the agents, and its owner."""
        owner = self.rng.choice(AGENTS)
        found = self.agents[owner].search(
            f"{OWNED} AND Owner = '{owner}'", per_page=20, orderby="id", order="DESC"
        )
        return (str(self.rng.choice(found)["id"]) if found else None), owner

    def close(self) -> None:
        """Stop and release the connections."""
        self.stop()
        for client in self.agents.values():
            client.close()


def _changed(messages: object) -> bool:
    """RT answers 200 with messages; only ``... changed from ...`` means it happened."""
    return isinstance(messages, list) and any("changed from" in str(m) for m in messages)
