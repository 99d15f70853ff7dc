"""Plots (PNG) and a self-contained HTML report of a policy comparison."""

from __future__ import annotations

import base64
import html
import math
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from simulation.compare import Comparison, Detail
from simulation.scenario import Scenario
from simulation.stats import Interval

if TYPE_CHECKING:
    from matplotlib.axes import Axes

HEADLINE = (
    ("sla", "SLA", "pct"),
    ("p_wait", "waited", "pct"),
    ("mean_wait", "wait min", "num"),
    ("wait_p90", "p90 min", "num"),
    ("abandoned", "abandon", "pct"),
    ("utilization", "util", "pct"),
    ("load_gini", "Gini", "num"),
    ("load_cv", "CV", "num"),
    ("skill_match", "skill", "pct"),
)
"""(metric, short label, kind) of the columns shown in tables."""


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
    """One HTML file with the tables and the plots embedded (no external files needed)."""
    rows = []
    for policy in comparison.policies:
        cells = "".join(
            f"<td>{html.escape(fmt(comparison.intervals[policy][key], kind))}</td>"
            for key, _, kind in HEADLINE
            if key in comparison.intervals[policy]
        )
        rows.append(f"<tr><th>{html.escape(policy)}</th>{cells}</tr>")
    heads = "".join(
        f"<th>{html.escape(label)}</th>"
        for key, label, _ in HEADLINE
        if comparison.policies and key in comparison.intervals[comparison.policies[0]]
    )
    diffs = []
    base = comparison.policies[0] if comparison.policies else ""
    for policy, metrics in comparison.differences.items():
        cells = "".join(
            f"<td>{html.escape(fmt(metrics[key], kind))}</td>"
            for key, _, kind in HEADLINE
            if key in metrics
        )
        diffs.append(f"<tr><th>{html.escape(policy)} − {html.escape(base)}</th>{cells}</tr>")
    images = "".join(
        f'<figure><img alt="{p.stem}" src="data:image/png;base64,'
        f'{base64.b64encode(p.read_bytes()).decode()}"></figure>'
        for p in plots
    )
    replications = max((r.replication for r in comparison.runs), default=0) + 1
    document = _PAGE.format(
        title=html.escape(scenario.name),
        days=scenario.horizon_days,
        warmup=scenario.warmup_days,
        replications=replications,
        seed=scenario.seed,
        heads=heads,
        rows="".join(rows),
        diffs="".join(diffs) or "<tr><td>one policy</td></tr>",
        images=images,
    )
    path.write_text(document, encoding="utf-8")
    return path


_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>deskroute simulation: {title}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 1100px; color: #222; }}
table {{ border-collapse: collapse; margin: 1rem 0; }}
th, td {{ border: 1px solid #ccc; padding: .35rem .6rem; text-align: right; }}
th:first-child {{ text-align: left; }}
figure {{ display: inline-block; margin: .5rem; }} img {{ max-width: 520px; }}
</style></head><body>
<h1>Simulation: {title}</h1>
<p>{days:g} simulated days ({warmup:g} warm-up days excluded), {replications} replications
with common random numbers, seed {seed}. Intervals are 95% confidence intervals over
replications; SLA attained counts every arrival (abandoned or unserved tickets miss it).</p>
<h2>Policies</h2>
<table><tr><th>policy</th>{heads}</tr>{rows}</table>
<h2>Paired differences against the first policy</h2>
<table><tr><th>difference</th>{heads}</tr>{diffs}</table>
<h2>Plots</h2>
{images}
</body></html>
"""
