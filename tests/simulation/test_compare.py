"""Comparisons: common random numbers, intervals, and the serial, process and Dask executors."""

from __future__ import annotations

import math

import pytest

from simulation.compare import compare, execute, runs
from simulation.run import PolicyChoice
from simulation.stats import mean_ci, paired_ci
from simulation.thresholds import Threshold
from tests.simulation.queues import mmc


def tiny():
    return mmc(1.0, 4.0, 5, tickets=600, within=2.0)


def test_identical_policies_differ_by_exactly_zero():
    work = runs(
        tiny(),
        [PolicyChoice("least_loaded"), PolicyChoice("least_loaded", label="again")],
        replications=3,
    )
    result = compare(execute(work, "serial"))
    diff = result.differences["again"]["mean_wait"]
    assert (diff.mean, diff.low, diff.high) == (0.0, 0.0, 0.0)
    assert result.intervals["least_loaded"]["mean_wait"].n == 3


def test_process_pool_gives_the_same_results_as_serial():
    work = runs(tiny(), [PolicyChoice("round_robin"), PolicyChoice("gcmu")], replications=2)
    serial = execute(work, "serial")
    parallel = execute(work, "process", workers=2)
    assert [r.metrics for r in serial] == [r.metrics for r in parallel]
    assert all(r.detail is not None for r in serial)  # every replication: the plots average them


def test_dask_cluster_gives_the_same_results_as_serial():
    distributed = pytest.importorskip("distributed")
    work = runs(tiny(), [PolicyChoice("least_loaded")], replications=2)
    with distributed.LocalCluster(
        processes=False,
        n_workers=1,
        threads_per_worker=2,
        protocol="tcp",
        host="127.0.0.1",
        dashboard_address=None,
    ) as cluster:
        remote = execute(work, "dask", scheduler=cluster.scheduler_address)
    assert [r.metrics for r in remote] == [r.metrics for r in execute(work, "serial")]


def test_dask_needs_a_reachable_scheduler_address():
    work = runs(tiny(), [PolicyChoice("least_loaded")], 2)
    with pytest.raises(ValueError, match="--scheduler"):
        execute(work, "dask")
    with pytest.raises(ValueError, match="cannot reach the Dask scheduler"):
        execute(work, "dask", scheduler="tcp://127.0.0.1:9", connect_timeout_s=1.0)


@pytest.mark.parametrize(
    ("values", "mean", "half"),
    [
        pytest.param([1.0, 2.0, 3.0], 2.0, 2.484, id="t-with-2-df"),
        pytest.param([5.0, 5.0], 5.0, 0.0, id="no-spread"),
    ],
)
def test_mean_ci(values, mean, half):
    interval = mean_ci(values)
    assert interval.mean == mean and interval.half_width == pytest.approx(half, abs=1e-3)


def test_paired_ci_removes_shared_noise():
    a, b = [10.0, 20.0, 30.0], [11.0, 21.0, 31.0]
    assert paired_ci(a, b).half_width == 0.0 and paired_ci(a, b).mean == 1.0
    assert math.isnan(mean_ci([1.0]).low)


def test_an_overloaded_desk_is_fully_but_never_over_utilized():
    """Three times more work than agents, always on shift: utilization is just under 100%
    (it counts only work inside the window, at most the agents' capacity)."""
    overloaded = mmc(3.0, 5.0, 5, tickets=1500, patience=10.0)
    (result,) = execute(runs(overloaded, [PolicyChoice("least_loaded")], 1), "serial")
    assert 0.97 < result.metrics["utilization"] <= 1.0


def test_runs_measure_the_service_levels_asked_for():
    (result,) = execute(runs(tiny(), [PolicyChoice("least_loaded")], 1, within=[Threshold(60)]))
    assert {"sl_1m", "sl_1m_normal"} <= set(result.metrics)
    assert result.metrics["sl_1m"] == result.metrics["sl_1m_normal"]  # one priority only
