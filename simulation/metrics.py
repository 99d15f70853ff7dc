"""Metrics as pure functions over ticket records (in their columnar form).

Conventions: every rate's denominator is *all arrivals* in the measured window unless the
name says otherwise (``simulation.glossary`` defines each one); a ticket still waiting when
the run ends counts as not served, not met and with its wait unknown (NaN, left out of
percentiles).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import numpy as np
import numpy.typing as npt

from router.model import Capacity, Ticket
from simulation.onshift import Spans, Staffing
from simulation.records import Columns, TicketRecord, columns
from simulation.thresholds import Threshold

Floats = npt.NDArray[np.float64]
PERCENTILES = (50, 80, 90, 95, 99)
CATEGORY_SLA = "sla_category:"
"""Prefix of the SLA attainment of one category (``sla_category:ORDER``)."""
VALUE_SLA = "sla_value:"
"""Prefix of the SLA attainment of one customer value tier (``sla_value:vip``)."""
VALUE_ASSIGN = "assign_value:"
"""Prefix of the mean minutes to assignment of one value tier's served tickets."""
_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


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
    return _mean(cols.sla_met)


def sla_by(cols: Columns, field: str) -> dict[str, float]:
    """SLA attainment per value of ``field`` (``"priority"`` or ``"category"``)."""
    keys = getattr(cols, field)
    return {str(key): sla_attainment(cols.where(keys == key)) for key in np.unique(keys)}


def by_value_tier(cols: Columns) -> dict[str, float]:
    """The shop's side (nothing when no ticket carries shop context): the share of changes
    served before the order shipped, and SLA attainment and mean minutes to assignment per
    customer value tier, where a rule on customer value shows."""
    tiers = sorted(set(cols.value_tier.tolist()) - {""})
    found: dict[str, float] = {"before_ship": before_shipping(cols)} if tiers else {}
    for tier in tiers:
        rows = cols.where(cols.value_tier == tier)
        found[f"{VALUE_SLA}{tier}"] = sla_attainment(rows)
        found[f"{VALUE_ASSIGN}{tier}"] = assignment_mean(rows)
    return found


def before_shipping(cols: Columns) -> float:
    """Share of tickets about an unfulfilled order that were assigned before it shipped
    (the window in which an address change or a cancellation is still possible; NaN when
    no ticket was about one)."""
    pending = ~np.isnan(cols.ships_at)
    if not pending.any():
        return float("nan")
    return _mean(cols.served[pending] & (cols.assigned[pending] < cols.ships_at[pending]))


def abandonment(cols: Columns) -> float:
    """Share of arrivals that abandoned."""
    return _mean(cols.abandoned)


def per_agent(
    cols: Columns, measure: str = "tickets", roster: Sequence[str] = ()
) -> dict[str, float]:
    """Load per agent: ``tickets`` handled or ``minutes`` of handle time.

    Every agent in ``roster`` is listed, with 0 if it handled nothing: leaving idle agents
    out would make starving one look fair.
    """
    served = cols.where(cols.served)
    agents, index = np.unique(served.agent, return_inverse=True)
    weights = served.handle if measure == "minutes" else np.ones(len(served))
    totals = np.bincount(index, weights=weights, minlength=len(agents))
    load = dict.fromkeys(roster, 0.0)
    load.update({str(agent): float(total) for agent, total in zip(agents, totals, strict=True)})
    return load


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


def utilization(cols: Columns, staffing: Staffing, warmup: float, horizon: float) -> float:
    """Capacity used on shift over capacity on shift, inside ``[warmup, horizon)``.

    ``cols`` are *all* records (work in the window may come from earlier arrivals). A
    ticket counts, at its capacity weight, for the minutes of its work that fall inside the
    window and inside its agent's on-shift spans; the denominator is every agent's on-shift
    minutes in the window times its capacity. So it never exceeds 100%; work finished after
    a shift ended (overtime) is not counted.
    """
    offered = sum(
        a.capacity.max_load * float(a.spans.overlap(warmup, horizon)) for a in staffing.agents
    )
    if offered <= 0:
        return float("nan")
    served = cols.where(cols.served)
    stop = np.where(np.isnan(served.end), served.assigned + served.handle, served.end)
    start, stop = np.clip(served.assigned, warmup, horizon), np.clip(stop, warmup, horizon)
    rows = _rows_by_agent(served.agent)
    used = 0.0
    for agent in staffing.agents:
        mine = rows.get(agent.id)
        if mine is not None:
            weight = _weights(served.where(mine), agent.capacity)
            used += float(np.sum(weight * agent.spans.overlap(start[mine], stop[mine])))
    return used / offered


def _rows_by_agent(agent: npt.NDArray[np.str_]) -> dict[str, npt.NDArray[np.intp]]:
    """Row numbers of each agent's tickets (one sort, not one scan per agent)."""
    ids, index = np.unique(agent, return_inverse=True)
    order = np.argsort(index, kind="stable")
    bounds = np.searchsorted(index[order], np.arange(len(ids) + 1))
    return {str(name): order[bounds[i] : bounds[i + 1]] for i, name in enumerate(ids)}


def _weights(cols: Columns, capacity: Capacity) -> Floats:
    """Capacity units each ticket took (``Capacity.weight_of`` on its category and channel).

    A weight a business rule set on one ticket is not in its record; such a ticket counts
    at its category's or channel's weight.
    """
    if not capacity.weights:
        return np.ones(len(cols))
    pairs = list(zip(cols.category.tolist(), cols.channel.tolist(), strict=True))
    known = {pair: capacity.weight_of(_probe(*pair)) for pair in set(pairs)}
    return np.array([known[pair] for pair in pairs], dtype=float)


def _probe(category: str, channel: str) -> Ticket:
    """A ticket with just the fields a capacity weight reads."""
    return Ticket(id="weight", created_at=_EPOCH, type=category, channel=channel)


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
    met = cols.sla_met.astype(float)
    counts = np.bincount(slot)
    hits = np.bincount(slot, weights=met)
    keep = counts > 0
    starts = np.arange(len(counts))[keep] * bucket
    return starts.astype(float), hits[keep] / counts[keep]


def service_levels(cols: Columns, within: Sequence[Threshold]) -> dict[str, float]:
    """SL(t) for each threshold, overall (``sl_1h``) and per priority (``sl_1h_urgent``)."""
    out: dict[str, float] = {}
    priorities = [str(p) for p in np.unique(cols.priority)]
    for threshold in within:
        out[threshold.key] = service_level(cols, threshold.minutes)
        for priority in priorities:
            mine = cols.where(cols.priority == priority)
            out[f"{threshold.key}_{priority}"] = service_level(mine, threshold.minutes)
    return out


def assignment_mean(cols: Columns) -> float:
    """Mean minutes from arrival to first assignment, over served tickets."""
    return _mean((cols.assigned - cols.arrival)[cols.served])


def resolution_times(cols: Columns) -> dict[str, float]:
    """Mean and p90 minutes from arrival to the end of work, over resolved tickets."""
    took = (cols.end - cols.arrival)[cols.resolved]
    p90 = float(np.percentile(took, 90)) if len(took) else float("nan")
    return {"resolve_mean": _mean(took), "resolve_p90": p90}


def reopen_rate(cols: Columns) -> float:
    """Share of resolved first-contact tickets that came back (a reopen cannot reopen)."""
    first = cols.resolved & ~cols.reopen
    return _mean(cols.came_back[first])


def unstaffed_misses(cols: Columns, coverage: Spans) -> float:
    """Share of SLA misses that met nobody on shift from arrival until their deadline.

    No routing can serve those in time: only staffing can (``deskroute staff``). NaN when
    nothing missed.
    """
    return _share_of_misses(cols, coverage.next_on(cols.arrival) > cols.arrival + cols.sla_target)


def offhours_misses(cols: Columns, coverage: Spans) -> float:
    """Share of SLA misses that arrived while nobody was on shift (whoever came on later).

    Includes the unstaffed misses; the rest waited for a shift start that came before
    their deadline, so routing at that shift start could still have saved some.
    """
    return _share_of_misses(cols, coverage.next_on(cols.arrival) > cols.arrival)


def _share_of_misses(cols: Columns, flagged: npt.NDArray[np.bool_]) -> float:
    missed = ~cols.sla_met
    return _mean(flagged[missed]) if missed.any() else float("nan")


def summary(
    records: Sequence[TicketRecord],
    staffing: Staffing,
    warmup: float,
    horizon: float,
    within: Sequence[Threshold] = (),
) -> dict[str, float]:
    """The headline numbers of tickets arriving in ``[warmup, horizon)``, flat.

    ``staffing`` is the roster of the run with its on-shift spans (idle agents count in the
    fairness numbers; utilization divides by on-shift capacity); ``within`` are the SL(t)
    thresholds to report. Every name is defined in ``simulation.glossary``.
    """
    every = columns(records)
    cols = every.arrived(warmup, horizon)
    minutes = list(per_agent(cols, "minutes", staffing.ids).values())
    counts = list(per_agent(cols, "tickets", staffing.ids).values())
    return {
        "tickets": float(len(cols)),
        "sla": sla_attainment(cols),
        **{f"sla_{p}": share for p, share in sla_by(cols, "priority").items()},
        **{f"{CATEGORY_SLA}{c}": share for c, share in sla_by(cols, "category").items()},
        **by_value_tier(cols),
        **service_levels(cols, within),
        "p_wait": p_wait(cols),
        "mean_wait": mean_wait(cols),
        "assign_mean": assignment_mean(cols),
        **{f"wait_{k}": v for k, v in wait_percentiles(cols, (50, 90, 99)).items()},
        **resolution_times(cols),
        "abandoned": abandonment(cols),
        "reopen_rate": reopen_rate(cols),
        "utilization": utilization(every, staffing, warmup, horizon),
        "fairness_gini": gini(minutes),
        "fairness_cv": cv(minutes),
        "count_gini": gini(counts),
        "skill_match": skill_match(cols),
        "misses_unstaffed": unstaffed_misses(cols, staffing.coverage),
        "misses_offhours": offhours_misses(cols, staffing.coverage),
    }
