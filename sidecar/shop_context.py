"""Customer context for live tickets: the shop's answer, cached, and never a reason to wait.

Before the router decides, each ticket gets ``customer`` (the shop's ``CustomerContext``)
for its requester's e-mail address (``Ticket.requester_email``: a desk's requester id means
nothing to a shop) from the store's cache when it is younger than the TTL, else from the
shop, asked in batches. A ticket whose desk gave no address is routed without context and
its trace says "no requester e-mail". The cache is keyed by a digest of the address
(``cache_key``), so the store holds no addresses; logs show them masked (``masked``).

Asking is bounded: each request has the shop's short timeout, a routing pass spends at most
``budget_seconds`` on the shop, and after a failure the shop is left alone for a while (its
``Retry-After``, at least ``COOL_OFF_SECONDS``). A ticket whose requester could not be
looked up is routed on what is known, with ``customer_unavailable`` saying why, which the
decision trace shows. ``/metrics`` counts cache hits and misses, failed batches and each
batch's time.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta

from config.settings import ShopSettings
from connectors.errors import ConnectorError, RetriableError
from connectors.shop.base import Shop
from router.customer import CustomerContext
from router.model import Ticket
from sidecar.log_fields import fields
from sidecar.metrics import Metrics
from sidecar.store.customers import CustomerStore

log = logging.getLogger("deskroute.sidecar")
COOL_OFF_SECONDS = 30.0
"""After a failure the shop is not asked again for this long (or its Retry-After)."""
NO_EMAIL = "no requester e-mail"
"""Why a ticket was not looked up: the desk gave no address for its requester."""


def cache_key(email: str) -> str:
    """The store's key for an address: its SHA-256, hex (an address is never stored)."""
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()


def masked(email: str) -> str:
    """An address for a log line: ``c***@customers.invalid``."""
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain}" if domain else "***"


class ShopContext:
    """Attaches the shop's customer context to tickets, through the store's cache."""

    def __init__(
        self,
        shop: Shop,
        store: CustomerStore,
        settings: ShopSettings,
        monotonic: Callable[[], float],
        metrics: Metrics | None = None,
    ) -> None:
        self.shop, self.store, self.settings, self.monotonic = shop, store, settings, monotonic
        self.metrics = metrics or Metrics()
        self._quiet_until = 0.0
        self._why = ""

    def enrich(self, tickets: Sequence[Ticket], now: datetime) -> list[Ticket]:
        """``tickets`` with the customer context of each requester the shop knows, or the
        reason it could not be asked."""
        emails = {t.requester_email for t in tickets if t.requester_email and t.customer is None}
        if not emails:  # nothing to ask: only the tickets without an address are marked
            return [_with_context(ticket, {}, {}) for ticket in tickets]
        keys = {cache_key(email): email for email in emails}
        since = now - timedelta(seconds=self.settings.ttl_seconds)
        cached = self.store.fresh(self.shop.name, keys, since)
        known = {keys[key]: context for key, context in cached.items()}
        self.metrics.shop_cache.labels(result="hit").inc(len(cached))
        self.metrics.shop_cache.labels(result="miss").inc(len(emails) - len(cached))
        fetched, unavailable = self.fetch(sorted(emails - known.keys()))
        if fetched:
            saved = {cache_key(email): context for email, context in fetched.items()}
            self.store.save(self.shop.name, saved, now)
        known |= fetched
        asked = [masked(email) for email in fetched]
        log.debug("shop context: %d cached, %d fetched", len(cached), len(fetched),
                  extra=fields(asked=asked, unavailable=len(unavailable)))  # fmt: skip
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
                found = self._timed(batch)
            except ConnectorError as error:
                self._failed(error)
                return answers, dict.fromkeys(keys[start:], self._why)
            except Exception as error:  # a bug in a shop's mapping must not stop routing
                log.exception("shop context: unexpected failure")
                self._failed(ConnectorError(f"unexpected {type(error).__name__}: {error}"))
                return answers, dict.fromkeys(keys[start:], self._why)
            answers.update({key: found.get(key) for key in batch})
        return answers, {}

    def _timed(self, batch: Sequence[str]) -> Mapping[str, CustomerContext]:
        """The shop's answer for one batch, its time observed (a failure's too)."""
        began = self.monotonic()
        try:
            return self.shop.contexts(batch)
        finally:
            took = max(0.0, self.monotonic() - began)
            self.metrics.shop_seconds.labels(shop=self.shop.name).observe(took)

    def _why_not(self, started: float) -> str | None:
        """Why the shop is not asked now (resting after a failure, budget spent), or None."""
        now = self.monotonic()
        if now < self._quiet_until:
            return self._why
        if now - started >= self.settings.budget_seconds:
            return f"{self.shop.name} lookups took the pass's {self.settings.budget_seconds:g}s"
        return None

    def _failed(self, error: ConnectorError) -> None:
        self.metrics.shop_failures.labels(shop=self.shop.name).inc()
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
    if ticket.customer is not None:
        return ticket
    if ticket.requester_email is None:
        marked_no_email: Ticket = ticket.evolve(customer_unavailable=NO_EMAIL)
        return marked_no_email
    context = known.get(ticket.requester_email)
    if context is not None:
        enriched: Ticket = ticket.evolve(customer=context, customer_unavailable=None)
        return enriched
    why = unavailable.get(ticket.requester_email)
    if why is not None:
        marked: Ticket = ticket.evolve(customer_unavailable=why)
        return marked
    return ticket
