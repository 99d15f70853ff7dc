"""The one place connectors do HTTP: budget, send, retry, classify.

``Transport.send`` waits for the request budget, sends through the injected
``requests.Session``, corrects the budget from the rate-limit headers, retries
transient failures with bounded exponential backoff and jitter (429 waits for
``Retry-After``), and turns every other failure into a connector error.
The sleep is a seam too, so tests never wait.
"""

from __future__ import annotations

import logging
import random
import re
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import requests
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    retry_if_not_exception_type,
    stop_after_attempt,
)

from connectors.auth import Credentials
from connectors.budget import Sleep, TokenBucket, read_rate_headers
from connectors.classify import classify, parse_retry_after, request_label
from connectors.errors import (
    AmbiguousWriteError,
    RetriableError,
    UnreachableError,
    WrongAddressError,
)

log = logging.getLogger("deskroute.connectors")
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@dataclass(frozen=True, kw_only=True, slots=True)
class RetryPolicy:
    """How hard ``send`` tries: attempts, backoff bounds and the 429 fallback wait."""

    attempts: int = 5
    initial: float = 0.5
    maximum: float = 30.0
    jitter: float = 0.5
    default_retry_after: float = 5.0
    max_retry_after: float = 120.0


@dataclass(frozen=True, slots=True)
class Call:
    """One kind of request, as the metrics count them."""

    endpoint: str
    """``METHOD /path`` with ids replaced by ``{id}`` (``GET /api/v2/tickets/{id}.json``)."""
    status: str
    """The HTTP status (``200``, ``429``), or ``error`` when no answer came."""


_ID_SEGMENT = re.compile(r"(?<=/)\d+(?=/|\.json$|$)")


def endpoint_of(method: str, url: str) -> str:
    """``METHOD /path`` of a request with numeric ids as ``{id}`` and no query: a label
    that stays the same for every ticket, so a metric has one series per endpoint."""
    return f"{method.upper()} {_ID_SEGMENT.sub('{id}', urlsplit(url).path)}"


@dataclass(kw_only=True, slots=True)
class TransportStats:
    """Counters of what went over the wire (for logs, metrics and benchmarks)."""

    requests: int = 0
    writes: int = 0
    retries: int = 0
    http_429: int = 0
    budget_wait: float = 0.0
    calls: Counter[Call] = field(default_factory=Counter)
    """Requests sent, by endpoint and answer."""
    retried: Counter[str] = field(default_factory=Counter)
    """Retries, by endpoint (``Call.endpoint``)."""


class Transport:
    """HTTP for one help-desk account, with a budget per endpoint family."""

    def __init__(
        self,
        *,
        base_url: str,
        credentials: Credentials,
        session: requests.Session,
        budgets: Mapping[str, TokenBucket],
        retry: RetryPolicy = RetryPolicy(),
        timeout: float = 30.0,
        sleep: Sleep = time.sleep,
        vendor: str = "helpdesk",
        rng: random.Random | None = None,
    ) -> None:
        if "account" not in budgets:
            raise ValueError("budgets must include the 'account' bucket")
        self.base_url = base_url.rstrip("/")
        self._credentials, self._session = credentials, session
        self._budgets, self._retry = budgets, retry
        self._timeout, self._sleep, self.vendor = timeout, sleep, vendor
        self.stats = TransportStats()
        self._rng = rng or random.Random()

    def budget_left(self) -> float:
        """Requests the account budget allows now without waiting."""
        return self._budgets["account"].left()

    def url(self, path: str) -> str:
        """Absolute URL for an API path, or ``path`` itself when already absolute."""
        return path if path.startswith("http") else f"{self.base_url}{path}"

    def send(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        limit: str | None = None,
        per_ticket: bool = False,
        cost: int = 1,
        retry: bool = True,
    ) -> requests.Response:
        """Send one request with budget and retries; raises a ``ConnectorError`` on failure.

        ``cost`` is what the request spends of the account budget (Freshdesk charges extra
        API credits per ``include``); the answer's own account of its cost corrects it.
        ``retry=False`` sends once: for an unguarded write whose freshness check would be
        stale after a backoff (the caller checks again and sends later).
        """
        retrying = Retrying(
            stop=stop_after_attempt(self._retry.attempts if retry else 1),
            wait=self._wait,
            retry=retry_if_exception_type(RetriableError)
            & retry_if_not_exception_type(AmbiguousWriteError),
            sleep=self._sleep,
            reraise=True,
            before_sleep=self._before_retry,
        )
        response: requests.Response | None = None
        for attempt in retrying:
            if attempt.retry_state.attempt_number > 1:
                self.stats.retried[endpoint_of(method, self.url(path))] += 1
            with attempt:
                response = self._once(method, path, params, json, limit, per_ticket, cost)
        assert response is not None  # tenacity either returned a response or raised
        return response

    def _once(
        self,
        method: str,
        path: str,
        params: Mapping[str, Any] | None,
        body: Any,
        limit: str | None,
        per_ticket: bool,
        cost: int,
    ) -> requests.Response:
        buckets = [self._budgets["account"]]
        if limit is not None and limit in self._budgets:
            buckets.append(self._budgets[limit])
        self.stats.budget_wait += buckets[0].take(cost)
        for bucket in buckets[1:]:
            self.stats.budget_wait += bucket.take()
        self.stats.requests += 1
        self.stats.writes += method.upper() in WRITE_METHODS
        endpoint = endpoint_of(method, self.url(path))
        try:
            response = self._request(method, path, params, body)
        except Exception:
            self.stats.calls[Call(endpoint, "error")] += 1
            raise
        self.stats.calls[Call(endpoint, str(response.status_code))] += 1
        reading = read_rate_headers(response.headers)
        if reading.cost is not None:
            buckets[0].charge(reading.cost - cost)
        buckets[0].observe(reading)
        where = request_label(method, self.url(path))
        if response.status_code == 429:
            self.stats.http_429 += 1
            wait = parse_retry_after(response.headers.get("Retry-After"))
            wait = self._retry.default_retry_after if wait is None else wait
            buckets[-1].drain(wait)
            raise RetriableError(f"{where}: HTTP 429: rate limited", status=429, retry_after=wait)
        if response.status_code >= 400:
            raise classify(
                response.status_code, response.text, per_ticket=per_ticket, request=where
            )
        if "text/html" in response.headers.get("Content-Type", ""):
            # every help-desk API answers JSON: a web page means a wrong address or a login
            raise WrongAddressError(
                f"{where}: answered a web page, not the help desk's API",
                status=response.status_code,
            )
        return response

    def _request(
        self, method: str, path: str, params: Mapping[str, Any] | None, body: Any
    ) -> requests.Response:
        headers = {self._credentials.name: self._credentials.header, "Accept": "application/json"}
        url = self.url(path)
        try:
            return self._session.request(
                method,
                url,
                params=params,
                json=body,
                headers=headers,
                timeout=self._timeout,
            )
        except requests.ConnectTimeout:
            raise UnreachableError(
                f"{request_label(method, url)}: no connection within {self._timeout:g}s (timed out)"
            ) from None
        except requests.Timeout:
            raise _lost(
                method,
                f"{request_label(method, url)}: no answer within {self._timeout:g}s (timed out)",
            ) from None
        except requests.exceptions.ChunkedEncodingError:
            # the server answered, then the connection broke mid-body: not an address problem
            raise _lost(
                method, f"{request_label(method, url)}: connection broke while reading the answer"
            ) from None
        except requests.ConnectionError as error:
            reason, unreachable = connection_failure(error)
            message = f"{request_label(method, url)}: connection failed ({reason})"
            raise (UnreachableError(message) if unreachable else _lost(method, message)) from None

    def _wait(self, state: RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome else None
        if isinstance(error, RetriableError) and error.retry_after is not None:
            return min(error.retry_after, self._retry.max_retry_after)
        policy = self._retry
        backoff = min(policy.maximum, policy.initial * 2.0 ** (state.attempt_number - 1))
        return backoff + self._rng.uniform(0, policy.jitter)

    def _before_retry(self, state: RetryCallState) -> None:
        self.stats.retries += 1
        error = state.outcome.exception() if state.outcome else None
        wait = state.next_action.sleep if state.next_action else 0.0
        log.warning(
            "%s: retrying in %.2fs (attempt %d): %s", self.vendor, wait, state.attempt_number, error
        )


UNREACHABLE_REASONS = (
    ("refused", "connection refused: nothing listens there"),
    ("name or service not known", "unknown host name"),
    ("nodename nor servname", "unknown host name"),
    ("name resolution", "host name could not be resolved"),
    ("failed to resolve", "host name could not be resolved"),
    ("no route to host", "no route to host"),
    ("network is unreachable", "network unreachable"),
    ("certificate", "TLS certificate not accepted"),
    ("ssl", "TLS handshake failed"),
)
"""Failures that mean the address is wrong or down: the message names the reason."""
BROKEN_REASONS = (
    ("reset by peer", "connection reset"),
    ("remote end closed", "closed without an answer"),
    ("aborted", "connection aborted"),
)


def _lost(method: str, message: str) -> RetriableError:
    """The error for an answer that never came: a write may have landed (ambiguous, not
    repeated here), a read is simply retried."""
    if method.upper() in WRITE_METHODS:
        return AmbiguousWriteError(f"{message}; it may have been carried out")
    return RetriableError(message)


def connection_failure(error: requests.ConnectionError) -> tuple[str, bool]:
    """Plain words for why a connection failed, and whether nothing answers at the address."""
    text = str(error).lower()
    for needle, reason in UNREACHABLE_REASONS:
        if needle in text:
            return reason, True
    for needle, reason in BROKEN_REASONS:
        if needle in text:
            return reason, False
    return type(error).__name__, False


def budgets_for(
    limits: Mapping[str, int],
    *,
    window: float,
    share: float,
    clock: Callable[[], float],
    sleep: Sleep,
) -> dict[str, TokenBucket]:
    """One token bucket per named limit (requests per ``window`` seconds)."""
    return {
        name: TokenBucket(limit=limit, window=window, share=share, clock=clock, sleep=sleep)
        for name, limit in limits.items()
    }
