"""Chaos, CI-sized: real replicas, a faulty sandbox, SIGKILLs; checked from the audit log.

The same harness as ``benchmarks/chaos.py`` (docs/reliability.md), with a few hundred
tickets and a few kills: 20 % 5xx, hangs, resets, slow answers, 429 storms, agents going
offline mid-assignment, people taking and reassigning tickets. Nothing may be lost, written
twice or taken from a person.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from sandbox.chaos import ChaosPlan, ChaosReport, run_chaos
from tests.sidecar.conftest import PG_URL

pytestmark = pytest.mark.slow


def explain(report: ChaosReport) -> str:
    t = report.tally
    return (f"{t.result_line()} unassigned={t.unassigned} undecided={t.undecided} "
            f"doubled={t.doubled} overwritten={t.overwritten} settled={report.settled} "
            f"outbox={report.outbox} states={report.states} evidence={report.evidence}")


def small(workdir: Path, **changes: object) -> ChaosPlan:
    """A run of ~25 s: 300 tickets, kills every 7-10 s, storms every 6-10 s."""
    plan = ChaosPlan(workdir=workdir, tickets=300, arrival_seconds=20, agents=12,
                     kill_every=(7.0, 10.0), storm_every=(6.0, 10.0), storm_seconds=(1.0, 2.0),
                     settle_seconds=60, seed=3)
    for name, value in changes.items():
        setattr(plan, name, value)
    return plan


def test_one_replica_sigkilled_under_faults_loses_nothing(tmp_path: Path) -> None:
    report = run_chaos(small(tmp_path))
    assert report.settled, explain(report)
    assert report.tally.clean, explain(report)
    assert report.tally.tickets == 300
    assert len(report.kills) >= 2 and report.storms >= 1
    assert report.requests.get("status.503", 0) > 0
    assert report.tally.by_router > 200 and report.tally.by_human >= 0


def test_two_replicas_on_postgresql_survive_leader_kills(tmp_path: Path, pg_schema: str) -> None:
    report = run_chaos(small(tmp_path, replicas=2, database_url=PG_URL, schema_name=pg_schema,
                             seed=4))
    assert report.settled, explain(report)
    assert report.tally.clean, explain(report)
    assert report.tally.tickets == 300
    leader_kills = [kill for kill in report.kills if kill.was_leader]
    assert len(leader_kills) >= 2
    assert report.takeovers(), "no takeover was measured"
