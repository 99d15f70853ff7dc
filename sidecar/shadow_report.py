"""The shadow (go-live) report: can routing be switched on? Pure, over shadow cases.

Over the tickets we decided in dry run within a window (closed ones included): agreement
with the person's first assignment, each disagreement classified (``sidecar.shadow_measures``),
the same by group and by business rule, time to assign ours against theirs, how evenly
each side's picks spread over the team, and a recommendation against the thresholds of
``config.settings.ShadowSettings``, naming what blocks it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from config.settings import ShadowSettings
from sidecar.explanation import FILTER_WORDS
from sidecar.shadow_measures import (
    AGREED,
    NO_GROUP,
    NO_RULE,
    RULED_OUT,
    SAMPLE,
    Agreement,
    ShadowCase,
    Spread,
    Timing,
    Verdict,
    agreement,
    judge,
    spread,
    timing,
)


@dataclass(frozen=True, slots=True)
class Recommendation:
    """Whether to switch routing on, in words, with what blocks it."""

    ready: bool
    text: str
    blockers: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"ready": self.ready, "text": self.text, "blockers": list(self.blockers)}


@dataclass(frozen=True, slots=True)
class Window:
    """The report's time window over our first shadow decision: ``since <= t < until``."""

    since: datetime
    until: datetime

    @classmethod
    def last(cls, days: float, now: datetime) -> Window:
        """The ``days`` before ``now``."""
        return cls(now - timedelta(days=days), now)


TIME_SLACK_S = 60.0
"""Our time to assign may exceed the people's by this much whatever the ratio says."""
MAX_DAYS = 366
"""The longest window a report is asked for (a year of decisions, read in one pass)."""


def parse_window(
    *, since: str | None, until: str | None, days: float | None, now: datetime,
    default_days: float,
) -> Window:  # fmt: skip
    """The window a request names: ``days`` back from ``until`` (or now), or ``since`` to
    ``until`` (or now), or ``default_days`` back from now.

    ``since``/``until`` are ISO 8601 dates or times, UTC when no zone is given; a date
    alone as ``until`` means the end of that day. Raises ``ValueError`` saying what is
    wrong (both ``since`` and ``days``, an unreadable time, an empty or too long window).
    """
    try:
        return _window(since, until, days, now, default_days)
    except OverflowError:
        raise ValueError("the window reaches past the dates a calendar holds") from None


def _window(
    since: str | None, until: str | None, days: float | None, now: datetime, default_days: float
) -> Window:
    if since is not None and days is not None:
        raise ValueError("give since or days, not both")
    if days is not None and not 0 < days <= MAX_DAYS:
        raise ValueError(f"days must be more than 0 and at most {MAX_DAYS}")
    end = now if until is None else _moment(until, "until", end_of_day=True)
    start = _moment(since, "since") if since is not None else None
    if start is None:
        start = end - timedelta(days=default_days if days is None else days)
    if start >= end:
        raise ValueError("since must be before until")
    if end - start > timedelta(days=MAX_DAYS):
        raise ValueError(f"the window is longer than {MAX_DAYS} days")
    return Window(start, end)


def _moment(value: str, name: str, end_of_day: bool = False) -> datetime:
    """An ISO 8601 date or time, in UTC when it names no zone."""
    try:
        if len(value) == 10:  # a date alone
            day = date.fromisoformat(value)
            moment = datetime.combine(day + timedelta(days=end_of_day), time(), UTC)
        else:
            moment = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{name}: not an ISO 8601 date or time: {value!r}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class GoLiveReport:
    """Everything the shadow page and ``/admin/shadow-report`` show."""

    window: Window
    decided: int
    """Tickets we decided in dry run within the window."""
    closed: int
    """Of those, how many are closed now."""
    we_waited: int
    """Tickets a person assigned that we would have left waiting."""
    overall: Agreement
    by_group: dict[str, Agreement]
    by_rule: dict[str, Agreement]
    ours_time: Timing
    theirs_time: Timing
    ours_spread: Spread
    theirs_spread: Spread
    samples: list[dict[str, Any]]
    recommendation: Recommendation
    thresholds: ShadowSettings

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (times in ISO 8601, seconds as numbers)."""
        return {
            "window": {"since": self.window.since.isoformat(),
                       "until": self.window.until.isoformat()},
            "decided": self.decided,
            "closed": self.closed,
            **self.overall.to_dict(),
            "we_waited": self.we_waited,
            "by_group": {name: a.to_dict() for name, a in self.by_group.items()},
            "by_rule": {name: a.to_dict() for name, a in self.by_rule.items()},
            "time_to_assign": {"ours": self.ours_time.to_dict(),
                               "theirs": self.theirs_time.to_dict()},
            "load_spread": {"ours": self.ours_spread.to_dict(),
                            "theirs": self.theirs_spread.to_dict()},
            "samples": self.samples,
            "recommendation": self.recommendation.to_dict(),
            "thresholds": self.thresholds.model_dump(),
        }  # fmt: skip


def build_report(
    cases: Sequence[ShadowCase], team: Sequence[str], window: Window, thresholds: ShadowSettings
) -> GoLiveReport:
    """The report over ``cases`` (decided in ``window``); ``team``: the roster's agent ids."""
    judged = [(case, verdict) for case in cases if (verdict := judge(case)) is not None]
    compared = [case for case, _ in judged]
    overall = agreement(verdict for _, verdict in judged)
    ours_time = timing((c.created_at, c.ours_at) for c in compared)
    theirs_time = timing((c.created_at, c.theirs_at) for c in compared)
    ours_spread = spread((c.ours for c in compared), team)
    theirs_spread = spread((c.theirs for c in compared), team)
    we_waited = sum(1 for c in compared if c.ours is None)
    return GoLiveReport(
        window=window, decided=len(cases), closed=sum(1 for c in cases if c.closed),
        we_waited=we_waited, overall=overall,
        by_group=_grouped(judged, lambda c: [c.group or NO_GROUP]),
        by_rule=_grouped(judged, lambda c: list(c.trace.get("matched_rules") or [NO_RULE])),
        ours_time=ours_time, theirs_time=theirs_time,
        ours_spread=ours_spread, theirs_spread=theirs_spread,
        samples=_samples(judged),
        recommendation=recommend(overall, we_waited, (ours_time, theirs_time),
                                 (ours_spread, theirs_spread), thresholds),
        thresholds=thresholds,
    )  # fmt: skip


def _grouped(
    judged: Sequence[tuple[ShadowCase, Verdict]], keys: Callable[[ShadowCase], Iterable[object]]
) -> dict[str, Agreement]:
    """Agreement per key (a ticket under several rules counts under each)."""
    verdicts: dict[str, list[Verdict]] = {}
    for case, verdict in judged:
        for key in keys(case):
            verdicts.setdefault(str(key), []).append(verdict)
    return {key: agreement(listed) for key, listed in sorted(verdicts.items())}


def _samples(judged: Sequence[tuple[ShadowCase, Verdict]]) -> list[dict[str, Any]]:
    differ = [(c, v) for c, v in judged if v.kind != AGREED]
    differ.sort(key=lambda pair: pair[0].decided_at, reverse=True)
    return [
        {"ticket": c.ticket_id, "ours": c.ours, "theirs": c.theirs, "kind": v.kind,
         "filter": v.filter, "why": v.words, "group": c.group}
        for c, v in differ[:SAMPLE]
    ]  # fmt: skip


def recommend(
    overall: Agreement,
    we_waited: int,
    times: tuple[Timing, Timing],
    spreads: tuple[Spread, Spread],
    limits: ShadowSettings,
) -> Recommendation:
    """Say "ready to switch on: …" when every threshold holds, else "not yet: …" naming
    each that fails. ``times`` and ``spreads``: (ours, theirs)."""
    blockers = _blockers(overall, we_waited, times, spreads, limits)
    if blockers:
        return Recommendation(False, "not yet: " + "; ".join(blockers) + ".", tuple(blockers))
    (ours_time, theirs_time), (ours_spread, theirs_spread) = times, spreads
    facts = [
        f"{share(overall.rate)} agreement over {overall.compared} tickets",
        f"{share(overall.kinds.get(RULED_OUT, 0) / overall.compared)} of people's picks "
        "ruled out by our filters or rules",
        f"{share(we_waited / overall.compared)} we would have left waiting",
        f"90% assigned within {duration(ours_time.p90_s)} (people: {duration(theirs_time.p90_s)})",
        f"picks per agent Gini {ours_spread.gini:.2f} (people: {theirs_spread.gini:.2f})",
    ]
    return Recommendation(True, "ready to switch on: " + ", ".join(facts) + ".")


def _blockers(
    overall: Agreement,
    we_waited: int,
    times: tuple[Timing, Timing],
    spreads: tuple[Spread, Spread],
    limits: ShadowSettings,
) -> list[str]:
    n = overall.compared
    found: list[str] = []
    if n < limits.min_compared:
        found.append(
            f"only {n} tickets compared with a person's assignment "
            f"(at least {limits.min_compared} needed)"
        )
    if not n:
        return found
    rate = overall.agreed / n
    if rate < limits.min_agreement:
        found.append(f"agreement {share(rate)} is below {share(limits.min_agreement)}")
    ruled = overall.kinds.get(RULED_OUT, 0)
    if ruled / n > limits.max_ruled_out:
        named = ", ".join(f"{FILTER_WORDS.get(k, k)} {v}" for k, v in _ruled_by(overall))
        found.append(
            f"{share(ruled / n)} of people's picks were ruled out by our filters or rules "
            f"({named}), above {share(limits.max_ruled_out)}: check the policy's rules and "
            "the roster's skills and groups"
        )
    if we_waited / n > limits.max_waiting:
        found.append(
            f"we would have left {share(we_waited / n)} of assigned tickets waiting, "
            f"above {share(limits.max_waiting)}"
        )
    (ours, theirs), (ours_spread, theirs_spread) = times, spreads
    if _slower(ours, theirs, limits.max_p90_ratio):
        found.append(
            f"90% of our assignments take {duration(ours.p90_s)}, people's {duration(theirs.p90_s)}"
        )
    extra = limits.max_gini_increase
    if ours_spread.gini > theirs_spread.gini + extra:
        found.append(
            f"our picks are less even (Gini {ours_spread.gini:.2f}) than people's "
            f"({theirs_spread.gini:.2f}) by more than {extra:.2f}"
        )
    return found


def _slower(ours: Timing, theirs: Timing, ratio: float) -> bool:
    """True when our 90th percentile exceeds the people's times ``ratio``, by more than
    ``TIME_SLACK_S`` (seconds either way are no reason to wait)."""
    if ours.p90_s is None or theirs.p90_s is None:
        return False
    return ours.p90_s > theirs.p90_s * ratio and ours.p90_s - theirs.p90_s > TIME_SLACK_S


def _ruled_by(overall: Agreement) -> list[tuple[str, int]]:
    """Filters that ruled people's picks out, most first."""
    return sorted(overall.filters.items(), key=lambda item: (-item[1], item[0]))


def share(value: float | None) -> str:
    """A share as a whole percentage ("n/a" when there is none)."""
    return "n/a" if value is None else f"{value:.0%}"


def duration(seconds: float | None) -> str:
    """A duration in the largest unit that keeps it readable (45 s, 12 min, 3.5 h)."""
    if seconds is None:
        return "n/a"
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 2 * 3600:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"
