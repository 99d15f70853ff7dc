"""Channels offered only at some hours: outside them a customer uses another channel.

A shop shows its chat widget while someone is online; a customer who comes at night
leaves a message (an email ticket) instead. The channel an arrival *wants* is drawn as
usual; this only changes it afterwards, from the arrival's time, so it costs no random
draw and common random numbers are untouched.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from router.schedule import Window
from simulation.scenario import ChannelHours


class OfferedChannels:
    """Which channel each arrival ends up using, given the hours channels are offered."""

    def __init__(self, hours: Mapping[str, ChannelHours], start: datetime) -> None:
        self.start = start
        self.windows = {
            name: (
                Window(days=spec.days, start=spec.start, end=spec.end),
                ZoneInfo(spec.timezone),
                spec.otherwise,
            )
            for name, spec in hours.items()
        }

    def used(self, minutes: list[float], wanted: list[str]) -> list[str]:
        """The channel each arrival (at ``minutes`` after the start) uses."""
        if not self.windows:
            return wanted
        return [self._channel(minute, name) for minute, name in zip(minutes, wanted, strict=True)]

    def _channel(self, minute: float, name: str) -> str:
        offered = self.windows.get(name)
        if offered is None:
            return name
        window, zone, otherwise = offered
        local = (self.start + timedelta(minutes=minute)).astimezone(zone)
        return name if window.contains(local) else otherwise
