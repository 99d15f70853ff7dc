"""A SIGTERM ends the sidecar within its grace even when the help desk is down."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from config.settings import Settings
from connectors.errors import RetriableError, ShuttingDownError
from sidecar.compose import build_sidecar
from sidecar.stopping import Waits

RETRY_AFTER = 25  # what the down desk asks for: longer than any grace period


class DownDesk(BaseHTTPRequestHandler):
    """Every request: 503 with a long Retry-After, as a help desk in an outage answers."""

    def _down(self) -> None:
        self.server.hits += 1  # type: ignore[attr-defined]
        self.send_response(503)
        self.send_header("Retry-After", str(RETRY_AFTER))
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_GET = do_PUT = do_POST = _down  # noqa: N815 - the names http.server calls

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def down_desk() -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), DownDesk)
    server.hits = 0  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()


def test_a_cut_wait_ends_at_once_with_a_retriable_error() -> None:
    waits = Waits()
    waits.cut_after(0.05)
    started = time.monotonic()
    with pytest.raises(ShuttingDownError) as caught:
        waits.sleep(30)
    assert time.monotonic() - started < 1
    assert isinstance(caught.value, RetriableError)  # nothing is parked for it
    waits.allow()
    waits.sleep(0.01)  # waits run their course again


def test_stopping_while_a_job_waits_out_the_desks_retry_after_takes_seconds_not_minutes(
    down_desk: ThreadingHTTPServer, tmp_path: Path
) -> None:
    settings = Settings(
        helpdesk="zendesk", database_url=f"sqlite:///{tmp_path / 's.sqlite3'}",
        http={"port": 0}, scheduler={"poll_seconds": 0.2, "roster_seconds": 0.2},
        zendesk={"base_url": f"http://127.0.0.1:{down_desk.server_port}",
                 "email": "router@example.com", "api_token": "t0ken"},
    )  # type: ignore[arg-type]  # fmt: skip
    sidecar = build_sidecar(settings)
    sidecar.start()
    deadline = time.monotonic() + 10
    while down_desk.hits == 0 and time.monotonic() < deadline:  # type: ignore[attr-defined]
        time.sleep(0.05)
    time.sleep(0.5)  # a job is now inside its Retry-After wait
    assert down_desk.hits > 0  # type: ignore[attr-defined]
    started = time.monotonic()
    sidecar.stop()
    assert time.monotonic() - started < 5
