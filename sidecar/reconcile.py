"""The reconciliation sweep: open unassigned tickets, listed apart from the poll cursor.

Polling reads what changed since its cursor, and a new or lost store starts it only
``start_lookback_minutes`` back; webhooks can be missed and outages outlast lookbacks. So
the leader also lists the open unassigned tickets of the scope the poll reads
(``Connector.unassigned``: Zendesk's and Freshdesk's search, RT's TicketSQL), a few pages a
run, and takes in those the store has no version of as new as the listing's: read in full
(``read_many``, as webhook hints are) and handed to the normal intake, which decides
whether they are new. Tickets the store knows cost no read, so a sweep over a healthy
store costs its listing pages only.

The listing resumes where the last run stopped and starts over once it reaches its end.
A run spends at most ``requests_per_run`` requests and stops while the rate budget holds
fewer than ``reserve_requests`` (routing and writing back come first).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from config.settings import ReconcileSettings
from connectors.base import Connector, Listed
from router.model import Ticket
from sidecar.metrics import Metrics

log = logging.getLogger("deskroute.sidecar")
VIA = "reconcile"
"""How intake records the versions the sweep took in (``deskroute_tickets_seen{via}``)."""
ONE_BY_ONE = 10
"""Tickets per ``read_many`` call where the help desk reads one ticket a request, so that
the request limit and the budget are checked between small groups."""


@dataclass(frozen=True, kw_only=True, slots=True)
class Sweep:
    """What one run did: tickets listed, how many the store did not know, how many the
    intake took in (recovered), requests spent, and whether the listing reached its end."""

    listed: int = 0
    unknown: int = 0
    recovered: int = 0
    requests: int = 0
    finished: bool = False


class Reconciler:
    """Lists open unassigned tickets a few pages a run and takes in the unknown ones."""

    def __init__(
        self,
        *,
        connector: Connector,
        unknown: Callable[[Sequence[Listed]], list[str]],
        take_in: Callable[[Sequence[Ticket], str], int],
        settings: ReconcileSettings,
        metrics: Metrics,
    ) -> None:
        """``unknown`` names the listed tickets the store does not know at that version
        (``TicketStore.unknown``); ``take_in`` is the intake (``Pipeline.take_in``), which
        returns how many versions were new."""
        self.connector, self.settings, self.metrics = connector, settings, metrics
        self._unknown, self._take_in = unknown, take_in
        self._cursor: str | None = None
        self._to_read: list[str] = []
        """Unknown tickets listed but not read yet (a run's requests ran out): read first."""

    def run(self) -> Sweep:
        """One sweep within the request and budget limits; logs what it found."""
        sweep = Sweep()
        while sweep.requests < self.settings.requests_per_run and self._affordable():
            if self._to_read:
                sweep = self._read_some(sweep)
            elif sweep.finished:
                break
            else:
                sweep = self._list_page(sweep)
        self._log(sweep)
        return sweep

    def _list_page(self, sweep: Sweep) -> Sweep:
        page = self.connector.unassigned(self._cursor)
        fresh = self._unknown(page.tickets)
        self._to_read += [ticket_id for ticket_id in fresh if ticket_id not in self._to_read]
        self._cursor = page.cursor
        return replace(
            sweep, listed=sweep.listed + len(page.tickets), unknown=sweep.unknown + len(fresh),
            requests=sweep.requests + 1, finished=page.cursor is None,
        )  # fmt: skip

    def _read_some(self, sweep: Sweep) -> Sweep:
        """Read the next unknown tickets in full, within the run's requests left, and hand
        them to the intake. Tickets stay to be read until a read answers."""
        per_request = max(1, self.connector.read_batch)
        left = self.settings.requests_per_run - sweep.requests
        size = per_request if per_request > 1 else min(ONE_BY_ONE, left)
        batch = self._to_read[:size]
        found = self.connector.read_many(batch)
        self._to_read = self._to_read[len(batch) :]
        for ticket_id in sorted(set(batch) - set(found)):
            log.info("reconcile: ticket %s was listed but cannot be read", ticket_id)
        taken = self._take_in(list(found.values()), VIA) if found else 0
        self.metrics.recovered.inc(taken)
        cost = -(-len(batch) // per_request)
        return replace(sweep, recovered=sweep.recovered + taken, requests=sweep.requests + cost)

    def _affordable(self) -> bool:
        left = self.connector.budget_left()
        return left is None or left >= self.settings.reserve_requests

    @staticmethod
    def _log(sweep: Sweep) -> None:
        if sweep.recovered or sweep.unknown:
            log.info(
                "reconcile: %d open unassigned tickets listed, %d unknown to the store, %d "
                "taken in (%d requests%s)", sweep.listed, sweep.unknown, sweep.recovered,
                sweep.requests, "; the listing reached its end" if sweep.finished else "",
            )  # fmt: skip
        else:
            log.debug("reconcile: %d open unassigned tickets listed, all known (%d requests)",
                      sweep.listed, sweep.requests)  # fmt: skip
