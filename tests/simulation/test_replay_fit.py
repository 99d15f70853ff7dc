"""Replay of history exports and CSVs, and fitting scenarios from history."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from random import Random

import pytest

from connectors.history import write_history
from router.history import HistoryRecord
from simulation.fit import fit
from simulation.replay import arrivals, read_past
from simulation.run import simulate

START = datetime(2026, 3, 2, tzinfo=UTC)  # a Monday


def history(n: int = 300) -> list[HistoryRecord]:
    """Two weeks of tickets: busier in working hours, two types, two agents."""
    rng = Random(3)
    out = []
    for i in range(n):
        created = START + timedelta(hours=rng.uniform(0, 14 * 24))
        if not 8 <= created.hour < 18 and rng.random() < 0.7:
            created = created.replace(hour=rng.randrange(8, 18))
        kind = "refund" if rng.random() < 0.3 else "order"
        assigned = created + timedelta(minutes=rng.uniform(1, 60))
        out.append(
            HistoryRecord(
                id=str(i),
                created_at=created,
                type=kind,
                priority=rng.choice(["normal", "high"]),
                group="billing" if kind == "refund" else "shop",
                assignee="ann" if kind == "refund" else rng.choice(["bob", "ann"]),
                first_assigned_at=assigned,
                first_reply_at=assigned + timedelta(minutes=rng.expovariate(1 / 12)),
                solved_at=assigned + timedelta(hours=2),
            )
        )
    return out


def test_fit_recovers_rate_mix_profile_and_team(tmp_path):
    path = tmp_path / "history.jsonl"
    write_history(history(), path)
    scenario = fit(read_past(path))
    traffic = scenario.traffic
    assert traffic.arrivals.rate_per_hour == pytest.approx(300 / (14 * 24), rel=0.1)
    assert traffic.categories["refund"].share == pytest.approx(0.3, abs=0.07)
    assert traffic.categories["order"].handle.mean == pytest.approx(12, rel=0.25)
    assert traffic.categories["refund"].group == "billing"
    profile = traffic.arrivals.profile
    assert profile.hours[11] > 2 * profile.hours[3]
    assert {a.id for a in scenario.agents} == {"ann", "bob"}
    assert simulate(scenario.evolve(horizon_days=2))  # the fitted scenario runs


def test_replay_keeps_real_arrival_times_and_categories(tmp_path):
    path = tmp_path / "history.jsonl"
    write_history(history(50), path)
    past = read_past(path)
    scenario = fit(past)
    replayed = arrivals(past, scenario)
    assert [a.category for a in replayed] == [p.record.type for p in past]
    assert replayed[0].at_min == 0.0
    assert replayed[-1].at_min == pytest.approx(
        (past[-1].record.created_at - past[0].record.created_at).total_seconds() / 60
    )
    records = simulate(scenario.evolve(horizon_days=20), arrivals=replayed)
    assert len(records) == 50 and all(not math.isnan(r.assigned) for r in records)


def test_csv_replay_reads_the_documented_columns(tmp_path):
    path = tmp_path / "arrivals.csv"
    path.write_text(
        "created_at,category,priority,handle_min\n"
        "2026-03-02T09:00:00+00:00,order,high,5\n"
        "2026-03-02T09:10:00+00:00,refund,,\n",
        encoding="utf-8",
    )
    past = read_past(path)
    assert [p.handle_min for p in past] == [5.0, None]
    assert past[0].record.priority == "high"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param("created_at\nyesterday\n", "ISO 8601", id="bad-time"),
        pytest.param(
            "created_at,handle_min\n2026-03-02T09:00:00+00:00,soon\n",
            "number of minutes",
            id="handle-not-a-number",
        ),
        pytest.param(
            "created_at,handle_min\n2026-03-02T09:00:00+00:00,-3\n",
            "positive",
            id="handle-negative",
        ),
        pytest.param(
            "created_at,handle_min\n2026-03-02T09:00:00+00:00,nan\n", "positive", id="handle-nan"
        ),
        pytest.param("created_at\n2026-03-02T09:00:00\n", "time zone", id="naive-time"),
        pytest.param("created_at\n", "no tickets", id="empty"),
    ],
)
def test_csv_errors_name_the_line(tmp_path, text, message):
    path = tmp_path / "bad.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match=message):
        read_past(path)


def test_unreadable_lines_can_be_skipped_and_each_is_named(tmp_path):
    jsonl = tmp_path / "history.jsonl"
    write_history(history(5), jsonl)
    with jsonl.open("a", encoding="utf-8") as handle:
        handle.write("{broken\n" + '{"id": "x"}\n')
    skipped: list[str] = []
    assert len(read_past(jsonl, skipped.append)) == 5
    assert [message.split(": ")[0].rsplit(":", 1)[1] for message in skipped] == ["6", "7"]
    csv_path = tmp_path / "arrivals.csv"
    csv_path.write_text(
        "created_at,handle_min\n2026-03-02T09:00:00+00:00,4\nlater,\n"
        "2026-03-02T09:05:00+00:00,-1\n",
        encoding="utf-8",
    )
    skipped.clear()
    assert [p.handle_min for p in read_past(csv_path, skipped.append)] == [4.0]
    assert ["ISO 8601" in skipped[0], "positive" in skipped[1]] == [True, True]


def test_a_file_with_nothing_readable_is_an_error_even_when_skipping(tmp_path):
    path = tmp_path / "history.jsonl"
    path.write_text("{broken\n", encoding="utf-8")
    skipped: list[str] = []
    with pytest.raises(ValueError, match="no tickets"):
        read_past(path, skipped.append)
    assert len(skipped) == 1
