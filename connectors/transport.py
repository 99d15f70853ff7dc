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
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import requests
from tenacity import RetryCallState, Retrying, retry_if_exception_type, stop_after_attempt

from connectors.auth import Credentials
from connectors.budget import Sleep, TokenBucket, read_rate_headers
from connectors.classify import classify, parse_retry_after
from connectors.errors import RetriableError

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


@dataclass(kw_only=True, slots=True)
class TransportStats:
    """Counters of what went over the wire (for logs, metrics and benchmarks)."""

    requests: int = 0
    writes: int = 0
    retries: int = 0
    http_429: int = 0
    budget_wait: float = 0.0


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
    ) -> requests.Response:
        """Send one request with budget and retries; raises a ``ConnectorError`` on failure."""
        retrying = Retrying(
            stop=stop_after_attempt(self._retry.attempts),
            wait=self._wait,
            retry=retry_if_exception_type(RetriableError),
            sleep=self._sleep,
            reraise=True,
            before_sleep=self._before_retry,
        )
        response: requests.Response | None = None
        for attempt in retrying:
            with attempt:
                response = self._once(method, path, params, json, limit, per_ticket)
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
    ) -> requests.Response:
        buckets = [self._budgets["account"]]
        if limit is not None and limit in self._budgets:
            buckets.append(self._budgets[limit])
        for bucket in buckets:
            self.stats.budget_wait += bucket.take()
        self.stats.requests += 1
        self.stats.writes += method.upper() in WRITE_METHODS
        response = self._request(method, path, params, body)
        buckets[0].observe(read_rate_headers(response.headers))
        if response.status_code == 429:
            self.stats.http_429 += 1
            wait = parse_retry_after(response.headers.get("Retry-After"))
            wait = self._retry.default_retry_after if wait is None else wait
            buckets[-1].drain(wait)
            raise RetriableError("HTTP 429: rate limited", status=429, retry_after=wait)
        if response.status_code >= 400:
            raise classify(response.status_code, response.text, per_ticket=per_ticket)
        return response

    def _request(
        self, method: str, path: str, params: Mapping[str, Any] | None, body: Any
    ) -> requests.Response:
        headers = {"Authorization": self._credentials.header, "Accept": "application/json"}
        try:
            return self._session.request(
                method, self.url(path), params=params, json=body,
                headers=headers, timeout=self._timeout,
            )
        except requests.Timeout:
            raise RetriableError(f"{method} {path}: timed out after {self._timeout}s") from None
        except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError) as error:
            kind = type(error).__name__
            raise RetriableError(f"{method} {path}: connection failed ({kind})") from None

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


def budgets_for(
    limits: Mapping[str, int], *, window: float, share: float, clock: Callable[[], float],
    sleep: Sleep,
) -> dict[str, TokenBucket]:
    """One token bucket per named limit (requests per ``window`` seconds)."""
    return {
        name: TokenBucket(limit=limit, window=window, share=share, clock=clock, sleep=sleep)
        for name, limit in limits.items()
    }
