"""Service-level thresholds given on the command line: ``30m``, ``4h``, ``2d``, ``90s``."""

from __future__ import annotations

import re
from dataclasses import dataclass

UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
"""Seconds per unit; a threshold is named in the largest unit that divides it exactly."""

_DURATION = re.compile(r"^(?P<amount>\d+(?:\.\d+)?)\s*(?P<unit>[smhd])$")


@dataclass(frozen=True, order=True)
class Threshold:
    """A service-level threshold: served within ``seconds`` of arrival."""

    seconds: int

    @property
    def minutes(self) -> float:
        """The threshold in minutes (the unit of the records)."""
        return self.seconds / 60.0

    @property
    def label(self) -> str:
        """``1h`` for 3600 s, ``90m`` for 5400 s, ``45s`` for 45 s."""
        for unit in ("d", "h", "m"):
            if self.seconds and self.seconds % UNITS[unit] == 0:
                return f"{self.seconds // UNITS[unit]}{unit}"
        return f"{self.seconds}s"

    @property
    def key(self) -> str:
        """The metric name, e.g. ``sl_1h`` (per priority: ``sl_1h_urgent``)."""
        return f"sl_{self.label}"


def parse_threshold(text: str) -> Threshold:
    """Read ``30m``, ``4h``, ``2d``, ``1.5h`` or ``90s``; anything else raises ValueError."""
    found = _DURATION.match(text.strip().lower())
    if not found:
        raise ValueError(
            f"service-level threshold {text!r} must be a number with a unit: "
            "s, m, h or d (e.g. 30m, 4h, 2d)"
        )
    seconds = float(found["amount"]) * UNITS[found["unit"]]
    if seconds <= 0 or seconds != int(seconds):
        raise ValueError(f"service-level threshold {text!r} must be a positive whole second")
    return Threshold(int(seconds))


def parse_thresholds(texts: list[str]) -> tuple[Threshold, ...]:
    """Several thresholds, sorted, each once (``60m`` and ``1h`` are the same)."""
    return tuple(sorted({parse_threshold(text) for text in texts}))
