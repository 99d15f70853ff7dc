"""Metrics as pure functions over ticket records (in their columnar form).

Conventions: every rate's denominator is *all arrivals* in the measured window unless the
name says otherwise; a ticket still waiting when the run ends counts as not served, not
met and with its wait unknown (NaN, left out of percentiles).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from simulation.records import Columns, TicketRecord, columns

Floats = npt.NDArray[np.float64]
PERCENTILES = (50, 80, 90, 95, 99)


def _mean(values: npt.NDArray[np.bool_] | Floats) -> float:
    return float(np.mean(values)) if len(values) else float("nan")


def p_wait(cols: Columns) -> float:
    """Share of arrivals that waited at all (served after a wait, abandoned or never served)."""
    wait = cols.wait
    return _mean(~(wait <= 0.0))


def mean_wait(cols: Columns) -> float:
    """Mean minutes waited over arrivals whose wait ended (abandoners' time included)."""
    wait = cols.wait
    return float(np.nanmean(wait)) if np.any(~np.isnan(wait)) else float("nan")


def wait_percentiles(cols: Columns, points: Sequence[int] = PERCENTILES) -> dict[str, float]:
    """Percentiles of the wait of served tickets, as ``{"p90": minutes}``."""
    served = (cols.assigned - cols.arrival)[cols.served]
    if not len(served):
        return {f"p{p}": float("nan") for p in points}
    return {f"p{p}": float(v) for p, v in zip(points, np.percentile(served, points), strict=True)}


def service_level(cols: Columns, within: float) -> float:
    """Share of all arrivals served within ``within`` minutes (SL_i)."""
    return _mean(cols.served & (cols.assigned - cols.arrival <= within))


def sla_attainment(cols: Columns) -> float:
    """Share of all arrivals assigned within their priority's SLA target."""
    return _mean(cols.served & (cols.assigned - cols.arrival <= cols.sla_target))


def sla_by(cols: Columns, field: str) -> dict[str, float]:
    """SLA attainment per value of ``field`` (``"priority"`` or ``"category"``)."""
    keys = getattr(cols, field)
    return {str(key): sla_attainment(cols.where(keys == key)) for key in np.unique(keys)}


def abandonment(cols: Columns) -> float:
    """Share of arrivals that abandoned."""
    return _mean(cols.abandoned)


def per_agent(cols: Columns, measure: str = "tickets") -> dict[str, float]:
    """Load per agent: ``tickets`` handled or ``minutes`` of handle time."""
    served = cols.where(cols.served)
    agents, index = np.unique(served.agent, return_inverse=True)
    weights = served.handle if measure == "minutes" else np.ones(len(served))
    totals = np.bincount(index, weights=weights, minlength=len(agents))
    return {str(agent): float(total) for agent, total in zip(agents, totals, strict=True)}


def gini(values: Sequence[float] | Floats) -> float:
    """Gini coefficient (0: perfectly even, toward 1: one agent does everything)."""
    data = np.sort(np.asarray(values, dtype=float))
    if not len(data) or data.sum() == 0:
        return 0.0
    ranks = np.arange(1, len(data) + 1)
    n = len(data)
    return float(2 * np.sum(ranks * data) / (n * data.sum()) - (n + 1) / n)


def cv(values: Sequence[float] | Floats) -> float:
    """Coefficient of variation (standard deviation over mean)."""
    data = np.asarray(values, dtype=float)
    if not len(data) or data.mean() == 0:
        return 0.0
    return float(data.std() / data.mean())


def utilization(cols: Columns, agents: int, window: float) -> float:
    """Handle minutes of the window's tickets over ``agents`` x ``window`` minutes."""
    if agents <= 0 or window <= 0:
        return float("nan")
    return float(np.nansum(cols.handle[cols.served])) / (agents * window)


def skill_match(cols: Columns) -> float:
    """Mean proficiency of the assigned agent on the ticket's skills (1.0: an expert)."""
    served = cols.skill_match[cols.served]
    return float(np.mean(served)) if len(served) else float("nan")


def backlog(cols: Columns, grid: Floats) -> Floats:
    """Tickets waiting at each minute of ``grid``."""
    left = np.where(cols.abandoned, cols.gave_up, cols.assigned)
    left = np.where(np.isnan(left), np.inf, left)
    arrived = np.searchsorted(np.sort(cols.arrival), grid, side="right")
    gone = np.searchsorted(np.sort(left), grid, side="right")
    return (arrived - gone).astype(float)


def sla_over_time(cols: Columns, bucket: float) -> tuple[Floats, Floats]:
    """SLA attainment of the tickets arriving in each ``bucket`` minutes: (starts, shares)."""
    if not len(cols):
        return np.array([]), np.array([])
    slot = np.floor(cols.arrival / bucket).astype(int)
    met = (cols.served & (cols.assigned - cols.arrival <= cols.sla_target)).astype(float)
    counts = np.bincount(slot)
    hits = np.bincount(slot, weights=met)
    keep = counts > 0
    starts = np.arange(len(counts))[keep] * bucket
    return starts.astype(float), hits[keep] / counts[keep]


def summary(
    records: Sequence[TicketRecord],
    warmup: float,
    agents: int,
    horizon: float,
    within: float | None = None,
) -> dict[str, float]:
    """The headline numbers of tickets arriving in ``[warmup, horizon)``, flat."""
    cols = columns(records, warmup, horizon)
    window = horizon - warmup
    load = list(per_agent(cols).values())
    out = {
        "tickets": float(len(cols)),
        "sla": sla_attainment(cols),
        "p_wait": p_wait(cols),
        "mean_wait": mean_wait(cols),
        **{f"wait_{k}": v for k, v in wait_percentiles(cols, (50, 90, 99)).items()},
        "abandoned": abandonment(cols),
        "utilization": utilization(cols, agents, window),
        "load_gini": gini(load),
        "load_cv": cv(load),
        "skill_match": skill_match(cols),
    }
    if within is not None:
        out["service_level"] = service_level(cols, within)
    for priority, share in sla_by(cols, "priority").items():
        out[f"sla_{priority}"] = share
    return out
