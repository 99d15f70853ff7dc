"""The connector's waits, cut short while the sidecar stops.

A connector waits in three places: between retries, for its rate budget, and for a bulk
job to finish. Against a help desk that is down, those waits are what held a SIGTERM for
34 s, past compose's 30 s grace, so the lease was never released. The connector is built
with ``Waits.sleep`` as its sleep seam; ``cut`` makes every wait, current and next, end at
once with ``ShuttingDownError`` (retriable: nothing is lost, the outbox re-checks and resends),
and ``allow`` lets them wait again, for the bounded final flush.
"""

from __future__ import annotations

import threading

from connectors.errors import ShuttingDownError


class Waits:
    """A sleep that ends early, raising ``ShuttingDownError``, once the waits are cut."""

    def __init__(self) -> None:
        self._cut = threading.Event()

    def sleep(self, seconds: float) -> None:
        """Wait ``seconds``; raise ``ShuttingDownError`` as soon as the waits are cut."""
        if self._cut.wait(max(seconds, 0.0)):
            raise ShuttingDownError("stopping: a wait was cut short")

    def cut(self) -> None:
        """End every wait now, and every later one until ``allow``."""
        self._cut.set()

    def allow(self) -> None:
        """Let waits run their course again."""
        self._cut.clear()

    def cut_after(self, seconds: float) -> threading.Timer:
        """Cut the waits ``seconds`` from now (cancel the returned timer to call it off)."""
        timer = threading.Timer(seconds, self.cut)
        timer.daemon = True
        timer.start()
        return timer
