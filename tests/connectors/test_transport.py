"""``Transport.send``: retries, Retry-After, budgets, error classes, no secrets in logs."""

from __future__ import annotations

import logging

import pytest
import requests
import responses

from connectors.errors import (
    AmbiguousWriteError,
    ConflictError,
    FatalError,
    RetriableError,
    SkippableError,
)
from tests.connectors.fakes import SECRET_TOKEN, ZENDESK, FakeTime, transport

URL = f"{ZENDESK}/api/v2/tickets/1.json"


@responses.activate
def test_sends_basic_token_auth_and_returns_the_response() -> None:
    responses.get(URL, json={"ticket": {"id": 1}})
    response = transport().send("GET", "/api/v2/tickets/1.json")
    assert response.json() == {"ticket": {"id": 1}}
    sent = responses.calls[0].request.headers["Authorization"]
    assert sent.startswith("Basic ") and SECRET_TOKEN not in sent  # base64, not plain


@pytest.mark.parametrize(
    "failure",
    [
        pytest.param({"status": 500}, id="500"),
        pytest.param({"status": 502}, id="502"),
        pytest.param({"status": 503}, id="503"),
        pytest.param({"body": requests.ConnectTimeout("slow")}, id="timeout"),
        pytest.param({"body": requests.ConnectionError("reset by peer")}, id="connection-reset"),
        pytest.param({"body": requests.exceptions.ChunkedEncodingError("cut")}, id="cut-body"),
    ],
)
@responses.activate
def test_transient_failures_are_retried_with_backoff(failure: dict) -> None:
    responses.get(URL, **failure)
    responses.get(URL, json={"ticket": {"id": 1}})
    time = FakeTime()
    tr = transport(time=time)
    assert tr.send("GET", "/api/v2/tickets/1.json").status_code == 200
    assert len(time.sleeps) == 1 and 0 < time.sleeps[0] <= 30
    assert tr.stats.retries == 1


@pytest.mark.parametrize(
    "failure",
    [
        pytest.param(requests.ReadTimeout("no answer"), id="answer-timed-out"),
        pytest.param(requests.ConnectionError("Connection reset by peer"), id="reset-mid-answer"),
        pytest.param(requests.exceptions.ChunkedEncodingError("cut"), id="cut-body"),
    ],
)
@responses.activate
def test_a_write_whose_answer_was_lost_is_not_sent_again(failure: Exception) -> None:
    """The desk may have carried it out: a second PUT could assign twice."""
    responses.put(URL, body=failure)
    responses.put(URL, json={"ticket": {"id": 1}})
    tr = transport()
    with pytest.raises(AmbiguousWriteError, match="may have been carried out"):
        tr.send("PUT", "/api/v2/tickets/1.json", json={"ticket": {"assignee_id": 5}})
    assert len(responses.calls) == 1 and tr.stats.retries == 0


@pytest.mark.parametrize(
    "failure",
    [
        pytest.param({"status": 503}, id="503-nothing-was-done"),
        pytest.param({"body": requests.ConnectionError("Connection refused")}, id="never-sent"),
    ],
)
@responses.activate
def test_a_write_that_surely_did_not_land_is_retried(failure: dict) -> None:
    responses.put(URL, **failure)
    responses.put(URL, json={"ticket": {"id": 1}})
    assert transport().send("PUT", "/api/v2/tickets/1.json", json={}).status_code == 200


@responses.activate
def test_backoff_grows_and_stays_bounded_then_gives_up() -> None:
    responses.get(URL, status=503)
    time = FakeTime()
    with pytest.raises(RetriableError) as caught:
        transport(time=time, attempts=4).send("GET", "/api/v2/tickets/1.json")
    assert caught.value.status == 503
    assert len(responses.calls) == 4 and len(time.sleeps) == 3
    for attempt, slept in enumerate(time.sleeps):
        assert 0.5 * 2**attempt <= slept <= 0.5 * 2**attempt + 0.5  # doubling + jitter


@responses.activate
def test_backoff_is_capped() -> None:
    responses.get(URL, status=502)
    time = FakeTime()
    with pytest.raises(RetriableError):
        transport(time=time, attempts=10).send("GET", "/api/v2/tickets/1.json")
    assert max(time.sleeps) <= 30.5 and time.sleeps[-1] >= 30


@responses.activate
def test_429_waits_exactly_retry_after() -> None:
    responses.get(
        URL,
        status=429,
        headers={"Retry-After": "7"},
        body="Number of allowed API requests per minute exceeded",
    )
    responses.get(URL, json={"ticket": {"id": 1}})
    time = FakeTime()
    tr = transport(time=time)
    tr.send("GET", "/api/v2/tickets/1.json")
    assert time.sleeps[0] == 7.0
    assert tr.stats.http_429 == 1


@responses.activate
def test_429_without_retry_after_uses_the_default_wait() -> None:
    responses.get(URL, status=429)
    responses.get(URL, json={})
    time = FakeTime()
    transport(time=time).send("GET", "/api/v2/tickets/1.json")
    assert time.sleeps[0] == 5.0


@pytest.mark.parametrize(
    ("status", "per_ticket", "error"),
    [
        pytest.param(401, False, FatalError, id="401"),
        pytest.param(403, False, FatalError, id="403"),
        pytest.param(404, True, SkippableError, id="404"),
        pytest.param(409, True, ConflictError, id="409"),
        pytest.param(422, True, SkippableError, id="422-ticket"),
        pytest.param(400, False, FatalError, id="400-request"),
    ],
)
@responses.activate
def test_permanent_failures_are_not_retried(status: int, per_ticket: bool, error: type) -> None:
    responses.put(URL, status=status, json={"error": "Nope", "description": "refused"})
    with pytest.raises(error):
        transport().send("PUT", "/api/v2/tickets/1.json", json={}, per_ticket=per_ticket)
    assert len(responses.calls) == 1


@responses.activate
def test_budget_paces_requests_under_the_plan_limit() -> None:
    responses.get(URL, json={})
    time = FakeTime()
    tr = transport(time=time, limits={"account": 6}, share=1.0)  # 6 per minute: one every 10 s
    for _ in range(8):
        tr.send("GET", "/api/v2/tickets/1.json")
    assert sum(time.sleeps) == pytest.approx(70.0)  # share 1: no burst, strictly paced


@responses.activate
def test_endpoint_budget_applies_on_top_of_the_account() -> None:
    export = f"{ZENDESK}/api/v2/incremental/tickets/cursor.json"
    responses.get(export, json={})
    time = FakeTime()
    tr = transport(time=time, limits={"account": 700, "export": 10}, share=1.0)
    for _ in range(11):
        tr.send("GET", "/api/v2/incremental/tickets/cursor.json", limit="export")
    assert sum(time.sleeps) == pytest.approx(60.0)  # paced by export's 10/min, not 700/min


@responses.activate
def test_rate_headers_shrink_the_budget() -> None:
    responses.get(URL, json={}, headers={"X-Rate-Limit": "1000", "X-Rate-Limit-Remaining": "0"})
    time = FakeTime()
    tr = transport(time=time)
    tr.send("GET", "/api/v2/tickets/1.json")
    tr.send("GET", "/api/v2/tickets/1.json")
    assert time.sleeps  # the server said nothing is left: we waited before the second


@responses.activate
def test_secrets_never_reach_the_logs(caplog: pytest.LogCaptureFixture) -> None:
    responses.get(URL, status=503)
    responses.get(URL, status=401, json={"error": "Couldn't authenticate you"})
    caplog.set_level(logging.DEBUG)
    tr = transport()
    with pytest.raises(FatalError) as caught:
        tr.send("GET", "/api/v2/tickets/1.json")
    text = caplog.text + str(caught.value) + repr(tr._credentials)
    assert "retrying" in caplog.text
    assert SECRET_TOKEN not in text
    assert "Basic " not in text
