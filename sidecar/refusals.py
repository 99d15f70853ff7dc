"""Per-source limit on refused webhook requests: a peer whose requests keep failing
authentication or parsing is answered 429 before its body is read or its signature
computed, for the rest of the minute.

Only refusals count: a help desk whose webhooks are accepted is never held back by this.
State lives in memory, per replica, bounded in the number of sources it remembers: it
protects this process's CPU and sockets, which is per replica anyway.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

WINDOW_SECONDS = 60.0
UNLIMITED = 2**62
"""A limit never reached (tests that fuzz the parsers with refused requests)."""


@dataclass
class _Window:
    started: float
    refused: int = 0


@dataclass
class RefusalLimit:
    """At most ``per_minute`` refused requests per source in a fixed one-minute window."""

    per_minute: int = 60
    max_sources: int = 10_000
    """Sources remembered at most; past it, windows that ended are forgotten, then all."""
    monotonic: Callable[[], float] = time.monotonic
    _windows: dict[str, _Window] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def wait(self, source: str) -> int | None:
        """Seconds ``source`` must wait before it is heard again (None: go ahead)."""
        with self._lock:
            window = self._current(source)
            if window is None or window.refused < self.per_minute:
                return None
            left = window.started + WINDOW_SECONDS - self.monotonic()
            return max(1, math.ceil(left))

    def refused(self, source: str) -> None:
        """Count one refused request of ``source``."""
        with self._lock:
            window = self._current(source)
            if window is None:
                self._make_room()
                window = self._windows[source] = _Window(self.monotonic())
            window.refused += 1

    def _current(self, source: str) -> _Window | None:
        window = self._windows.get(source)
        if window is not None and self.monotonic() - window.started >= WINDOW_SECONDS:
            del self._windows[source]
            return None
        return window

    def _make_room(self) -> None:
        if len(self._windows) < self.max_sources:
            return
        now = self.monotonic()
        self._windows = {
            source: window
            for source, window in self._windows.items()
            if now - window.started < WINDOW_SECONDS
        }
        if len(self._windows) >= self.max_sources:
            self._windows.clear()
