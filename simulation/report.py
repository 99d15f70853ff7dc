"""Plots (PNG) and a self-contained HTML report of a policy comparison."""

from __future__ import annotations

import base64
import html
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from simulation.compare import Comparison, Detail
from simulation.glossary import (
    TEAM,
    TIMES,
    Column,
    per_priority_stems,
    priority_columns,
    service_columns,
)
from simulation.scenario import PRIORITY_NAMES, Scenario
from simulation.stats import Interval

if TYPE_CHECKING:
    from matplotlib.axes import Axes

PRIORITY_ORDER = tuple(reversed(PRIORITY_NAMES))
"""Priorities as tables show them: most urgent first."""

MOSTLY = 0.5
"""Above this share of SLA misses with nobody on shift, the report points at staffing."""


@dataclass(frozen=True)
class Section:
    """One table of the comparison: a title and its columns."""

    title: str
    columns: tuple[Column, ...]


def sections(comparison: Comparison) -> list[Section]:
    """The tables a comparison is shown in: service shares, times, team, and each share per
    priority; each keeps only the columns some policy measured."""
    first = comparison.policies[0] if comparison.policies else ""
    measured = list(comparison.intervals.get(first, {}))
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
    ]
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


Draw = Callable[["Axes", str, Detail], None]


def _plot(comparison: Comparison, path: Path, draw: Draw, **labels: Any) -> Path:
    """One figure with a line per policy, drawn by ``draw``, saved as PNG."""
    # imported here, not at module level: pyplot costs every deskroute command ~0.25 s
    import matplotlib

    matplotlib.use("Agg")  # files only, never a window
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4))
    for policy, detail in comparison.details.items():
        draw(ax, policy, detail)
    ax.set(**labels)
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def plot_waits(comparison: Comparison, path: Path) -> Path:
    """Empirical CDFs of the waiting time of served tickets (log-like time axis)."""

    def draw(ax: Axes, policy: str, detail: Detail) -> None:
        waits = np.sort(detail.waits)
        if len(waits):
            ax.step(waits, np.arange(1, len(waits) + 1) / len(waits), where="post", label=policy)
        ax.set_xscale("symlog", linthresh=1.0)

    return _plot(
        comparison,
        path,
        draw,
        xlabel="wait until assigned (minutes)",
        ylabel="share of served tickets",
        title="Waiting-time distribution",
    )


def plot_sla(comparison: Comparison, path: Path) -> Path:
    """SLA attainment of the tickets arriving in each period."""

    def draw(ax: Axes, policy: str, detail: Detail) -> None:
        ax.plot(detail.sla_times / 1440.0, detail.sla_shares * 100, marker=".", label=policy)

    return _plot(
        comparison,
        path,
        draw,
        xlabel="day of the run",
        ylabel="SLA attained (%)",
        title="SLA over time",
        ylim=(0, 105),
    )


def plot_load(comparison: Comparison, path: Path) -> Path:
    """Handle hours per agent, busiest first (flatter is fairer)."""

    def draw(ax: Axes, policy: str, detail: Detail) -> None:
        load = sorted(detail.agent_load.values(), reverse=True)
        ax.plot(range(1, len(load) + 1), np.asarray(load) / 60.0, marker="o", ms=3, label=policy)

    return _plot(
        comparison,
        path,
        draw,
        xlabel="agents, busiest first",
        ylabel="hours handled",
        title="Per-agent load",
    )


def plot_backlog(comparison: Comparison, path: Path) -> Path:
    """Tickets waiting over the run."""

    def draw(ax: Axes, policy: str, detail: Detail) -> None:
        ax.plot(detail.backlog_times / 1440.0, detail.backlog, label=policy)

    return _plot(
        comparison,
        path,
        draw,
        xlabel="day of the run",
        ylabel="tickets waiting",
        title="Backlog over time",
    )


def write_plots(comparison: Comparison, out: Path) -> list[Path]:
    """All plots as PNG files in ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    return [
        plot_waits(comparison, out / "waiting_times.png"),
        plot_sla(comparison, out / "sla_over_time.png"),
        plot_load(comparison, out / "agent_load.png"),
        plot_backlog(comparison, out / "backlog.png"),
    ]


def write_html(comparison: Comparison, scenario: Scenario, plots: list[Path], path: Path) -> Path:
    """One HTML file with the tables, the definitions and the plots embedded (no external
    files needed)."""
    shown = sections(comparison)
    images = "".join(
        f'<figure><img alt="{p.stem}" src="data:image/png;base64,'
        f'{base64.b64encode(p.read_bytes()).decode()}"></figure>'
        for p in plots
    )
    note = miss_note(comparison)
    replications = max((r.replication for r in comparison.runs), default=0) + 1
    document = _PAGE.format(
        title=html.escape(scenario.name),
        days=scenario.horizon_days,
        warmup=scenario.warmup_days,
        replications=replications,
        seed=scenario.seed,
        base=html.escape(comparison.policies[0] if comparison.policies else ""),
        tables="".join(_html_table(comparison, section) for section in shown),
        note=f"<p class=note>{html.escape(note)}</p>" if note else "",
        definitions="".join(
            f"<dt>{html.escape(c.label)} <code>{c.key}</code></dt>"
            f"<dd>{html.escape(c.definition)}</dd>"
            for c in dict.fromkeys(c for section in shown for c in section.columns)
        ),
        images=images,
    )
    path.write_text(document, encoding="utf-8")
    return path


def _html_table(comparison: Comparison, section: Section) -> str:
    """A section as an HTML table: each policy's intervals, then its paired difference."""
    heads = "".join(f"<th>{html.escape(c.label)}</th>" for c in section.columns)
    rows = []
    for policy in comparison.policies:
        rows.append(_html_row(html.escape(policy), comparison.intervals[policy], section, ""))
        if policy in comparison.differences:
            rows.append(_html_row("Δ", comparison.differences[policy], section, " class=diff"))
    return (
        f"<h3>{html.escape(section.title)}</h3>"
        f"<table><tr><th>policy</th>{heads}</tr>{''.join(rows)}</table>"
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
<html lang="en"><head><meta charset="utf-8"><title>deskroute simulation: {title}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 1100px; color: #222; }}
table {{ border-collapse: collapse; margin: 1rem 0; }}
th, td {{ border: 1px solid #ccc; padding: .35rem .6rem; text-align: right; }}
th:first-child {{ text-align: left; }}
tr.diff {{ color: #666; }}
p.note {{ border-left: 4px solid #c60; padding-left: .6rem; }}
dt {{ font-weight: bold; margin-top: .4rem; }}
figure {{ display: inline-block; margin: .5rem; }} img {{ max-width: 520px; }}
</style></head><body>
<h1>Simulation: {title}</h1>
<p>{days:g} simulated days ({warmup:g} warm-up days excluded), {replications} replications
with common random numbers, seed {seed}. Intervals are 95% confidence intervals over
replications; a Δ row is the paired difference of the policy above it against {base}
(same random numbers). Shares count every arrival unless the definition names the tickets.</p>
<h2>Policies</h2>
{tables}
{note}
<h2>Definitions</h2>
<dl>{definitions}</dl>
<h2>Plots</h2>
{images}
</body></html>
"""
