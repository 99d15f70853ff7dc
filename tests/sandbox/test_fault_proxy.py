"""The fault proxy: the sandbox's weather in front of a real server (the RT chaos run)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import requests

from sandbox.chaos.fault_proxy import RunningProxy, start_proxy
from sandbox.chaos.replicas import free_port, wait_for
from sandbox.limits import Faults


class Upstream(ThreadingHTTPServer):
    """A loopback server that answers every request with what it received."""

    seen: list[dict[str, Any]]


class Echo(BaseHTTPRequestHandler):
    def _echo(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        seen = {
            "method": self.command,
            "path": self.path,
            "auth": self.headers.get("Authorization"),
            "body": self.rfile.read(length).decode(),
        }
        self.server.seen.append(seen)  # type: ignore[attr-defined]
        body = json.dumps(seen).encode()
        self.send_response(201)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        self._echo()

    def do_POST(self) -> None:
        self._echo()

    def do_PUT(self) -> None:
        self._echo()

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""


@pytest.fixture
def upstream() -> Iterator[Upstream]:
    server = Upstream(("127.0.0.1", 0), Echo)
    server.seen = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def proxy(upstream: Upstream) -> Iterator[RunningProxy]:
    running = start_proxy(f"http://127.0.0.1:{upstream.server_address[1]}", vendor="rt", seed=1)
    yield running
    running.stop()


def test_a_calm_request_goes_through_as_it_came(proxy: RunningProxy, upstream: Upstream) -> None:
    answer = requests.put(
        f"{proxy.url}/REST/2.0/ticket/7?fields=Owner",
        timeout=5,
        json={"Owner": "alice"},
        headers={"Authorization": "token t0k"},
    )
    assert answer.status_code == 201
    assert answer.headers["Content-Type"] == "application/json"
    assert answer.json() == {
        "method": "PUT",
        "path": "/REST/2.0/ticket/7?fields=Owner",
        "auth": "token t0k",
        "body": '{"Owner": "alice"}',
    }
    assert proxy.stats.snapshot()["rt.route.PUT /REST/2.0/ticket/:id"] == 1


@pytest.mark.parametrize(
    ("faults", "storm", "status"),
    [
        pytest.param(Faults(error_rate=1.0), 0, 503, id="a-5xx"),
        pytest.param(Faults(), 5, 429, id="a-429-storm"),
    ],
)
def test_weather_answers_before_the_server_sees_anything(
    proxy: RunningProxy, upstream: Upstream, faults: Faults, storm: float, status: int
) -> None:
    proxy.weather.faults = faults
    if storm:
        proxy.weather.storm.start(storm, retry_after=2)
    answer = requests.get(f"{proxy.url}/REST/2.0/rt", timeout=5)
    assert answer.status_code == status
    if status == 429:
        assert answer.headers["Retry-After"] == "2"
    assert upstream.seen == []
    assert proxy.stats.snapshot()[f"rt.status.{status}"] == 1


def test_a_write_that_times_out_still_reaches_the_server(
    proxy: RunningProxy, upstream: Upstream
) -> None:
    proxy.weather.faults = Faults(timeout_rate=1.0, timeout_seconds=0.4)
    with pytest.raises(requests.Timeout):
        requests.post(f"{proxy.url}/REST/2.0/ticket", json={"Subject": "s"}, timeout=0.1)
    assert wait_for(lambda: len(upstream.seen) == 1, 5)
    assert upstream.seen[0]["body"] == '{"Subject": "s"}'


def test_a_reset_breaks_the_connection(proxy: RunningProxy, upstream: Upstream) -> None:
    proxy.weather.faults = Faults(reset_rate=1.0)
    with pytest.raises((requests.ConnectionError, requests.exceptions.ChunkedEncodingError)):
        requests.get(f"{proxy.url}/REST/2.0/rt", timeout=5)
    assert upstream.seen == []


def test_an_unreachable_server_is_a_502() -> None:
    running = start_proxy(f"http://127.0.0.1:{free_port()}", vendor="rt", seed=1)
    try:
        answer = requests.get(f"{running.url}/REST/2.0/rt", timeout=5)
    finally:
        running.stop()
    assert answer.status_code == 502
    assert "upstream failed" in answer.text
