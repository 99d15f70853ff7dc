"""The comparison as tables (sections), a self-contained HTML report and the same numbers
in CSV. The plots are ``simulation.plots``."""

from __future__ import annotations

import base64
import csv
import html
import math
from dataclasses import dataclass
from pathlib import Path

from simulation.compare import Comparison
from simulation.glossary import (
    TEAM,
    TIMES,
    Column,
    per_priority_stems,
    priority_columns,
    service_columns,
    value_columns,
)
from simulation.metrics import CATEGORY_SLA
from simulation.scenario import PRIORITY_NAMES, Scenario
from simulation.stats import Interval
from simulation.team import build_agents, expand

PRIORITY_ORDER = tuple(reversed(PRIORITY_NAMES))
"""Priorities as tables show them: most urgent first."""

MOSTLY = 0.5
"""Above this share of SLA misses with nobody on shift, the report points at staffing."""


@dataclass(frozen=True)
class Section:
    """One table of the comparison: a title and its columns."""

    title: str
    columns: tuple[Column, ...]


def sections(comparison: Comparison, by_category: bool = False) -> list[Section]:
    """The tables a comparison is shown in: service shares, times, team, each share per
    priority and (``by_category``) SLA per category; each keeps only the columns some
    policy measured."""
    first = comparison.policies[0] if comparison.policies else ""
    measured = list(comparison.intervals.get(first, {}))
    categories = sorted(
        m.removeprefix(CATEGORY_SLA) for m in measured if m.startswith(CATEGORY_SLA)
    )
    found = [
        Section("service, shares of all arrivals", tuple(service_columns(measured))),
        Section("times in minutes, over the tickets named", TIMES),
        Section("team", TEAM),
        *(
            Section(
                f"{_short_name(stem)} by priority", tuple(priority_columns(stem, PRIORITY_ORDER))
            )
            for stem in per_priority_stems(measured)
        ),
        Section("by customer value (shop context)", tuple(value_columns(measured))),
    ]
    if by_category:
        found.append(
            Section(
                "SLA by category",
                tuple(Column(f"{CATEGORY_SLA}{c}", c, "pct") for c in categories),
            )
        )
    return [
        Section(s.title, tuple(c for c in s.columns if c.key in measured))
        for s in found
        if any(c.key in measured for c in s.columns)
    ]


def _short_name(stem: str) -> str:
    return "SLA" if stem == "sla" else f"SL {stem.removeprefix('sl_')}"


def miss_note(comparison: Comparison) -> str | None:
    """Why the SLA misses happen: the share that met nobody on shift from arrival until the
    deadline (beyond routing) and the share that arrived off hours; points at ``deskroute
    staff`` when the first is most of the misses for every policy. None without misses."""
    unstaffed = _range_over_policies(comparison, "misses_unstaffed")
    offhours = _range_over_policies(comparison, "misses_offhours")
    if unstaffed is None:
        return None
    note = (
        f"Why the misses: {_span(unstaffed)} of the SLA misses met nobody on shift from arrival "
        "until their deadline passed; no routing can serve those in time."
    )
    if offhours is not None:
        note += f" {_span(offhours)} arrived while nobody was on shift."
    if unstaffed[0] > MOSTLY:
        note += (
            " Most misses are beyond routing: the desk is short of staff at those hours. "
            'Try `deskroute staff SCENARIO --target "80% within 8h"`.'
        )
    return note


def _range_over_policies(comparison: Comparison, metric: str) -> tuple[float, float] | None:
    """The lowest and highest mean of ``metric`` over the policies (None: never measured)."""
    means = [
        comparison.intervals[p][metric].mean
        for p in comparison.policies
        if metric in comparison.intervals[p]
    ]
    means = [mean for mean in means if not math.isnan(mean)]
    return (min(means), max(means)) if means else None


def _span(bounds: tuple[float, float]) -> str:
    low, high = bounds
    return f"{low:.0%}" if round(low, 2) == round(high, 2) else f"{low:.0%}–{high:.0%}"


def signed(text: str) -> str:
    """A difference with its sign, ``+`` included."""
    return text if text.startswith(("-", "–")) else "+" + text


def fmt(interval: Interval, kind: str) -> str:
    """An interval as text: percentages for shares, plain numbers otherwise."""
    if math.isnan(interval.mean):
        return "–"
    scale, unit = (100.0, "%") if kind == "pct" else (1.0, "")
    if kind == "pct":
        text = f"{interval.mean * scale:.1f}{unit}"
    else:
        text = f"{interval.mean:.3g}" if abs(interval.mean) < 1000 else f"{interval.mean:.0f}"
    if interval.n >= 2 and not math.isnan(interval.half_width):
        half = interval.half_width * scale
        text += f" ±{half:.1f}" if kind == "pct" or half >= 10 else f" ±{half:.2g}"
    return text


def write_html(
    comparison: Comparison,
    scenario: Scenario,
    plots: list[Path],
    path: Path,
    verdict: str = "",
    heading: str = "Simulation",
) -> Path:
    """One HTML file (no external files needed): the ``verdict`` (HTML) first when given,
    the team and targets simulated, the tables with intervals (SLA by priority and by
    category among them), the plots embedded, the definitions."""
    shown = sections(comparison, by_category=True)
    images = "".join(
        f'<figure><img alt="{p.stem}" src="data:image/png;base64,'
        f'{base64.b64encode(p.read_bytes()).decode()}"></figure>'
        for p in plots
    )
    note = miss_note(comparison)
    replications = len({r.replication for r in comparison.runs}) or 1
    document = _PAGE.format(
        heading=html.escape(heading),
        title=html.escape(scenario.name),
        verdict=verdict,
        start=f"{scenario.start:%a %Y-%m-%d %H:%M %Z}",
        days=scenario.horizon_days,
        warmup=scenario.warmup_days,
        replications=replications,
        seed=scenario.seed,
        base=html.escape(comparison.policies[0] if comparison.policies else ""),
        team=team_html(scenario),
        tables="".join(_html_table(comparison, section) for section in shown),
        note=f"<p class=note>{html.escape(note)}</p>" if note else "",
        definitions="".join(
            f"<dt>{html.escape(c.label)} <code>{html.escape(c.key)}</code></dt>"
            f"<dd>{html.escape(c.definition)}</dd>"
            for c in dict.fromkeys(c for section in shown for c in section.columns)
        ),
        images=images,
    )
    path.write_text(document, encoding="utf-8")
    return path


def team_html(scenario: Scenario) -> str:
    """The SLA targets per priority and every agent simulated: groups, capacity, shift."""
    targets = "".join(
        f"<tr><th>{p}</th><td>{_minutes(scenario.sla_min[p])}</td></tr>"
        for p in PRIORITY_ORDER
        if p in scenario.sla_min
    )
    rows = []
    for agent in build_agents(scenario):
        plan = agent.schedule
        hours = "always on" if plan is None else html.escape(_shift_text(scenario, agent.id))
        rows.append(
            f"<tr><th>{html.escape(agent.id)}</th>"
            f"<td class=l>{html.escape(', '.join(sorted(agent.groups)) or '–')}</td>"
            f"<td>{agent.capacity.max_load:g}</td><td class=l>{hours}</td></tr>"
        )
    return (
        "<h3>SLA targets (first assignment within)</h3>"
        f"<table><tr><th>priority</th><th>target</th></tr>{targets}</table>"
        f"<h3>Team ({len(rows)} agents)</h3>"
        "<table><tr><th>agent</th><th>groups</th><th>capacity</th><th>shift</th></tr>"
        + "".join(rows)
        + "</table>"
    )


def _shift_text(scenario: Scenario, agent_id: str) -> str:
    for spec in scenario.agents:
        for name, _ in expand(spec):
            if name == agent_id and spec.shift is not None:
                shift = spec.shift
                days = shift.days if isinstance(shift.days, str) else ", ".join(shift.days)
                text = f"{days} {shift.start:%H:%M}–{shift.end:%H:%M} {shift.timezone}"
                pauses = ", ".join(f"{a:%H:%M}–{b:%H:%M}" for a, b in shift.breaks)
                return f"{text}, breaks {pauses}" if pauses else text
    return "always on"


def _minutes(value: float) -> str:
    if math.isinf(value):
        return "none"
    if value >= 60 and value % 60 == 0:
        return f"{value / 60:g} h"
    return f"{value:g} min"


def write_summary_csv(comparison: Comparison, path: Path) -> Path:
    """Every number the report's tables show, one row per policy (or paired difference) and
    metric: mean, 95% interval, replications, and the text the report shows."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            ["table", "policy", "row", "metric", "label", "mean", "low", "high", "n", "shown"]
        )
        for row in table_rows(comparison):
            writer.writerow(row)
    return path


def table_rows(comparison: Comparison) -> list[list[object]]:
    """The report's table cells as CSV rows (see ``write_csv``)."""
    rows: list[list[object]] = []
    for section in sections(comparison, by_category=True):
        for policy in comparison.policies:
            kinds = [("value", comparison.intervals[policy])]
            if policy in comparison.differences:
                kinds.append(("difference", comparison.differences[policy]))
            for kind, values in kinds:
                show = signed if kind == "difference" else str
                for column in section.columns:
                    if column.key not in values:
                        continue
                    interval = values[column.key]
                    rows.append(
                        [
                            section.title,
                            policy,
                            kind,
                            column.key,
                            column.label,
                            _number(interval.mean),
                            _number(interval.low),
                            _number(interval.high),
                            interval.n,
                            show(fmt(interval, column.kind)),
                        ]
                    )
    return rows


def _number(value: float) -> str:
    return "" if math.isnan(value) else f"{value:.6g}"


def _html_table(comparison: Comparison, section: Section) -> str:
    """A section as an HTML table: each policy's intervals, then its paired difference."""
    heads = "".join(f"<th>{html.escape(c.label)}</th>" for c in section.columns)
    rows = []
    for policy in comparison.policies:
        rows.append(_html_row(html.escape(policy), comparison.intervals[policy], section, ""))
        if policy in comparison.differences:
            rows.append(_html_row("Δ", comparison.differences[policy], section, " class=diff"))
    return (
        f"<h3>{html.escape(section.title)}</h3><div class=wide>"
        f"<table><tr><th>policy</th>{heads}</tr>{''.join(rows)}</table></div>"
    )


def _html_row(name: str, values: dict[str, Interval], section: Section, attrs: str) -> str:
    show = signed if attrs else str
    cells = "".join(
        f"<td>{html.escape(show(fmt(values[c.key], c.kind)))}</td>"
        for c in section.columns
        if c.key in values
    )
    return f"<tr{attrs}><th>{name}</th>{cells}</tr>"


_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>deskroute {heading}: {title}</title>
<style>
body {{ font-family: system-ui, sans-serif; font-size: 16px; margin: 2rem auto;
  max-width: 1200px; padding: 0 1rem; color: #222; line-height: 1.45; }}
table {{ border-collapse: collapse; margin: .6rem 0 1.2rem; }}
th, td {{ border: 1px solid #ccc; padding: .35rem .6rem; text-align: right; }}
th:first-child, td.l {{ text-align: left; }}
tr.diff {{ color: #555; background: #f6f6f6; }}
div.wide {{ overflow-x: auto; }}
section.verdict {{ border: 2px solid #1b6ca8; border-radius: 6px; padding: .4rem 1.2rem;
  background: #f3f8fc; }}
section.verdict h2 {{ margin-top: .6rem; }}
p.note {{ border-left: 4px solid #c60; padding-left: .6rem; }}
dt {{ font-weight: bold; margin-top: .4rem; }}
figure {{ margin: 1rem 0; }} img {{ width: 100%; height: auto; }}
</style></head><body>
<h1>{heading}: {title}</h1>
{verdict}
<p>From {start}: {days:g} simulated days ({warmup:g} warm-up days excluded), {replications}
replications with common random numbers, seed {seed}. Intervals are 95% confidence
intervals over replications; a Δ row is the paired difference of the policy above it against
{base} (same random numbers). Shares count every arrival unless the definition names the
tickets. The plots show the mean across replications with a shaded 95% band.</p>
<h2>Team and targets simulated</h2>
{team}
<h2>Policies</h2>
{tables}
{note}
<h2>Plots</h2>
{images}
<h2>Definitions</h2>
<dl>{definitions}</dl>
</body></html>
"""
