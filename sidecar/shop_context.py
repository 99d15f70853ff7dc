"""Customer context for live tickets: the shop's answer, cached, and never a reason to wait.

Before the router decides, each ticket with a requester gets ``customer`` (the shop's
``CustomerContext``) from the store's cache when it is younger than the TTL, else from the
shop, asked in batches. Asking is bounded: each request has the shop's short timeout, a
routing pass spends at most ``budget_seconds`` on the shop, and after a failure the shop is
left alone for a while (its ``Retry-After``, at least ``COOL_OFF_SECONDS``). A ticket
whose requester could not be looked up is routed on what is known, with
``customer_unavailable`` saying why, which the decision trace shows.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from config.settings import ShopSettings
from connectors.errors import ConnectorError, RetriableError
from connectors.shop.base import Shop
from router.customer import CustomerContext
from router.model import Ticket
from sidecar.store.customers import CustomerStore

log = logging.getLogger("deskroute.sidecar")
COOL_OFF_SECONDS = 30.0
"""After a failure the shop is not asked again for this long (or its Retry-After)."""


class ShopContext:
    """Attaches the shop's customer context to tickets, through the store's cache."""

    def __init__(
        self,
        shop: Shop,
        store: CustomerStore,
        settings: ShopSettings,
        monotonic: Callable[[], float],
    ) -> None:
        self.shop, self.store, self.settings, self.monotonic = shop, store, settings, monotonic
        self._quiet_until = 0.0
        self._why = ""

    def enrich(self, tickets: Sequence[Ticket], now: datetime) -> list[Ticket]:
        """``tickets`` with the customer context of each requester the shop knows, or the
        reason it could not be asked."""
        keys = {t.requester for t in tickets if t.requester and t.customer is None}
        if not keys:
            return list(tickets)
        since = now - timedelta(seconds=self.settings.ttl_seconds)
        known = self.store.fresh(self.shop.name, keys, since)
        fetched, unavailable = self.fetch(sorted(keys - known.keys()))
        if fetched:
            self.store.save(self.shop.name, fetched, now)
        known |= fetched
        return [_with_context(ticket, known, unavailable) for ticket in tickets]

    def fetch(
        self, keys: Sequence[str]
    ) -> tuple[dict[str, CustomerContext | None], dict[str, str]]:
        """Ask the shop for ``keys`` within the pass's budget: the answers (None: unknown to
        the shop) and, for each key left unasked, why."""
        answers: dict[str, CustomerContext | None] = {}
        started = self.monotonic()
        size = max(1, self.shop.batch_size)
        for start in range(0, len(keys), size):
            why = self._why_not(started)
            if why is not None:
                return answers, dict.fromkeys(keys[start:], why)
            batch = keys[start : start + size]
            try:
                found = self.shop.contexts(batch)
            except ConnectorError as error:
                self._failed(error)
                return answers, dict.fromkeys(keys[start:], self._why)
            except Exception as error:  # a bug in a shop's mapping must not stop routing
                log.exception("shop context: unexpected failure")
                self._failed(ConnectorError(f"unexpected {type(error).__name__}: {error}"))
                return answers, dict.fromkeys(keys[start:], self._why)
            answers.update({key: found.get(key) for key in batch})
        return answers, {}

    def _why_not(self, started: float) -> str | None:
        """Why the shop is not asked now (resting after a failure, budget spent), or None."""
        now = self.monotonic()
        if now < self._quiet_until:
            return self._why
        if now - started >= self.settings.budget_seconds:
            return f"{self.shop.name} lookups took the pass's {self.settings.budget_seconds:g}s"
        return None

    def _failed(self, error: ConnectorError) -> None:
        wait = error.retry_after if isinstance(error, RetriableError) else None
        rest = max(COOL_OFF_SECONDS, wait or 0.0)
        self._quiet_until = self.monotonic() + rest
        self._why = f"{self.shop.name}: {error}"
        log.warning("shop context unavailable for %.0fs: %s", rest, error)


def _with_context(
    ticket: Ticket,
    known: dict[str, CustomerContext | None],
    unavailable: dict[str, str],
) -> Ticket:
    if ticket.requester is None or ticket.customer is not None:
        return ticket
    context = known.get(ticket.requester)
    if context is not None:
        enriched: Ticket = ticket.evolve(customer=context, customer_unavailable=None)
        return enriched
    why = unavailable.get(ticket.requester)
    if why is not None:
        marked: Ticket = ticket.evolve(customer_unavailable=why)
        return marked
    return ticket
