"""Chaos, CI-sized, for fencing (issue 16): two replicas on PostgreSQL whose leader is
stalled with SIGSTOP past its lease and then resumed, or one of whose clocks is 30 s ahead
or behind. The same harness and weather as test_chaos.py; the desk's audit must show
nothing lost, written twice or taken from a person."""

from __future__ import annotations

from pathlib import Path

import pytest

from sandbox.chaos import run_chaos
from tests.sidecar.conftest import PG_URL
from tests.sidecar.test_chaos import assert_clean, small

pytestmark = pytest.mark.slow


def test_a_leader_stalled_past_its_lease_and_resumed_writes_nothing_wrong(
    tmp_path: Path, pg_schema: str
) -> None:
    plan = small(tmp_path, replicas=2, database_url=PG_URL, schema_name=pg_schema, seed=4,
                 pause_leader=True)  # fmt: skip
    report = run_chaos(plan)
    assert_clean(report, 300)
    assert report.dual_leaders == 0
    stalls = [kill for kill in report.kills if kill.was_leader and kill.signal == "SIGSTOP"]
    assert len(stalls) >= 2
    assert report.takeovers(), "nobody took over from a stalled leader"


@pytest.mark.parametrize("skew", [pytest.param(30.0, id="ahead"), pytest.param(-30.0, id="behind")])
def test_a_replica_whose_clock_is_30_s_off_never_leads_beside_another(
    tmp_path: Path, pg_schema: str, skew: float
) -> None:
    plan = small(tmp_path, replicas=2, database_url=PG_URL, schema_name=pg_schema, seed=4,
                 skew_clock=skew)  # fmt: skip
    report = run_chaos(plan)
    assert_clean(report, 300)
    assert report.dual_leaders == 0
    assert report.takeovers(), "no takeover was measured"
