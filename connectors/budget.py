"""A client-side request budget: a token bucket corrected by the server's rate-limit headers.

The bucket spends ``share`` of the plan's per-window limit so the sidecar leaves room for
humans, apps and integrations using the same account. Each response's headers (either
vendor's naming) tell us the real limit and what is left; we never believe we have more
than the server says remains above our reserved slice.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass

EPSILON = 1e-9
"""Float slack: a bucket refilled to 0.9999999999 has a token."""

Clock = Callable[[], float]
Sleep = Callable[[float], None]

LIMIT_HEADERS = ("x-ratelimit-total", "x-rate-limit", "ratelimit-limit", "rate-limit")
REMAINING_HEADERS = (
    "x-ratelimit-remaining",
    "x-rate-limit-remaining",
    "ratelimit-remaining",
    "rate-limit-remaining",
)


COST_HEADERS = ("x-ratelimit-used-currentrequest",)
"""Freshdesk: the API credits this request cost (includes cost extra)."""


@dataclass(frozen=True, slots=True)
class RateReading:
    """What one response's headers say about the account's quota."""

    limit: int | None
    remaining: int | None
    cost: int | None = None


def read_rate_headers(headers: Mapping[str, str]) -> RateReading:
    """Parse Zendesk (``x-rate-limit``, ``ratelimit-*``) or Freshdesk (``X-RateLimit-*``)."""
    lowered = {key.lower(): value for key, value in headers.items()}
    return RateReading(
        _first_int(lowered, LIMIT_HEADERS),
        _first_int(lowered, REMAINING_HEADERS),
        _first_int(lowered, COST_HEADERS),
    )


def _first_int(headers: Mapping[str, str], names: tuple[str, ...]) -> int | None:
    for name in names:
        value = headers.get(name)
        if value is not None:
            try:
                return int(float(value.strip()))
            except ValueError:
                continue
    return None


class TokenBucket:
    """Refills ``share * limit`` tokens per ``window`` seconds; ``take`` waits for one.

    Any window of ``window`` seconds sees at most ``limit`` requests (plus one when the
    share is 1): the burst is capped at ``min(share, 1 - share) * limit``.
    """

    def __init__(
        self, *, limit: int, window: float = 60.0, share: float = 0.8, clock: Clock, sleep: Sleep
    ) -> None:
        if limit < 1 or window <= 0 or not 0 < share <= 1:
            raise ValueError("limit must be >= 1, window > 0 and 0 < share <= 1")
        self.window, self.share = window, share
        self._clock, self._sleep = clock, sleep
        self._lock = threading.Lock()
        self._set_limit(limit)
        self._tokens = self.capacity
        self._stamp = clock()

    def _set_limit(self, limit: int) -> None:
        # Refill at our share of the limit; keep the burst small enough that burst plus a
        # window's refill never exceeds the limit in any window (the server counts windows).
        self.limit = limit
        self.rate = limit * self.share / self.window
        self.capacity = max(1.0, min(self.share, 1 - self.share) * limit)

    def take(self, cost: float = 1.0) -> float:
        """Spend ``cost`` tokens (a request that costs several API credits spends several),
        sleeping until they are there; returns the seconds waited. A cost above the burst
        waits for a full bucket and leaves a debt the next requests wait out."""
        need = min(cost, self.capacity)
        waited = 0.0
        while True:
            with self._lock:
                self._refill()
                if self._tokens >= need - EPSILON:
                    self._tokens -= cost
                    return waited
                delay = (need - self._tokens) / self.rate
            self._sleep(delay)
            waited += delay

    def charge(self, extra: float) -> None:
        """Spend ``extra`` tokens now without waiting (the server said a request cost more
        than we took for it); the debt delays the next requests."""
        if extra > 0:
            with self._lock:
                self._refill()
                self._tokens -= extra

    def left(self) -> float:
        """Tokens available now (0 while a 429 or the server's count holds us back)."""
        with self._lock:
            self._refill()
            return max(0.0, self._tokens)

    def reshape(self, *, limit: int, window: float) -> None:
        """A new limit per window (Shopify reports its bucket size and refill rate in every
        answer): the refill rate and burst follow; tokens held are kept up to the burst."""
        if limit < 1 or window <= 0:
            raise ValueError("limit must be >= 1 and window > 0")
        with self._lock:
            self._refill()
            self.window = window
            self._set_limit(limit)
            self._tokens = min(self._tokens, self.capacity)

    def observe(self, reading: RateReading) -> None:
        """Correct the bucket from the server's view: its limit and what remains."""
        with self._lock:
            self._refill()
            if reading.limit is not None and reading.limit >= 1 and reading.limit != self.limit:
                self._set_limit(reading.limit)
            if reading.remaining is not None and reading.limit is not None:
                reserve = reading.limit * (1 - self.share)
                self._tokens = min(self._tokens, max(0.0, reading.remaining - reserve))

    def drain(self, seconds: float) -> None:
        """After a 429: assume nothing is left for ``seconds``."""
        with self._lock:
            self._tokens = min(self._tokens, -seconds * self.rate + 1)
            self._stamp = self._clock()

    def _refill(self) -> None:
        now = self._clock()
        self._tokens = min(self.capacity, self._tokens + (now - self._stamp) * self.rate)
        self._stamp = now
