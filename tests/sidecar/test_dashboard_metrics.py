"""The metrics a dashboard plots: what each one shows after the sidecar has worked."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest
import responses

from connectors.transport import endpoint_of
from router.model import AgentStatus
from sidecar.metrics import Metrics
from sidecar.routes.metrics import ShadowReading
from sidecar.store import Store
from tests.connectors.fakes import ZENDESK, transport
from tests.sidecar.builders import Rig
from tests.sidecar.fakes import FakeClock

MINUTE = 60.0


@pytest.fixture
def rig(tmp_path: Path, clock: FakeClock) -> Rig:
    made = Rig(Store.open(f"sqlite:///{tmp_path / 'd.sqlite3'}", "replica-a", clock()), clock)
    made.desk.add_agent("ann", name="Ann Lee")
    return made


def sample(metrics: Metrics, metric: str, **labels: str) -> float | None:
    """The value of one sample in the exposition text (None when absent)."""
    wanted = ",".join(f'{key}="{value}"' for key, value in sorted(labels.items()))
    for line in metrics.render().decode().splitlines():
        if line.startswith("#"):
            continue
        series, _, value = line.rpartition(" ")
        found = re.match(r"([^{]+)(?:\{(.*)\})?$", series)
        assert found is not None
        have = ",".join(sorted(found.group(2).split(","))) if found.group(2) else ""
        if found.group(1) == metric and have == wanted:
            return float(value)
    return None


def scrape(rig: Rig) -> None:
    """What ``/metrics`` reads from the store before answering."""
    rig.metrics.set_queue(rig.store.queue_gauges(rig.clock()))
    rig.metrics.set_loads(rig.store.loads.loads(), rig.pipeline.agent_names())


def test_waiting_tickets_are_counted_by_the_check_that_left_nobody(
    rig: Rig, clock: FakeClock
) -> None:
    rig.desk.new_ticket("1", required_skills={"billing": 1})
    rig.cycle()
    clock.advance(5 * MINUTE)
    scrape(rig)
    assert sample(rig.metrics, "deskroute_waiting_tickets", reason="skills") == 1
    assert sample(rig.metrics, "deskroute_oldest_waiting_seconds") >= 5 * MINUTE
    assert sample(rig.metrics, "deskroute_parked_tickets") == 0


def test_nothing_waiting_shows_zero_age_and_no_reasons(rig: Rig) -> None:
    rig.desk.new_ticket("1")
    rig.cycle()
    scrape(rig)
    assert sample(rig.metrics, "deskroute_oldest_waiting_seconds") == 0
    assert "deskroute_waiting_tickets{" not in rig.metrics.render().decode()


def test_time_to_assignment_counts_from_the_tickets_creation(rig: Rig, clock: FakeClock) -> None:
    rig.desk.new_ticket("1")
    clock.advance(90)
    rig.cycle()
    assert sample(rig.metrics, "deskroute_time_to_assignment_seconds_count") == 1
    assert sample(rig.metrics, "deskroute_time_to_assignment_seconds_bucket", le="60.0") == 0
    assert sample(rig.metrics, "deskroute_time_to_assignment_seconds_bucket", le="120.0") == 1


def test_agent_loads_carry_the_agents_name(rig: Rig) -> None:
    rig.desk.new_ticket("1")
    rig.cycle()
    scrape(rig)
    assert sample(rig.metrics, "deskroute_agent_load", agent="ann", name="Ann Lee") == 1


def test_follow_through_moves_are_counted_by_cause(rig: Rig, clock: FakeClock) -> None:
    rig.desk.add_agent("bob")
    rig.desk.new_ticket("1")
    rig.cycle()
    first = rig.desk.writes[0][1]
    rig.desk.set_status(first, AgentStatus.OFFLINE)
    rig.pipeline.refresh_roster()
    rig.pipeline.sweep()
    clock.advance(rig.settings.follow_through.offline_grace_minutes * MINUTE)
    assert rig.pipeline.sweep() == 1
    assert sample(rig.metrics, "deskroute_followthrough_moves_total", cause="offline") == 1


def test_every_decision_and_move_logs_one_line_with_ticket_agent_policy_and_cause(
    rig: Rig, caplog: pytest.LogCaptureFixture
) -> None:
    rig.desk.new_ticket("7")
    with caplog.at_level(logging.INFO, logger="deskroute.sidecar"):
        rig.cycle()
    lines = [r for r in caplog.records if getattr(r, "fields", {}).get("ticket") == "7"]
    assert len(lines) == 1
    assert "ticket 7 goes to Ann Lee (new)" in lines[0].getMessage()
    assert lines[0].fields["agent"] == "ann"  # type: ignore[attr-defined]
    assert lines[0].fields["policy_version"] == rig.pipeline.router.version  # type: ignore[attr-defined]
    assert rig.pipeline.router.version


def test_job_runs_keep_the_last_success_time_and_count_failures(clock: FakeClock) -> None:
    metrics = Metrics()
    metrics.job_ran("poll", True, clock())
    metrics.job_ran("write", False, clock())
    assert sample(metrics, "deskroute_job_last_success_timestamp_seconds", job="poll") == (
        clock().timestamp()
    )
    assert sample(metrics, "deskroute_job_failures_total", job="write") == 1


@pytest.mark.parametrize(
    ("method", "url", "endpoint"),
    [
        ("get", "https://x.zendesk.com/api/v2/tickets/123.json", "GET /api/v2/tickets/{id}.json"),
        ("put", "https://x.freshdesk.com/api/v2/tickets/9?include=x", "PUT /api/v2/tickets/{id}"),
        ("post", "http://rt/REST/2.0/ticket/5/comment", "POST /REST/2.0/ticket/{id}/comment"),
        (
            "get",
            "https://x/api/v2/tickets/show_many.json?ids=1,2",
            "GET /api/v2/tickets/show_many.json",
        ),
    ],
)
def test_endpoints_are_labelled_without_ids_or_queries(
    method: str, url: str, endpoint: str
) -> None:
    assert endpoint_of(method, url) == endpoint


@responses.activate
def test_connector_requests_and_retries_are_counted_by_desk_endpoint_and_status() -> None:
    url = f"{ZENDESK}/api/v2/tickets/42.json"
    responses.get(url, status=429, headers={"Retry-After": "0"})
    responses.get(url, json={"ticket": {}})
    sent = transport()
    sent.send("GET", "/api/v2/tickets/42.json")  # the 429 is retried, not raised
    metrics = Metrics()
    metrics.watch_traffic("zendesk", lambda: sent.stats)
    endpoint = "GET /api/v2/tickets/{id}.json"
    for status in ("429", "200"):
        assert sample(
            metrics, "deskroute_connector_requests_total",
            desk="zendesk", endpoint=endpoint, status=status,
        ) == 1  # fmt: skip
    assert (
        sample(metrics, "deskroute_connector_retries_total", desk="zendesk", endpoint=endpoint) == 1
    )


def test_the_shadow_agreement_is_read_at_most_once_a_minute(clock: FakeClock) -> None:
    """It reads every decision of the window: a scrape every 15 s must not redo that."""
    reading = ShadowReading()
    assert reading.due(clock())
    clock.advance(45)
    assert not reading.due(clock())
    clock.advance(15)
    assert reading.due(clock())
