"""The shadow page's content, pure: the shadow report formatted for people, agents by name.

``shadow_page`` turns a ``GoLiveReport`` (``sidecar.shadow_report``) and the roster's names
into rows of words and figures that ``templates/shadow.html`` lays out; nothing here reads
the store or the clock.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from config.settings import ShadowSettings
from sidecar.explanation import FILTER_WORDS
from sidecar.shadow_measures import KIND_WORDS, KINDS, Agreement
from sidecar.shadow_report import GoLiveReport, duration, share

KIND_HEADERS = {
    "eligible": "eligible for us", "ruled_out": "ruled out", "over_capacity": "over capacity",
    "not_considered": "not looked at",
}  # fmt: skip
"""Column headers of the disagreement kinds in the group and rule tables."""


@dataclass(frozen=True, slots=True)
class Asked:
    """The window fields as the person typed them (shown back in the form)."""

    days: str | None = None
    since: str | None = None
    until: str | None = None


@dataclass(frozen=True, slots=True)
class Row:
    """One table row: its label and its cells, as text."""

    label: str
    cells: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Threshold:
    """One setting the recommendation is judged against."""

    variable: str
    value: str
    meaning: str


@dataclass(frozen=True, slots=True)
class ShadowPage:
    """Everything ``shadow.html`` shows."""

    window: str
    since: str
    until: str
    ready: bool
    recommendation: str
    blockers: tuple[str, ...]
    headline: tuple[Row, ...]
    disagreements: tuple[Row, ...]
    kind_headers: tuple[str, ...]
    by_group: tuple[Row, ...]
    by_rule: tuple[Row, ...]
    sides: tuple[Row, ...]
    spread: tuple[Row, ...]
    samples: tuple[Row, ...]
    thresholds: tuple[Threshold, ...] = field(default=())


def shadow_page(report: GoLiveReport, names: Mapping[str, str]) -> ShadowPage:
    """The page for ``report``; ``names``: agent id -> name (ids without one shown as is)."""
    verdict, overall, window = report.recommendation, report.overall, report.window
    return ShadowPage(
        window=f"{window.since:%d %b %Y %H:%M} – {window.until:%d %b %Y %H:%M} UTC",
        since=f"{window.since:%Y-%m-%dT%H:%M}", until=f"{window.until:%Y-%m-%dT%H:%M}",
        ready=verdict.ready, recommendation=verdict.text, blockers=verdict.blockers,
        headline=(
            Row("decided in dry run", (str(report.decided),)),
            Row("closed since", (str(report.closed),)),
            Row("assigned by a person", (str(overall.compared),)),
            Row("agreed with their first choice", (f"{overall.agreed} ({share(overall.rate)})",)),
        ),
        disagreements=_disagreements(overall, report.we_waited),
        kind_headers=tuple(KIND_HEADERS[kind] for kind in KINDS),
        by_group=_breakdown(report.by_group), by_rule=_breakdown(report.by_rule),
        sides=_sides(report), spread=_spread(report, names),
        samples=tuple(
            Row(str(s["ticket"]), (_name(s["ours"], names, "would wait"),
                                   _name(s["theirs"], names, "nobody"), str(s["why"])))
            for s in report.samples
        ),
        thresholds=thresholds(report.thresholds),
    )  # fmt: skip


def _name(agent: object, names: Mapping[str, str], missing: str) -> str:
    return missing if agent is None else names.get(str(agent), str(agent))


def _disagreements(overall: Agreement, we_waited: int) -> tuple[Row, ...]:
    rows = [Row(KIND_WORDS[kind], (str(overall.kinds.get(kind, 0)),)) for kind in KINDS]
    rows += [
        Row(f"… ruled out as {FILTER_WORDS.get(name, name)}", (str(count),))
        for name, count in overall.filters.items()
    ]
    rows.append(Row("we would have left waiting, a person assigned", (str(we_waited),)))
    return tuple(rows)


def _breakdown(groups: Mapping[str, Agreement]) -> tuple[Row, ...]:
    return tuple(
        Row(name, (str(a.compared), share(a.rate), *(str(a.kinds.get(k, 0)) for k in KINDS)))
        for name, a in groups.items()
    )


def _sides(report: GoLiveReport) -> tuple[Row, ...]:
    ours, theirs = report.ours_time, report.theirs_time
    mine, people = report.ours_spread, report.theirs_spread
    return (
        Row("time to assign, median", (duration(ours.p50_s), duration(theirs.p50_s))),
        Row("time to assign, 90%", (duration(ours.p90_s), duration(theirs.p90_s))),
        Row(
            "picks per agent, max/mean", (_ratio(mine.max_over_mean), _ratio(people.max_over_mean))
        ),
        Row("picks per agent, Gini", (f"{mine.gini:.2f}", f"{people.gini:.2f}")),
    )  # fmt: skip


def _spread(report: GoLiveReport, names: Mapping[str, str]) -> tuple[Row, ...]:
    ours, theirs = report.ours_spread.picks, report.theirs_spread.picks
    agents = sorted(set(ours) | set(theirs), key=lambda agent: _name(agent, names, "").lower())
    return tuple(
        Row(_name(agent, names, ""), (str(ours.get(agent, 0)), str(theirs.get(agent, 0))))
        for agent in agents
    )


def _ratio(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def thresholds(limits: ShadowSettings) -> tuple[Threshold, ...]:
    """Each threshold with its variable, its value and what it means (from the settings)."""
    return tuple(
        Threshold(f"DESKROUTE_SHADOW__{name.upper()}", str(getattr(limits, name)),
                  spec.description or "")
        for name, spec in ShadowSettings.model_fields.items()
        if name != "window_days"
    )  # fmt: skip
