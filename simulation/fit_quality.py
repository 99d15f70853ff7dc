"""How far a scenario fitted from history can be trusted: how much history there was, and a
warning for each part of the fit it was too short or too thin for.

The thresholds are those the fit itself uses (``simulation.fit``, ``simulation.team_fit``),
so a warning names exactly what was left at its default.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from simulation.replay import Past
from simulation.team_fit import MIN_EVENTS, MIN_SHIFT_SPAN_H, WEEK_H, FittedAgent

MIN_TICKETS = 200
"""Fewer tickets than this give rates and shares too noisy to compare policies on."""
MIN_HANDLE_SAMPLES = 10
"""A category's handle time from fewer observations is a guess (``simulation.fit``)."""


@dataclass(frozen=True)
class FitQuality:
    """The history a scenario was fitted from, and what of the fit is unreliable."""

    tickets: int
    first: datetime
    last: datetime
    span_h: float
    warnings: tuple[str, ...]

    @property
    def reliable(self) -> bool:
        """True when nothing needed a warning."""
        return not self.warnings

    @property
    def too_short(self) -> bool:
        """True when the history is too short to act on (under a day, or too few tickets)."""
        return self.span_h < MIN_SHIFT_SPAN_H or self.tickets < MIN_TICKETS

    def summary(self) -> str:
        """One line: how many tickets over how long, from when to when."""
        return (
            f"{self.tickets} tickets over {span_text(self.span_h)} "
            f"({self.first:%a %Y-%m-%d %H:%M} to {self.last:%a %Y-%m-%d %H:%M} {self.first:%Z})"
        )


def span_text(hours: float) -> str:
    """A length of history in the largest fitting unit: 2.0 minutes, 5.5 hours, 12.0 days."""
    if hours < 1:
        return f"{hours * 60:.1f} minutes"
    if hours < 48:
        return f"{hours:.1f} hours"
    return f"{hours / 24:.1f} days"


def assess(
    past: Sequence[Past],
    span_h: float,
    handles: Mapping[str, Sequence[float]],
    team: Mapping[str, FittedAgent],
) -> FitQuality:
    """The quality report of a fit from ``past`` (``handles``: observed work times per
    category; ``team``: what was fitted of each assignee)."""
    warnings = [
        *_length(len(past), span_h),
        *_handles(handles),
        *_team(team, span_h),
    ]
    return FitQuality(
        len(past), past[0].record.created_at, past[-1].record.created_at, span_h, tuple(warnings)
    )


def _length(tickets: int, span_h: float) -> list[str]:
    found = []
    if tickets < MIN_TICKETS:
        found.append(
            f"only {tickets} tickets (fewer than {MIN_TICKETS}): rates, shares and handle "
            "times are rough; export a longer period"
        )
    if span_h < MIN_SHIFT_SPAN_H:
        found.append(
            f"the history covers {span_text(span_h)}, less than a day: the rate is that of "
            "those hours alone, hours of the day it did not cover arrive at that rate, and "
            "no shift can be told; export at least a few weeks"
        )
    elif span_h < WEEK_H:
        found.append(
            f"the history covers {span_text(span_h)}, less than a week: weekdays it did not "
            "cover arrive at the mean rate and every agent works every day"
        )
    return found


def _handles(handles: Mapping[str, Sequence[float]]) -> list[str]:
    thin = sorted(c for c, samples in handles.items() if len(samples) < MIN_HANDLE_SAMPLES)
    if not thin:
        return []
    return [
        f"handle time of {len(thin)} {'category' if len(thin) == 1 else 'categories'} from "
        f"fewer than {MIN_HANDLE_SAMPLES} "
        f"observed work times (exponential with their mean, or the default): "
        + ", ".join(thin[:5])
        + (" ..." if len(thin) > 5 else "")
    ]


def _team(team: Mapping[str, FittedAgent], span_h: float) -> list[str]:
    if not team:
        return ["no ticket names an assignee: the team is a guess (ten generalists, always on)"]
    found = []
    unknown_shift = sorted(a.id for a in team.values() if a.shift is None)
    if unknown_shift and span_h >= MIN_SHIFT_SPAN_H:
        found.append(
            f"{len(unknown_shift)} of {len(team)} agents work always on: fewer than "
            f"{MIN_EVENTS} moments of work, or work around the clock ("
            + ", ".join(unknown_shift[:5])
            + (" ..." if len(unknown_shift) > 5 else "")
            + ")"
        )
    unknown_capacity = sorted(a.id for a in team.values() if a.capacity is None)
    if unknown_capacity:
        found.append(
            f"capacity of {len(unknown_capacity)} of {len(team)} agents cannot be told (fewer "
            f"than {MIN_EVENTS} tickets with a work time): 1 ticket at a time ("
            + ", ".join(unknown_capacity[:5])
            + (" ..." if len(unknown_capacity) > 5 else "")
            + ")"
        )
    return found
