"""The chaos run's Request Tracker face: a real RT 5, weather in front, people inside.

Replicas reach RT only through a fault proxy on loopback (``sandbox.chaos.fault_proxy``);
customers write in and people act directly, as they would by mail and in RT's web UI. The
audit is each ticket's REST 2 history, turned into the sandbox's entries
(``sandbox.chaos.rt_history``). Everything happens in the ``Chaos`` queue, emptied when a
run starts.
"""

from __future__ import annotations

import logging
import queue
import random
import threading
from typing import Any

import requests

from sandbox.chaos.faces import BulkWrites
from sandbox.chaos.fault_proxy import RunningProxy, start_proxy
from sandbox.chaos.rt_desk import (
    CUSTOMERS,
    OWNER_GROUP,
    QUEUE,
    ROUTER,
    QueueLock,
    RtClient,
    RtLogin,
    check_answering,
)
from sandbox.chaos.rt_history import RtUsers, audit_entries, user_ids
from sandbox.chaos.rt_people import RtPeople
from sandbox.limits import Faults
from sandbox.texts import load_texts, pick
from sandbox.traffic import TrafficRates

log = logging.getLogger("deskroute.chaos.rt")
CREATORS = 2
"""Customers writing in at once (RT's server runs two workers)."""
PRIORITIES = (20, 50, 50, 50, 80, 95)
BULK_ROUTE = "rt.route.PUT /REST/2.0/tickets/bulk"


class RtFace:
    """Request Tracker, as the chaos harness drives and reads it."""

    name = "rt"
    router_actor = f"api:{ROUTER}"

    def __init__(self, *, seed: int, login: RtLogin | None = None) -> None:
        self.seed, self.rng = seed, random.Random(seed)
        self.login = login or RtLogin.from_state()
        self.root = RtClient(self.login.url, CUSTOMERS, self.login.root_password)
        self.texts = load_texts()
        self.ids: list[int] = []
        self._todo: queue.Queue[bool] = queue.Queue()
        self._guard = threading.Lock()
        self._creators: list[threading.Thread] = []
        self._proxy: RunningProxy | None = None
        self._people: RtPeople | None = None
        self._queue_lock = QueueLock()

    # --- set-up ---------------------------------------------------------------------------
    def start(self) -> None:
        """Check RT, take the Chaos queue for this run and empty it, start the proxy, the
        customers and the people."""
        check_answering(self.login)
        self._queue_lock.acquire()
        self._empty_queue()
        self._proxy = start_proxy(self.login.url, vendor="rt", seed=self.seed)
        self._people = RtPeople(self.login, random.Random(self.seed + 1))
        for number in range(CREATORS):
            worker = threading.Thread(
                target=self._write_in, name=f"rt-customer-{number}", daemon=True
            )
            worker.start()
            self._creators.append(worker)

    def _empty_queue(self) -> None:
        """Resolve what earlier runs left active, 100 tickets per bulk update."""
        left = [
            item["id"]
            for item in self.root.search_all(f"Queue = '{QUEUE}' AND Status = '__Active__'")
        ]
        for start in range(0, len(left), 100):
            self.root.call(
                "PUT",
                "/tickets/bulk",
                json=[{"id": ticket, "Status": "resolved"} for ticket in left[start : start + 100]],
            )
        if left:
            log.info("rt: resolved %d tickets left in %s by earlier runs", len(left), QUEUE)

    @property
    def proxy(self) -> RunningProxy:
        """The fault proxy the replicas talk through."""
        if self._proxy is None:
            raise RuntimeError("the RT face is not started")
        return self._proxy

    def env(self) -> dict[str, str]:
        """RT through the proxy, the Chaos queue owned by its group, a tight timeout."""
        return {
            "DESKROUTE_HELPDESK": "rt",
            "DESKROUTE_RT__BASE_URL": self.proxy.url,
            "DESKROUTE_RT__TOKEN": self.login.token,
            "DESKROUTE_RT__QUEUES": QUEUE,
            "DESKROUTE_RT__OWNER_GROUPS": OWNER_GROUP,
            "DESKROUTE_RT__TIMEOUT_SECONDS": "2",
            "DESKROUTE_RT__REQUESTS_PER_MINUTE": "100000",
            "DESKROUTE_RT__MAX_LOAD": "100000",
        }

    # --- customers ------------------------------------------------------------------------
    def create_tickets(self, count: int) -> None:
        """Queue ``count`` tickets for the customers to write in (RT takes ~0.2 s each)."""
        for _ in range(count):
            self._todo.put(True)

    def _write_in(self) -> None:
        while self._todo.get():
            try:
                self._create_one()
            except requests.RequestException as error:
                log.warning("rt: a customer's ticket failed: %s", error)
            finally:
                self._todo.task_done()

    def _create_one(self) -> None:
        with self._guard:
            utterance, priority = pick(self.texts, self.rng), self.rng.choice(PRIORITIES)
        subject = utterance.text if len(utterance.text) <= 80 else utterance.text[:77] + "..."
        made = self.root.call(
            "POST",
            "/ticket",
            json={
                "Queue": QUEUE,
                "Subject": subject,
                "Requestor": "customer@example.com",
                "Content": utterance.text,
                "ContentType": "text/plain",
                "Priority": priority,
            },
        )
        with self._guard:
            self.ids.append(int(made["id"]))

    # --- weather and people ---------------------------------------------------------------
    def weather(self, faults: Faults) -> None:
        """The proxy's faults from now on."""
        self.proxy.weather.faults = Faults(**faults.as_dict())

    def storm(self, seconds: float, retry_after: int) -> None:
        """The proxy answers 429 for ``seconds``."""
        storm = self.proxy.weather.storm
        if seconds == 0:
            storm.stop()
        else:
            storm.start(seconds, retry_after)

    def revoke(self, revoked: bool) -> None:
        """The proxy answers the replicas 401 while ``revoked`` (people reach RT directly)."""
        self.proxy.weather.revoked = revoked

    def people(self, rates: TrafficRates) -> None:
        """Agents take, give away and resolve tickets (RT has no presence to toggle)."""
        if self._people is not None:
            self._people.start(rates)

    def everyone_online(self) -> None:
        """Nothing to do: RT has no agent presence; every agent is always available."""

    # --- reading back ---------------------------------------------------------------------
    def waiting(self) -> bool:
        """A ticket is still to be written in, or one of the run's tickets has no owner."""
        if self._todo.unfinished_tasks:
            return True
        with self._guard:
            first = min(self.ids, default=None)
        if first is None:
            return False
        return bool(
            self.root.search(
                f"Queue = '{QUEUE}' AND Owner = 'Nobody' AND "
                f"Status = '__Active__' AND id >= {first}",
                per_page=1,
            )
        )

    def audit(self) -> list[dict[str, Any]]:
        """Every ticket's history as audit entries, in RT's commit order."""
        with self._guard:
            ids = sorted(self.ids)
        histories = {ticket: self.root.history(ticket) for ticket in ids}
        everyone = set().union(*(user_ids(h) for h in histories.values()))
        people = RtUsers(
            customer=CUSTOMERS,
            router=ROUTER,
            names={uid: self.root.user_name(uid) for uid in everyone},
        )
        entries = [
            entry
            for ticket, history in histories.items()
            for entry in audit_entries(ticket, history, people)
        ]
        return sorted(entries, key=lambda entry: int(entry["rt_transaction"]))

    def requests(self) -> dict[str, int]:
        """The proxy's answers by status."""
        return {
            key.removeprefix("rt."): value
            for key, value in self.proxy.stats.snapshot().items()
            if key.startswith("rt.status.") or key == "rt.requests"
        }

    def bulk(self) -> BulkWrites:
        """RT's ``PUT /tickets/bulk`` requests (the connector writes one ticket at a time)."""
        return BulkWrites(requests=self.proxy.stats.snapshot().get(BULK_ROUTE, 0))

    def close(self) -> None:
        """Stop the customers, the people and the proxy."""
        while not self._todo.empty():  # drop what is still queued, then end the workers
            self._todo.get_nowait()
            self._todo.task_done()
        for _ in self._creators:
            self._todo.put(False)
        for worker in self._creators:
            worker.join(timeout=30)
        if self._people is not None:
            self._people.close()
        if self._proxy is not None:
            self._proxy.stop()
        self.root.close()
        self._queue_lock.release()
