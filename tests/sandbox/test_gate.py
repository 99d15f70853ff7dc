"""Rate limits with 429 + Retry-After in each vendor's style, and injected faults."""

from __future__ import annotations

import random
import time
from collections.abc import Iterator

import pytest
import requests

from sandbox import Faults, SandboxHandle, start_sandbox
from sandbox.limits import Storm


@pytest.fixture(scope="module")
def limited() -> Iterator[SandboxHandle]:
    with start_sandbox(agents=2, rate_limit=5, rate_window=30.0) as handle:
        yield handle


@pytest.fixture
def fresh(limited: SandboxHandle) -> SandboxHandle:
    limited.set_rate_limit(5, 30.0)  # a new limiter: every test starts with a full window
    limited.set_faults(error_rate=0, timeout_rate=0, reset_rate=0, latency_ms=0, slow_rate=0)
    limited.storm(0)
    return limited


def zendesk(desk: SandboxHandle, path: str = "/groups.json", **kwargs: object) -> requests.Response:
    return requests.get(
        f"{desk.zendesk_url}/api/v2{path}", auth=(f"{desk.email}/token", desk.api_token), **kwargs
    )  # type: ignore


def freshdesk(desk: SandboxHandle) -> requests.Response:
    return requests.get(f"{desk.freshdesk_url}/api/v2/groups", auth=(desk.api_key, "X"))


def test_zendesk_over_the_limit_gets_plain_text_429(fresh: SandboxHandle) -> None:
    statuses = [zendesk(fresh).status_code for _ in range(6)]
    assert statuses == [200] * 5 + [429]
    refused = zendesk(fresh)
    assert refused.headers["Retry-After"].isdigit() and int(refused.headers["Retry-After"]) >= 1
    assert refused.headers["content-type"].startswith("text/plain")
    assert "per minute exceeded" in refused.text
    assert refused.headers["x-rate-limit-remaining"] == "0"


def test_freshdesk_limit_is_counted_separately_and_answers_json(fresh: SandboxHandle) -> None:
    for _ in range(5):
        zendesk(fresh)
    statuses = [freshdesk(fresh).status_code for _ in range(6)]
    assert statuses == [200] * 5 + [429]
    refused = freshdesk(fresh)
    assert "Retry-After" in refused.headers and refused.headers["x-ratelimit-remaining"] == "0"
    assert "description" in refused.json()


def test_incremental_export_has_its_own_10_per_window_limit(fresh: SandboxHandle) -> None:
    fresh.set_rate_limit(100, 30.0)
    url = "/incremental/tickets/cursor.json"
    statuses = [zendesk(fresh, url, params={"start_time": 0}).status_code for _ in range(11)]
    assert statuses == [200] * 10 + [429]
    body = zendesk(fresh, url, params={"start_time": 0}).json()
    assert body["error"] == "APIRateLimitExceeded"


def test_429s_are_counted(fresh: SandboxHandle) -> None:
    fresh.reset_stats()
    for _ in range(7):
        zendesk(fresh)
    assert fresh.stats()["zendesk.status.429"] == 2


def test_injected_server_errors(fresh: SandboxHandle) -> None:
    fresh.set_faults(error_rate=1.0)
    assert zendesk(fresh).status_code == 503


def test_injected_connection_resets(fresh: SandboxHandle) -> None:
    fresh.set_faults(reset_rate=1.0)
    with pytest.raises((requests.ConnectionError, requests.exceptions.ChunkedEncodingError)):
        zendesk(fresh)


def test_injected_timeouts(fresh: SandboxHandle) -> None:
    fresh.set_faults(timeout_rate=1.0, timeout_seconds=1.0)
    with pytest.raises(requests.Timeout):
        zendesk(fresh, timeout=0.2)


def test_control_api_sets_faults_and_reports_status(fresh: SandboxHandle) -> None:
    control = fresh.control_url
    changed = requests.put(f"{control}/faults", json={"error_rate": 0.25, "latency_ms": 5})
    assert changed.json()["error_rate"] == 0.25
    status = requests.get(f"{control}/status").json()
    assert status["faults"]["latency_ms"] == 5 and status["agents"] == 2
    assert requests.put(f"{control}/faults", json={"error_rate": 2}).status_code == 422


def test_slow_answers_arrive_late_but_whole(fresh: SandboxHandle) -> None:
    fresh.set_faults(slow_rate=1.0, slow_ms=300)
    started = time.monotonic()
    answer = zendesk(fresh, timeout=5)
    assert answer.status_code == 200 and time.monotonic() - started >= 0.3


@pytest.mark.parametrize(
    ("faults", "expected"),
    [
        pytest.param(Faults(), 0.0, id="calm"),
        pytest.param(Faults(latency_ms=20), 0.02, id="latency-only"),
        pytest.param(Faults(latency_ms=20, slow_rate=1.0, slow_ms=500), 0.5, id="slow-wins"),
    ],
)
def test_delay_per_request(faults: Faults, expected: float) -> None:
    assert faults.delay(random.Random(1)) == pytest.approx(expected)


def test_a_429_storm_refuses_every_request_with_retry_after(fresh: SandboxHandle) -> None:
    fresh.set_rate_limit(1000, 30.0)
    fresh.storm(30, retry_after=7)
    refused = zendesk(fresh)
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "7"
    assert refused.headers["content-type"].startswith("text/plain")
    assert freshdesk(fresh).status_code == 429
    assert "description" in freshdesk(fresh).json()
    assert requests.get(f"{fresh.control_url}/status").json()["storm_seconds_left"] > 25
    ended = requests.put(f"{fresh.control_url}/storm", json={"seconds": 0})
    assert ended.status_code == 200 and ended.json()["seconds_left"] == 0
    assert zendesk(fresh).status_code == 200


def test_a_storm_through_the_control_api(fresh: SandboxHandle) -> None:
    fresh.set_rate_limit(1000, 30.0)
    started = requests.put(f"{fresh.control_url}/storm", json={"seconds": 20, "retry_after": 3})
    assert started.status_code == 200 and started.json()["retry_after"] == 3
    assert zendesk(fresh).headers["Retry-After"] == "3"
    for bad in ({"seconds": -1}, {"seconds": 5, "retry_after": 0}, {}):
        assert requests.put(f"{fresh.control_url}/storm", json=bad).status_code == 422


def test_a_storm_ends_on_its_own_clock() -> None:
    now = [100.0]
    storm = Storm(clock=lambda: now[0])
    assert storm.left() == 0
    storm.start(5, retry_after=2)
    assert storm.left() == 5 and storm.retry_after == 2
    now[0] += 6
    assert storm.left() == 0
    with pytest.raises(ValueError, match="storm"):
        storm.start(5, retry_after=0)


def test_a_write_that_times_out_still_lands(fresh: SandboxHandle) -> None:
    ticket_id = fresh.create_tickets(1)[0]
    fresh.set_faults(timeout_rate=1.0, timeout_seconds=0.5)
    with pytest.raises(requests.Timeout):
        requests.put(
            f"{fresh.zendesk_url}/api/v2/tickets/{ticket_id}.json",
            json={"ticket": {"priority": "urgent"}},
            timeout=0.1,
            auth=(f"{fresh.email}/token", fresh.api_token),
        )
    fresh.set_faults(timeout_rate=0)
    deadline = time.monotonic() + 5
    while fresh.ticket(ticket_id).priority != "urgent" and time.monotonic() < deadline:
        time.sleep(0.05)
    assert fresh.ticket(ticket_id).priority == "urgent"  # the answer was lost, not the write


def test_revoked_credentials_are_refused_on_both_faces_until_restored(
    fresh: SandboxHandle,
) -> None:
    fresh.revoke_credentials()
    try:
        refused = zendesk(fresh), freshdesk(fresh)
    finally:
        fresh.revoke_credentials(False)
    assert [answer.status_code for answer in refused] == [401, 401]
    assert refused[0].json() == {"error": "Couldn't authenticate you"}
    assert refused[1].json()["code"] == "invalid_credentials"
    assert [zendesk(fresh).status_code, freshdesk(fresh).status_code] == [200, 200]
