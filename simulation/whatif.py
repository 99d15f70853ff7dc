"""From a history export to a decision: fit, today's routing, candidates, verdict, policy file.

The steps, each the one existing path:

1. **Fit** the history into a scenario with its quality report (``simulation.fit``).
2. **Today's routing**: the vendor preset that stands for what the desk does today —
   given (``--today``), else the automatic assignment of the help desk the history was
   exported from (its records' ``source``: Zendesk's capacity routing, Freshdesk's round
   robin, Chatwoot's balanced assignment), else Zendesk's, said to be an assumption. The
   history's own SLA attainment is set beside today's simulated one: when they are far
   apart, the fit does not reproduce the desk and the verdict says so.
3. **Candidates** run beside it on the same tickets, replications added until the paired
   intervals are narrow enough (``simulation.replicate``).
4. **Verdict** (``simulation.verdict``) and the **policy file** to try in shadow mode
   (``simulation.recommend.policy_file_of``, the file ``recommend`` writes).
"""

from __future__ import annotations

import math
import textwrap
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date

from router.policies import policy_names
from router.policies.vendors import VENDOR_PRESETS
from simulation.compare import Comparison
from simulation.fit_quality import FitQuality
from simulation.recommend import policy_file_of
from simulation.replay import Past, priority_name
from simulation.replicate import Replicated
from simulation.run import PolicyChoice
from simulation.scenario import Scenario
from simulation.verdict import Verdict

PRESET_OF_DESK = {
    "zendesk": "zendesk_capacity",
    "freshdesk": "freshdesk_round_robin",
    "chatwoot": "chatwoot_balanced",
}
"""The preset standing for each help desk's own automatic assignment."""
ASSUMED = "zendesk_capacity"
FAR_APART = 0.05
"""Observed and simulated SLA attainment further apart than this: the fit is off."""


@dataclass(frozen=True)
class Today:
    """The preset standing for today's routing, and how it was chosen."""

    preset: str
    reason: str


def todays_routing(past: Sequence[Past], given: str | None = None) -> Today:
    """The preset standing for today's routing (module doc, step 2); ValueError for a
    ``given`` name that is not a vendor preset."""
    if given is not None:
        if given not in VENDOR_PRESETS:
            raise ValueError(
                f"--today {given!r} is not a vendor preset (one of: {', '.join(VENDOR_PRESETS)})"
            )
        return Today(given, f"{given}, as given with --today")
    sources = Counter(item.record.source for item in past)
    desk, count = sources.most_common(1)[0]
    if desk in PRESET_OF_DESK:
        preset = PRESET_OF_DESK[desk]
        return Today(
            preset,
            f"{preset}: the history comes from {desk} ({count} of {len(past)} tickets), and "
            f"{preset} is {desk}'s own automatic assignment (give --today if the desk "
            "assigns otherwise)",
        )
    return Today(
        ASSUMED,
        f"{ASSUMED}, assumed: the history names no help desk with a preset (source "
        f"{desk!r}); give --today {'|'.join(VENDOR_PRESETS)} to say what the desk does",
    )


def candidate_choices(today: str, names: Sequence[str]) -> list[PolicyChoice]:
    """Today's routing first, then the named candidates (default: every other registered
    policy with its defaults)."""
    chosen = [n for n in names if n != today] or [n for n in policy_names() if n != today]
    return [PolicyChoice(today), *(PolicyChoice(n) for n in dict.fromkeys(chosen))]


def observed_sla(past: Sequence[Past], scenario: Scenario) -> float | None:
    """The history's own SLA attainment: tickets first assigned within their priority's
    target, over those with a first assignment time (None: no such ticket)."""
    met, seen = 0, 0
    for item in past:
        record = item.record
        if record.first_assigned_at is None:
            continue
        target = scenario.sla_min.get(priority_name(record), math.inf)
        waited = (record.first_assigned_at - record.created_at).total_seconds() / 60.0
        seen += 1
        met += waited <= target
    return met / seen if seen else None


def credibility(observed: float | None, replicated: Replicated) -> str:
    """Whether the fitted desk under today's routing reproduces the history's SLA."""
    comparison = replicated.comparison
    today = comparison.intervals[comparison.policies[0]].get("sla")
    if observed is None or today is None or math.isnan(today.mean):
        return "The history has no first-assignment times: the fit cannot be checked against it."
    gap = today.mean - observed
    text = (
        f"The history met its SLA on {observed:.1%} of tickets; today's routing on the "
        f"fitted desk gives {today.mean:.1%}"
    )
    if abs(gap) <= FAR_APART:
        return text + ": the fit reproduces the desk."
    return (
        text + f", {abs(gap) * 100:.1f} points apart: the fitted desk is not the real one "
        "(see the fit's warnings), so read the differences as directions, not amounts."
    )


def certainty(quality: FitQuality, replicated: Replicated, check: str) -> str:
    """The verdict's last paragraph: replications, fit quality, the check against history."""
    fit = f"Fitted from {quality.summary()}" + (
        f", with {len(quality.warnings)} warnings about the fit (listed in the report)."
        if quality.warnings
        else ", with no warning about the fit."
    )
    return f"{replicated.statement()} {fit} {check}"


PLOTTED = 3
"""Candidates drawn in the plots beside today's routing: those gaining the most SLA."""


def plotted(comparison: Comparison, count: int = PLOTTED) -> Comparison:
    """``comparison`` with the plots' details kept for today's routing and the ``count``
    candidates with the largest mean SLA gain (a plot of twelve lines shows none)."""
    today, candidates = comparison.policies[0], comparison.policies[1:]

    def gain(policy: str) -> float:
        found = comparison.differences[policy].get("sla")
        return -math.inf if found is None or math.isnan(found.mean) else found.mean

    keep = [today, *sorted(candidates, key=gain, reverse=True)[:count]]
    return replace(
        comparison, details={p: comparison.details[p] for p in keep if p in comparison.details}
    )


def caution(quality: FitQuality) -> str:
    """A warning not to act yet, when the history is too short to trust (else empty)."""
    if not quality.too_short:
        return ""
    return (
        f"Do not act on this yet: it rests on {quality.summary()}, too little to know the "
        "desk's days, shifts and mix. Export a few weeks of history and run whatif again."
    )


def policy_file(scenario: Scenario, verdict: Verdict, history: str, written: date) -> str:
    """The policy file to try in shadow mode, with the verdict's headline as comments."""
    chosen = PolicyChoice(verdict.chosen)
    lines = [
        f"# Written by `deskroute whatif` for {history} on {written:%Y-%m-%d}.",
        *(f"# {line}" for line in textwrap.wrap(verdict.paragraphs[0], 86)),
        "# Try it in shadow mode first: DESKROUTE_POLICY_FILE=<this file> deskroute run --dry-run",
        "# (docs/whatif.md), then read GET /admin/shadow-report.",
    ]
    return policy_file_of(scenario, chosen, lines)
