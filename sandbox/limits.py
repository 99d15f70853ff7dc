"""Per-plan rate limits (fixed windows, scalable), injectable faults and traffic counters."""

from __future__ import annotations

import math
import random
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass


@dataclass(frozen=True, slots=True)
class Verdict:
    """The outcome of counting one request against a limit."""

    allowed: bool
    limit: int
    remaining: int
    reset: float


class RateLimiter:
    """Fixed-window counters per key (``zendesk``, ``zendesk:export``...), like the vendors'."""

    def __init__(self, window: float = 60.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.window, self._clock = window, clock
        self._lock = threading.Lock()
        self._counts: dict[str, tuple[float, int]] = {}

    def hit(self, key: str, limit: int, cost: int = 1) -> Verdict:
        """Count a request costing ``cost`` under ``key``; refused (and not counted) when
        the window's ``limit`` cannot pay for it."""
        with self._lock:
            start, used, reset = self._window(key)
            if used + cost > limit:
                return Verdict(False, limit, max(0, limit - used), reset)
            self._counts[key] = (start, used + cost)
            return Verdict(True, limit, limit - used - cost, reset)

    def spend(self, key: str, limit: int, cost: int = 1) -> Verdict:
        """Count ``cost`` under ``key`` even past the limit: what people do in the help
        desk's own UI is never refused, but it uses up the budget the API shares with it."""
        with self._lock:
            start, used, reset = self._window(key)
            self._counts[key] = (start, used + cost)
            return Verdict(used + cost <= limit, limit, max(0, limit - used - cost), reset)

    def _window(self, key: str) -> tuple[float, int, float]:
        """The current window's start, the count used in it, and seconds to its end."""
        now = self._clock()
        start, used = self._counts.get(key, (now, 0))
        if now - start >= self.window:
            start, used = now, 0
        self._counts[key] = (start, used)
        return start, used, max(0.0, start + self.window - now)

    def peek(self, key: str, limit: int) -> Verdict:
        """The state of ``key`` without counting."""
        with self._lock:
            _, used, reset = self._window(key)
            return Verdict(used < limit, limit, max(0, limit - used), reset)

    def used(self, key: str) -> int:
        """Requests (or credits) counted under ``key`` in the current window."""
        with self._lock:
            return self._window(key)[1]


def retry_after_seconds(reset: float) -> int:
    """``Retry-After`` is whole seconds; never tell a client 0 while still limited."""
    return max(1, math.ceil(reset))


@dataclass(slots=True)
class Faults:
    """What to break, per request: rates in [0, 1], latency and how long a timeout hangs.

    ``latency_ms`` delays every answer; ``slow_rate`` of them are instead ``slow_ms`` late
    (a slow response that still arrives, unlike a timeout, which hangs past the client).
    """

    error_rate: float = 0.0
    timeout_rate: float = 0.0
    reset_rate: float = 0.0
    latency_ms: float = 0.0
    timeout_seconds: float = 5.0
    slow_rate: float = 0.0
    slow_ms: float = 1000.0

    def as_dict(self) -> dict[str, float]:
        """JSON-ready form."""
        return asdict(self)

    def pick(self, rng: random.Random) -> str | None:
        """``error``, ``timeout``, ``reset`` or None for this request."""
        roll = rng.random()
        for name, rate in (
            ("error", self.error_rate),
            ("timeout", self.timeout_rate),
            ("reset", self.reset_rate),
        ):
            if roll < rate:
                return name
            roll -= rate
        return None

    def delay(self, rng: random.Random) -> float:
        """Seconds this request is held before it is answered (slow or plain latency)."""
        slow = self.slow_rate > 0 and rng.random() < self.slow_rate
        return (self.slow_ms if slow else self.latency_ms) / 1000


class Storm:
    """A switchable 429 storm: until it ends, every API request is refused with ``Retry-After``.

    Real accounts see these when another integration spends the shared budget; the window
    is on the monotonic ``clock`` so tests can move it.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self.until = 0.0
        self.retry_after = 1

    def start(self, seconds: float, retry_after: int = 1) -> None:
        """Refuse everything for ``seconds`` from now, telling clients to wait ``retry_after``."""
        if seconds < 0 or retry_after < 1:
            raise ValueError("a storm needs seconds >= 0 and retry_after >= 1")
        self.until, self.retry_after = self._clock() + seconds, retry_after

    def stop(self) -> None:
        """End the storm now."""
        self.until = 0.0

    def left(self) -> float:
        """Seconds the storm still lasts (0: calm)."""
        return max(0.0, self.until - self._clock())


class TrafficStats:
    """Counters of requests per vendor, method class and status (for tests and benchmarks)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.counts: Counter[str] = Counter()

    def count(self, vendor: str, method: str, status: int, route: str) -> None:
        """Record one answered request."""
        kind = "reads" if method in ("GET", "HEAD") else "writes"
        with self._lock:
            self.counts[f"{vendor}.requests"] += 1
            self.counts[f"{vendor}.{kind}"] += 1
            self.counts[f"{vendor}.status.{status}"] += 1
            self.counts[f"{vendor}.route.{method} {route}"] += 1

    def snapshot(self) -> dict[str, int]:
        """A copy of every counter."""
        with self._lock:
            return dict(self.counts)

    def reset(self) -> None:
        """Zero every counter."""
        with self._lock:
            self.counts.clear()
