"""Test knobs: environment variables for fault-injection runs, never for production.

They are kept out of ``Settings`` (and so out of ``config check`` and the documented
configuration) on purpose: each one makes a replica misbehave in a way the chaos runs
need to provoke.
"""

from __future__ import annotations

import os
from datetime import timedelta

from config.settings import ConfigError

CLOCK_SKEW = "DESKROUTE_CLOCK_SKEW_SECONDS"
"""Seconds added to this replica's wall clock (negative: behind), as a replica whose NTP
failed would have. The chaos run's ``--skew-clock N`` sets it on one replica."""


def clock_skew(environ: dict[str, str] | None = None) -> timedelta:
    """The skew ``DESKROUTE_CLOCK_SKEW_SECONDS`` asks for (zero when unset or empty).

    Raises ``ConfigError`` naming the variable when it is not a number of seconds.
    """
    raw = (os.environ if environ is None else environ).get(CLOCK_SKEW, "").strip()
    if not raw:
        return timedelta(0)
    try:
        seconds = float(raw)
    except ValueError:
        raise ConfigError([(CLOCK_SKEW, f"not a number of seconds: {raw!r}")]) from None
    if not -86400 <= seconds <= 86400:
        raise ConfigError([(CLOCK_SKEW, "must be within a day either way")])
    return timedelta(seconds=seconds)
