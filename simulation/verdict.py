"""The written verdict of a what-if: switch or keep, by how much, for whom, how certain.

A candidate is worth switching to when its paired SLA difference against today's routing
is positive with the whole 95% interval above zero, its mean gain is at least ``min_gain``
(a clear gain of a tenth of a point is not worth a change of routing), and no priority
loses more than the guard allows on average (``simulation.recommend.Guards``, as
``recommend`` guards).
Among those, the one with the largest mean gain is chosen; when none qualifies today's
routing is kept, and the verdict says which candidate came closest and why it falls short.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from dataclasses import dataclass

from simulation.compare import Comparison
from simulation.metrics import CATEGORY_SLA
from simulation.recommend import Guards, priority_metrics
from simulation.report import PRIORITY_ORDER
from simulation.stats import Interval

NAN = Interval(math.nan, math.nan, math.nan, 0)


@dataclass(frozen=True)
class Effect:
    """What a switch does to one share (overall, a priority, a category)."""

    name: str
    today: float
    change: Interval

    @property
    def clear(self) -> bool:
        """True when the whole 95% interval lies on one side of zero."""
        return self.change.n >= 2 and (self.change.low > 0 or self.change.high < 0)

    def text(self) -> str:
        """``urgent +8.0 points (+5.1 to +10.9)``."""
        return f"{self.name} {self.change_text()}"

    def change_text(self) -> str:
        """``+8.0 points (+5.1 to +10.9)``: the mean change and its 95% interval."""
        change = self.change
        if math.isnan(change.mean):
            return "–"
        if change.n < 2 or math.isnan(change.low):
            return f"{_pts(change.mean)} points"
        return f"{_pts(change.mean)} points ({_pts(change.low)} to {_pts(change.high)})"


@dataclass(frozen=True)
class Verdict:
    """The decision and the paragraphs that explain it."""

    today: str
    chosen: str
    """The policy to try: a candidate, or today's routing when none is worth it."""
    compared: str
    """The candidate the effects describe: the chosen one, or the closest when keeping."""
    overall: Effect
    priorities: tuple[Effect, ...]
    categories: tuple[Effect, ...]
    paragraphs: tuple[str, ...]

    @property
    def switch(self) -> bool:
        """True when a candidate is worth trying instead of today's routing."""
        return self.chosen != self.today

    def html(self) -> str:
        """The verdict as the report's opening section."""
        rows = "".join(
            f"<tr><th>{html.escape(e.name)}</th><td>{_share(e.today)}</td>"
            f"<td>{html.escape(e.change_text())}</td>"
            f"<td>{'yes' if e.clear else 'no'}</td></tr>"
            for e in (self.overall, *self.priorities, *self.categories)
        )
        return (
            "<section class=verdict><h2>Verdict</h2>"
            + "".join(f"<p>{html.escape(p)}</p>" for p in self.paragraphs)
            + f"<h3>What changes with {html.escape(self.compared)}, for whom</h3>"
            f"<table><tr><th>tickets</th><th>SLA, {html.escape(self.today)}</th>"
            "<th>change (95% interval)</th>"
            f"<th>clear?</th></tr>{rows}</table></section>"
        )


@dataclass(frozen=True)
class Wording:
    """What the verdict calls the first policy, and what it advises after a switch."""

    baseline: str
    advice: str


WHATIF = Wording(
    "today's routing",
    "Try it in shadow mode with the policy file written beside this report.",
)
"""``deskroute whatif``: the first policy stands for today's routing."""
SIMULATE = Wording(
    "the first policy",
    "`deskroute whatif` or `deskroute recommend` writes a policy file to try in shadow mode.",
)
"""``deskroute simulate``: the first policy is the reference of the Δ rows."""

MIN_GAIN = 0.01
"""A switch must gain at least this much SLA attainment on average (one point)."""


def judge(
    comparison: Comparison,
    guards: Guards | None = None,
    notes: Sequence[str] = (),
    min_gain: float = MIN_GAIN,
    caution: str = "",
    wording: Wording | None = None,
) -> Verdict:
    """The verdict on ``comparison``, whose first policy is today's routing; ``caution``
    (a reason not to act on it yet) follows the headline, ``notes`` (how certain:
    replications, fit quality) end it."""
    guards = guards or Guards()
    wording = wording or WHATIF
    today, candidates = comparison.policies[0], comparison.policies[1:]
    if not candidates:
        raise ValueError("a verdict needs at least one candidate beside today's routing")
    worth = {c: _shortfall(comparison, c, guards, min_gain) for c in candidates}
    qualified = [c for c in candidates if not worth[c]]
    gain = {c: _mean(comparison.differences[c].get("sla", NAN)) for c in candidates}
    chosen = max(qualified, key=gain.__getitem__) if qualified else today
    compared = chosen if qualified else max(candidates, key=gain.__getitem__)
    overall = _effect(comparison, compared, "sla", "all tickets")
    priorities = tuple(
        _effect(comparison, compared, m, m.removeprefix("sla_"))
        for m in priority_metrics(_means(comparison, today))
        if m.removeprefix("sla_") in PRIORITY_ORDER
    )
    categories = tuple(
        _effect(comparison, compared, m, m.removeprefix(CATEGORY_SLA))
        for m in sorted(comparison.intervals[today])
        if m.startswith(CATEGORY_SLA)
    )
    paragraphs = [
        _headline(wording, today, chosen, compared, overall, worth[compared]),
        caution,
        _for_whom("By priority", priorities),
        _for_whom("By category", categories),
        _other(comparison, today, compared),
        *notes,
    ]
    return Verdict(
        today, chosen, compared, overall, priorities, categories, tuple(p for p in paragraphs if p)
    )


def _shortfall(
    comparison: Comparison, candidate: str, guards: Guards, min_gain: float
) -> list[str]:
    """Why ``candidate`` is not worth switching to (empty: it is)."""
    diff = comparison.differences[candidate]
    sla = diff.get("sla", NAN)
    reasons = []
    if not (sla.n >= 2 and sla.low > 0):
        reasons.append("its SLA gain is not clear of zero")
    elif sla.mean < min_gain:
        reasons.append(
            f"its gain is real but below the {min_gain * 100:g} point worth a change of routing"
        )
    today = _means(comparison, comparison.policies[0])
    for metric in priority_metrics(today):
        change = diff.get(metric, NAN)
        if change.mean < -guards.priority_loss:
            reasons.append(
                f"{metric.removeprefix('sla_')} tickets lose {_pts(change.mean)} points "
                f"(guard: at most {guards.priority_loss * 100:g})"
            )
    return reasons


def _headline(
    wording: Wording,
    today: str,
    chosen: str,
    compared: str,
    overall: Effect,
    shortfall: list[str],
) -> str:
    after = overall.today + _mean(overall.change)
    n = overall.change.n
    if chosen != today:
        return (
            f"Switch from {today} to {chosen}: SLA attainment {_share(overall.today)} → "
            f"{_share(after)}, {overall.change_text()} over {n} "
            f"replications with the same tickets. {wording.advice}"
        )
    return (
        f"Keep {wording.baseline} ({today}): no candidate is clearly better. The closest, "
        f"{compared}, changes SLA attainment by {overall.change_text()} "
        f"over {n} replications; " + "; ".join(shortfall) + "."
    )


def _for_whom(title: str, effects: Sequence[Effect]) -> str:
    if not effects:
        return ""
    clear = [e for e in effects if e.clear]
    gains = sorted((e for e in clear if e.change.mean > 0), key=lambda e: -e.change.mean)
    losses = sorted((e for e in clear if e.change.mean < 0), key=lambda e: e.change.mean)
    parts = []
    if gains:
        parts.append("clearly better for " + ", ".join(e.text() for e in gains[:5]))
    if losses:
        parts.append("clearly worse for " + ", ".join(e.text() for e in losses[:5]))
    rest = len(effects) - len(gains[:5]) - len(losses[:5])
    if rest:
        parts.append(f"no clear change for the other {rest}" if parts else "no clear change")
    return f"{title}: " + "; ".join(parts) + "."


def _other(comparison: Comparison, today: str, compared: str) -> str:
    diff = comparison.differences[compared]
    mine = comparison.intervals[today]
    wait, gini = mine.get("mean_wait", NAN), mine.get("fairness_gini", NAN)
    if math.isnan(wait.mean):
        return ""
    dw, dg = diff.get("mean_wait", NAN), diff.get("fairness_gini", NAN)
    return (
        f"Mean wait {wait.mean:.0f} → {wait.mean + _mean(dw):.0f} minutes; fairness (Gini of "
        f"handle minutes, 0 = even) {gini.mean:.3f} → {gini.mean + _mean(dg):.3f}."
    )


def _effect(comparison: Comparison, candidate: str, metric: str, name: str) -> Effect:
    today = comparison.intervals[comparison.policies[0]].get(metric, NAN).mean
    return Effect(name, today, comparison.differences[candidate].get(metric, NAN))


def _means(comparison: Comparison, policy: str) -> dict[str, float]:
    return {m: i.mean for m, i in comparison.intervals[policy].items()}


def _mean(interval: Interval) -> float:
    return 0.0 if math.isnan(interval.mean) else interval.mean


def _pts(share: float) -> str:
    return f"{share * 100:+.1f}"


def _share(value: float) -> str:
    return "–" if math.isnan(value) else f"{value * 100:.1f}%"
