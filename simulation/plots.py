"""The comparison's plots (PNG): the mean across replications of each policy with a 95% band,
every policy in its own colour, line style and marker (none hides another), times on the
calendar (weekday and date of the scenario), at a size readable on a laptop screen."""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from simulation.compare import Comparison, Detail

if TYPE_CHECKING:
    from matplotlib.axes import Axes

Floats = npt.NDArray[np.float64]
SIZE = (11.0, 5.0)
"""Figure size in inches; saved at ``DPI``, a figure is 1,320 pixels wide."""
DPI = 120
_COLOURS = (
    "#1f77b4",
    "#d95f02",
    "#2ca02c",
    "#7b3294",
    "#b8860b",
    "#444444",
    "#e7298a",
    "#17becf",
    "#8c564b",
    "#66a61e",
    "#e41a1c",
    "#0b3d91",
)
_DASHES = ("-", "--", "-.", ":", (0, (5, 1, 1, 1)), (0, (1, 1)))
_MARKERS = ("o", "s", "^", "D", "v", "x", "P", "*", "<", ">", "h", "+")
STYLES = tuple(
    {"color": colour, "linestyle": _DASHES[i % len(_DASHES)], "marker": _MARKERS[i]}
    for i, colour in enumerate(_COLOURS)
)
"""One per policy, in order (then again): up to twelve policies, each with its own colour
and marker, and a dash pattern differing from its neighbours'."""
WAIT_GRID = np.concatenate(([0.0], np.geomspace(0.1, 60 * 24 * 14, 120)))
"""Minutes at which the waiting-time distribution is read (0 to two weeks, log-spaced)."""


@dataclass(frozen=True)
class Band:
    """A mean curve across replications and its pointwise 95% interval."""

    x: Floats
    mean: Floats
    low: Floats
    high: Floats
    n: int


def band(x: Floats, curves: Sequence[Floats]) -> Band:
    """Pointwise mean of ``curves`` (NaN ignored) with a Student-t 95% interval."""
    stack = np.vstack([np.asarray(c, dtype=float) for c in curves])
    counts = np.sum(~np.isnan(stack), axis=0)
    with np.errstate(invalid="ignore", divide="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a point no replication reached
        mean = np.nanmean(stack, axis=0) if len(stack) else stack
        spread = np.nanstd(stack, axis=0, ddof=1) / np.sqrt(counts) if len(stack) > 1 else 0.0
    from scipy import stats  # loaded only when plotting (slow to import)

    t = stats.t.ppf(0.975, np.maximum(counts - 1, 1)) if len(stack) > 1 else 0.0
    half = np.where(counts > 1, t * spread, 0.0)
    return Band(np.asarray(x, dtype=float), mean, mean - half, mean + half, len(curves))


Curves = Callable[[Detail], tuple[Floats, Floats]]


def _figure(comparison: Comparison, path: Path, curves: Curves, draw: Callable[..., None]) -> Path:
    """One figure: each policy's mean curve and band, styled apart; saved as PNG."""
    import matplotlib  # here, not at module level: pyplot costs every command ~0.25 s

    matplotlib.use("Agg")  # files only, never a window
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=SIZE)
    for index, (policy, details) in enumerate(comparison.details.items()):
        if not details:
            continue
        pairs = [curves(d) for d in details]
        found = band(pairs[0][0], [y for _, y in pairs])
        style = STYLES[index % len(STYLES)]
        draw(ax, found, policy, style)
    ax.grid(alpha=0.3)
    count = len(comparison.details)
    # below the plot, never over a line
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=min(count, 3), fontsize=11)
    ax.tick_params(labelsize=11)
    fig.savefig(path, dpi=DPI, bbox_inches="tight")
    plt.close(fig)
    return path


def _line(
    ax: Axes,
    found: Band,
    policy: str,
    style: dict[str, Any],
    x: Any = None,
    ceiling: float | None = None,
) -> None:
    """The mean as a styled line with sparse markers (offset per policy, so markers of equal
    lines sit side by side), the band lightly shaded and edged in its colour."""
    xs = found.x if x is None else x
    index = next(i for i, s in enumerate(STYLES) if s is style)
    every = max(1, len(found.x) // 12)
    marks = (index * every // len(STYLES) % every, every)
    label = f"{policy} (mean of {found.n})" if found.n > 1 else policy
    ax.plot(xs, found.mean, label=label, linewidth=2, markevery=marks, markersize=7, **style)
    if found.n > 1:
        low = np.clip(found.low, 0.0, ceiling)
        high = np.clip(found.high, 0.0, ceiling)
        ax.fill_between(xs, low, high, color=style["color"], alpha=0.08, linewidth=0)
        for edge in (low, high):
            ax.plot(
                xs,
                edge,
                color=style["color"],
                linestyle=style["linestyle"],
                linewidth=0.7,
                alpha=0.5,
            )


def _title(ax: Axes, text: str, comparison: Comparison) -> None:
    counts = {len(d) for d in comparison.details.values()}
    n = max(counts, default=1)
    suffix = f"mean of {n} replications, band: 95% interval" if n > 1 else "one replication"
    ax.set_title(f"{text} ({suffix})", fontsize=13)


def _calendar(start: datetime, minutes: Floats) -> list[datetime]:
    return [start + timedelta(minutes=float(m)) for m in minutes]


def _date_axis(ax: Axes, days: float) -> None:
    import matplotlib.dates as mdates

    if days <= 3:
        ax.xaxis.set_major_locator(mdates.HourLocator(byhour=range(0, 24, 6)))  # type: ignore[no-untyped-call]
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%a %d %b\n%H:%M"))  # type: ignore[no-untyped-call]
    else:
        step = max(1, math.ceil(days / 14))
        ax.xaxis.set_major_locator(mdates.DayLocator(interval=step))  # type: ignore[no-untyped-call]
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%a\n%d %b"))  # type: ignore[no-untyped-call]


def plot_waits(comparison: Comparison, path: Path) -> Path:
    """Share of served tickets assigned within each wait (log-like time axis)."""

    def curves(detail: Detail) -> tuple[Floats, Floats]:
        waits = np.sort(detail.waits)
        share = np.searchsorted(waits, WAIT_GRID, side="right") / max(len(waits), 1)
        return WAIT_GRID, share * 100

    def draw(ax: Axes, found: Band, policy: str, style: dict[str, Any]) -> None:
        _line(ax, found, policy, style, ceiling=100.0)
        ax.set_xscale("symlog", linthresh=1.0)
        ax.set_xlabel("wait until assigned (minutes)", fontsize=12)
        ax.set_ylabel("served tickets assigned within (%)", fontsize=12)
        ax.set_ylim(0, 102)
        _title(ax, "Waiting-time distribution", comparison)

    return _figure(comparison, path, curves, draw)


def plot_sla(comparison: Comparison, path: Path, start: datetime, days: float) -> Path:
    """SLA attainment of the tickets arriving in each hour (day, past three days)."""

    def curves(detail: Detail) -> tuple[Floats, Floats]:
        return detail.sla_times, detail.sla_shares * 100

    count = len(comparison.details)

    def draw(ax: Axes, found: Band, policy: str, style: dict[str, Any]) -> None:
        # each point at the start of its hour or day (the tick naming it), the policies side
        # by side around it so that equal values still show every policy's marker
        bucket = float(found.x[1] - found.x[0]) if len(found.x) > 1 else 60.0
        index = STYLES.index(style)
        middle = found.x + (index - (count - 1) / 2) * 0.06 * bucket
        _line(ax, found, policy, style, _calendar(start, middle), ceiling=100.0)
        _date_axis(ax, days)
        unit = "hour" if days <= 3 else "day"
        ax.set_xlabel(f"arrival {unit} ({start:%Z})", fontsize=12)
        ax.set_ylabel("SLA attained (%)", fontsize=12)
        ax.set_ylim(0, 105)
        _title(ax, f"SLA by {unit} of arrival", comparison)

    return _figure(comparison, path, curves, draw)


def plot_load(comparison: Comparison, path: Path) -> Path:
    """Handle hours per agent, busiest first in each replication (flatter is fairer)."""

    def curves(detail: Detail) -> tuple[Floats, Floats]:
        load = np.sort(np.asarray(list(detail.agent_load.values()), dtype=float))[::-1]
        return np.arange(1, len(load) + 1, dtype=float), load / 60.0

    def draw(ax: Axes, found: Band, policy: str, style: dict[str, Any]) -> None:
        from matplotlib.ticker import MaxNLocator

        _line(ax, found, policy, style)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # agents are counted
        ax.set_xlabel("agents, busiest first", fontsize=12)
        ax.set_ylabel("hours handled", fontsize=12)
        _title(ax, "Per-agent load", comparison)

    return _figure(comparison, path, curves, draw)


def plot_backlog(comparison: Comparison, path: Path, start: datetime, days: float) -> Path:
    """Tickets waiting over the run."""

    def curves(detail: Detail) -> tuple[Floats, Floats]:
        return detail.backlog_times, detail.backlog

    def draw(ax: Axes, found: Band, policy: str, style: dict[str, Any]) -> None:
        _line(ax, found, policy, style, _calendar(start, found.x))
        _date_axis(ax, days)
        ax.set_xlabel(f"time ({start:%Z})", fontsize=12)
        ax.set_ylabel("tickets waiting", fontsize=12)
        _title(ax, "Backlog", comparison)

    return _figure(comparison, path, curves, draw)


def write_plots(comparison: Comparison, out: Path, start: datetime, days: float) -> list[Path]:
    """All plots as PNG files in ``out`` (``start``: the scenario's minute 0; ``days``: its
    horizon, which sets the calendar axis)."""
    out.mkdir(parents=True, exist_ok=True)
    return [
        plot_sla(comparison, out / "sla_over_time.png", start, days),
        plot_waits(comparison, out / "waiting_times.png"),
        plot_backlog(comparison, out / "backlog.png", start, days),
        plot_load(comparison, out / "agent_load.png"),
    ]
