"""Policy comparison: replications with common random numbers, serial, on local cores or Dask.

Replication ``r`` of every policy uses the same seeded streams (arrivals, mix, handle
times, patience, absences), so the paired differences between policies carry no noise
from the traffic itself. Each run is a plain picklable value; the executor only decides
where runs happen.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from simulation.metrics import backlog, per_agent, sla_over_time, summary
from simulation.onshift import Staffing, staffing
from simulation.records import TicketRecord, columns
from simulation.run import PolicyChoice, simulate
from simulation.scenario import Scenario
from simulation.stats import Interval, mean_ci, paired_ci
from simulation.team import build_agents
from simulation.thresholds import Threshold
from simulation.traffic import Arrival

Executor = Literal["serial", "process", "dask"]
Progress = Callable[["RunResult"], None]


@dataclass(frozen=True)
class Run:
    """One replication of one policy."""

    scenario: Scenario
    choice: PolicyChoice
    replication: int
    detail: bool = False
    arrivals: tuple[Arrival, ...] | None = None
    within: tuple[Threshold, ...] = ()
    """SL(t) thresholds to measure."""


@dataclass(frozen=True)
class Detail:
    """Distributions kept from one replication for the plots."""

    waits: np.ndarray
    sla_times: np.ndarray
    sla_shares: np.ndarray
    agent_load: dict[str, float]
    backlog_times: np.ndarray
    backlog: np.ndarray


@dataclass(frozen=True)
class RunResult:
    """The headline metrics of one replication (and, for one of them, the detail)."""

    policy: str
    replication: int
    metrics: dict[str, float]
    detail: Detail | None = None


def run_one(run: Run) -> RunResult:
    """Simulate one run and reduce its records to metrics (runs in a worker)."""
    scenario = run.scenario
    records = simulate(scenario, run.choice, run.replication, run.arrivals)
    roster = run_staffing(scenario, run.replication)
    metrics = summary(records, roster, scenario.warmup_min, scenario.horizon_min, run.within)
    detail = _detail(records, scenario, roster) if run.detail else None
    return RunResult(run.choice.title, run.replication, metrics, detail)


def _detail(records: Sequence[TicketRecord], scenario: Scenario, roster: Staffing) -> Detail:
    """The distributions the plots need, on grids every replication shares (so they can be
    averaged): SLA per hour (per day past three days) and the backlog at 400 moments."""
    cols = columns(records, scenario.warmup_min, scenario.horizon_min)
    bucket = sla_bucket_min(scenario)
    starts, shares = sla_over_time(cols, bucket)
    grid = np.arange(math.ceil(scenario.horizon_min / bucket)) * bucket
    on_grid = np.full(len(grid), np.nan)
    slots = np.round(starts / bucket).astype(int)
    keep = slots < len(grid)
    on_grid[slots[keep]] = shares[keep]
    backlog_grid = np.linspace(0.0, scenario.horizon_min, 400)
    return Detail(
        waits=(cols.assigned - cols.arrival)[cols.served],
        sla_times=grid.astype(float),
        sla_shares=on_grid,
        agent_load=per_agent(cols, "minutes", roster.ids),
        backlog_times=backlog_grid,
        backlog=backlog(cols, backlog_grid),
    )


def sla_bucket_min(scenario: Scenario) -> float:
    """Minutes per point of the SLA-over-time plot: an hour up to three days, else a day."""
    return 60.0 if scenario.horizon_days <= 3 else 1440.0


def run_staffing(scenario: Scenario, replication: int) -> Staffing:
    """Who was on shift when in one replication (its absences drawn as the run drew them),
    far enough past the horizon to see the SLA deadline of its last arrival."""
    targets = [t for t in scenario.sla_min.values() if t < math.inf]
    until = scenario.horizon_min + scenario.drain_days * 1440.0 + max(targets, default=0.0)
    return staffing(build_agents(scenario, replication), scenario.start, until)


def runs(
    scenario: Scenario,
    choices: Sequence[PolicyChoice],
    replications: int,
    arrivals: Sequence[Arrival] | None = None,
    within: Sequence[Threshold] = (),
    first: int = 0,
) -> list[Run]:
    """Every (policy, replication) pair, numbered from ``first``; each keeps its detail (the
    plots show means across replications)."""
    frozen = tuple(arrivals) if arrivals is not None else None
    return [
        Run(scenario, choice, r, detail=True, arrivals=frozen, within=tuple(within))
        for r in range(first, first + replications)
        for choice in choices
    ]


def execute(
    work: Sequence[Run],
    executor: Executor = "process",
    workers: int | None = None,
    scheduler: str | None = None,
    progress: Progress | None = None,
    connect_timeout_s: float = 15.0,
) -> list[RunResult]:
    """Carry out runs where asked; results come back in the order of ``work``."""
    done: dict[int, RunResult] = {}
    for index, result in _dispatch(work, executor, workers, scheduler, connect_timeout_s):
        done[index] = result
        if progress is not None:
            progress(result)
    return [done[i] for i in range(len(work))]


def _dispatch(
    work: Sequence[Run],
    executor: Executor,
    workers: int | None,
    scheduler: str | None,
    connect_timeout_s: float,
) -> Iterator[tuple[int, RunResult]]:
    if executor == "serial" or len(work) == 1:
        yield from ((i, run_one(run)) for i, run in enumerate(work))
    elif executor == "process":
        size = min(workers or os.cpu_count() or 1, len(work))
        with ProcessPoolExecutor(max_workers=size) as pool:
            futures = {pool.submit(run_one, run): i for i, run in enumerate(work)}
            yield from ((futures[f], f.result()) for f in as_completed(futures))
    elif executor == "dask":
        yield from _dask(work, scheduler, connect_timeout_s)
    else:
        raise ValueError(f"unknown executor {executor!r} (serial, process or dask)")


def _dask(
    work: Sequence[Run], scheduler: str | None, connect_timeout_s: float
) -> Iterator[tuple[int, RunResult]]:
    """Spread runs over a Dask cluster at ``scheduler`` (the ``dask`` extra)."""
    if not scheduler:
        raise ValueError("the dask executor needs --scheduler ADDRESS")
    try:
        from distributed import Client
        from distributed import as_completed as dask_completed
    except ImportError:
        raise ValueError("the dask executor needs: pip install 'deskroute[dask]'") from None
    try:
        client = Client(scheduler, timeout=connect_timeout_s)  # type: ignore[no-untyped-call]
    except (OSError, TimeoutError) as error:
        raise ValueError(f"cannot reach the Dask scheduler at {scheduler}: {error}") from None
    with client:
        futures = client.map(run_one, list(work), pure=False)
        index = {future.key: i for i, future in enumerate(futures)}
        for future in dask_completed(futures):  # type: ignore[no-untyped-call]
            yield index[future.key], future.result()


@dataclass(frozen=True)
class Comparison:
    """Per policy: an interval per metric; per policy after the first: paired differences."""

    policies: tuple[str, ...]
    intervals: dict[str, dict[str, Interval]]
    differences: dict[str, dict[str, Interval]]
    details: dict[str, tuple[Detail, ...]] = field(default_factory=dict)
    """Per policy, the detail of every replication that kept one, in replication order."""
    runs: tuple[RunResult, ...] = ()


def compare(results: Iterable[RunResult], confidence: float = 0.95) -> Comparison:
    """Group replications by policy; intervals, and paired differences against the first."""
    runs = tuple(results)
    policies = tuple(dict.fromkeys(r.policy for r in runs))
    by_policy = {
        p: sorted((r for r in runs if r.policy == p), key=lambda r: r.replication) for p in policies
    }
    names = list(dict.fromkeys(name for r in runs for name in r.metrics))
    intervals = {
        p: {m: mean_ci([r.metrics.get(m, np.nan) for r in rs], confidence) for m in names}
        for p, rs in by_policy.items()
    }
    base = by_policy[policies[0]] if policies else []
    differences: dict[str, dict[str, Interval]] = {}
    for p in policies[1:]:
        other = by_policy[p]
        shared = min(len(base), len(other))
        differences[p] = {
            m: paired_ci(
                [r.metrics.get(m, np.nan) for r in base[:shared]],
                [r.metrics.get(m, np.nan) for r in other[:shared]],
                confidence,
            )
            for m in names
        }
    details = {
        p: tuple(r.detail for r in rs if r.detail is not None)
        for p, rs in by_policy.items()
        if any(r.detail is not None for r in rs)
    }
    return Comparison(policies, intervals, differences, details, runs)


def describe_executor(executor: str, workers: int | None, scheduler: str | None) -> str:
    """Where the replications run, for the log line."""
    if executor == "dask":
        return f"dask cluster at {scheduler}"
    if executor == "process":
        return f"{workers or os.cpu_count()} local processes"
    return "this process"
