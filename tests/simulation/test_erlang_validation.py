"""The simulator reproduces exact Erlang C and Erlang A results through the router's policy path.

Each case runs several independent replications through ``Router.choose`` (the policy
deciding every assignment) and asserts the exact value lies inside the 95% confidence
interval of the replication means. The module checks twenty intervals, so the 95% is
simultaneous (Bonferroni: each interval at 1 - 0.05/20): a correct simulator then fails
this module less than one time in twenty, where twenty separate 95% intervals would miss
at least once about two times in three. Values: the validation sheet (docs/simulation.md,
Validation).
"""

from __future__ import annotations

import math

import pytest

from simulation.erlang import ErlangA, ErlangC, p_poisson_at_least
from simulation.metrics import abandonment, mean_wait, p_wait, service_level
from simulation.records import columns
from simulation.run import simulate
from simulation.stats import Interval, mean_ci
from tests.simulation.queues import mmc

REPLICATIONS = 10
INTERVALS_CHECKED = 20  # 3 x 3 Erlang C, 2 x 4 Erlang A, 2 + 1 in the limit checks
CONFIDENCE = 1 - 0.05 / INTERVALS_CHECKED  # simultaneous 95% over the module


def estimates(scenario, within: float) -> dict[str, Interval]:
    """Simultaneous-95% intervals of P(wait), mean wait, SL(within) and P(abandon)."""
    runs = []
    for replication in range(REPLICATIONS):
        cols = columns(simulate(scenario, replication=replication), scenario.warmup_min)
        runs.append((p_wait(cols), mean_wait(cols), service_level(cols, within), abandonment(cols)))
    names = ("p_wait", "mean_wait", "sl", "abandon")
    return {name: mean_ci([run[i] for run in runs], CONFIDENCE) for i, name in enumerate(names)}


ERLANG_C = [
    pytest.param(10 / 60, 24.0, 5, 10.0, 0.5541, 13.30, 0.6347, 4_000, id="C1-small-desk"),
    pytest.param(1.0, 15.0, 18, 1.0, 0.3613, 1.807, 0.7042, 8_000, id="C2-medium-desk"),
    pytest.param(18.0, 1.0, 20, 0.2, 0.5508, 0.2754, 0.6308, 30_000, id="C3-benchmark"),
]


@pytest.mark.parametrize(("lam", "aht", "c", "t", "pw", "wq", "sl", "tickets"), ERLANG_C)
def test_erlang_c(lam, aht, c, t, pw, wq, sl, tickets):
    exact = ErlangC(lam, 1 / aht, c)
    assert (round(exact.p_wait(), 4), round(exact.service_level(t), 4)) == (pw, sl)
    assert exact.mean_wait() == pytest.approx(wq, rel=2e-3)
    got = estimates(mmc(lam, aht, c, tickets=tickets, within=t), t)
    assert got["p_wait"].contains(exact.p_wait()), got["p_wait"]
    assert got["mean_wait"].contains(exact.mean_wait()), got["mean_wait"]
    assert got["sl"].contains(exact.service_level(t)), got["sl"]
    assert got["abandon"].mean == 0


ERLANG_A = [
    pytest.param(
        10 / 60, 24.0, 30.0, 5, 10.0, 0.3855, 0.0945, 2.836, 0.8237, 4_000, id="A1-small-desk"
    ),
    pytest.param(
        18.0,
        1.0,
        2.0,
        20,
        0.2,
        0.3978,
        0.0378,
        0.0757,
        0.8232,
        30_000,
        id="A2-benchmark-abandonment",
    ),
]


@pytest.mark.parametrize(
    ("lam", "aht", "patience", "c", "t", "pw", "pab", "wq", "sl", "tickets"), ERLANG_A
)
def test_erlang_a(lam, aht, patience, c, t, pw, pab, wq, sl, tickets):
    exact = ErlangA(lam, 1 / aht, c, 1 / patience)
    assert [round(v, 4) for v in (exact.p_wait(), exact.p_abandon(), exact.service_level(t))] == [
        pw,
        pab,
        sl,
    ]
    assert exact.mean_wait() == pytest.approx(wq, rel=2e-3)
    got = estimates(mmc(lam, aht, c, tickets=tickets, patience=patience, within=t), t)
    assert got["p_wait"].contains(exact.p_wait()), got["p_wait"]
    assert got["abandon"].contains(exact.p_abandon()), got["abandon"]
    assert got["mean_wait"].contains(exact.mean_wait()), got["mean_wait"]
    assert got["sl"].contains(exact.service_level(t)), got["sl"]


def test_vanishing_patience_rate_gives_erlang_c():
    exact_c = ErlangC(18.0, 1.0, 20)
    assert ErlangA(18.0, 1.0, 20, 1e-9).p_wait() == pytest.approx(exact_c.p_wait(), rel=1e-6)
    got = estimates(mmc(18.0, 1.0, 20, tickets=30_000, patience=1e9, within=0.2), 0.2)
    assert got["p_wait"].contains(exact_c.p_wait()), got["p_wait"]
    assert got["mean_wait"].contains(exact_c.mean_wait()), got["mean_wait"]


def test_patience_rate_equal_to_service_rate_gives_poisson_tail():
    exact = p_poisson_at_least(15.0, 15)  # a = 15, c = 15: M/M/∞ occupancy
    assert ErlangA(15.0, 1.0, 15, 1.0).p_wait() == pytest.approx(exact, rel=1e-9)
    got = estimates(mmc(15.0, 1.0, 15, tickets=20_000, patience=1.0, within=0.2), 0.2)
    assert got["p_wait"].contains(exact), got["p_wait"]


@pytest.mark.parametrize(
    "offered", [pytest.param(30.0, id="a=1.5c"), pytest.param(60.0, id="a=3c")]
)
def test_overload_with_abandonment_stays_finite_and_matches_erlang_a(offered):
    scenario = mmc(offered, 1.0, 20, tickets=20_000, patience=1.0, within=0.2)
    records = simulate(scenario)
    cols = columns(records, scenario.warmup_min)
    exact = ErlangA(offered, 1.0, 20, 1.0)
    waiting_at_end = sum(1 for r in records if math.isnan(r.assigned) and not r.abandoned)
    assert waiting_at_end == 0
    assert max(cols.wait) < 30  # exponential patience of mean 1: nobody waits half an hour
    assert abandonment(cols) == pytest.approx(exact.p_abandon(), abs=0.02)
