"""The HTTP server closes connections that never finish a request head (slowloris)."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import uvicorn

from config.policy_file import PolicyFile
from config.settings import Settings
from sidecar.http_server import SUPPORTED, supported
from sidecar.service import Sidecar, utc_now
from sidecar.store import Store
from tests.sidecar.fakes import FakeDesk
from tests.sidecar.test_service import FAST, desk  # noqa: F401 - the fixture

DEADLINE = 0.5


@pytest.fixture
def server(tmp_path: Path, desk: FakeDesk) -> Iterator[Sidecar]:  # noqa: F811
    http = {**FAST["http"], "header_timeout_seconds": DEADLINE}  # type: ignore[dict-item]
    settings = Settings(**{**FAST, "http": http})  # type: ignore[arg-type]
    store = Store.open(f"sqlite:///{tmp_path / 's.sqlite3'}", "replica-a", utc_now())
    service = Sidecar(settings=settings, connector=desk, store=store,
                      router=PolicyFile().router())  # fmt: skip
    service.start()
    yield service
    service.stop()


def half_open(port: int, head: bytes) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    sock.sendall(head)
    return sock


def closed_by_server(sock: socket.socket) -> bool:
    """True once the server closes the connection (whatever it still sent before)."""
    try:
        while sock.recv(1024):  # the rest of an earlier answer may still be arriving
            pass
    except ConnectionResetError:
        return True
    except TimeoutError:
        return False  # still open after the socket's timeout
    return True


def test_uvicorn_is_a_version_the_adapter_was_written_for() -> None:
    assert supported(), (
        f"sidecar/http_server.py reaches into uvicorn's h11 protocol and was written for "
        f"uvicorn {', '.join(SUPPORTED)}; uvicorn {uvicorn.__version__} is installed: re-read "
        "the module against it, then add the version to SUPPORTED and to pyproject.toml"
    )


def test_the_version_check_knows_minor_releases_apart() -> None:
    assert supported(f"{SUPPORTED[0]}.9")
    assert not supported("0.1.0")


def test_connections_that_never_finish_their_headers_are_closed(server: Sidecar) -> None:
    silent = [half_open(server.port, b"") for _ in range(20)]
    trickling = [half_open(server.port, b"GET /healthz HTTP/1.1\r\nHost: x\r\n") for _ in range(20)]
    for sock in trickling:  # a header line now and then does not buy more time
        time.sleep(DEADLINE / 20)
        sock.sendall(b"X-Slow: 1\r\n")
    started = time.monotonic()
    assert all(closed_by_server(sock) for sock in silent + trickling)
    assert time.monotonic() - started < 5
    for sock in silent + trickling:
        sock.close()


def test_a_request_sent_in_time_is_served_and_a_slow_handler_is_not_cut_off(
    server: Sidecar,
) -> None:
    sock = half_open(server.port, b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
    assert b"200 OK" in sock.recv(4096)
    sock.close()
    answer = requests.get(f"http://127.0.0.1:{server.port}/readyz", timeout=5)
    assert answer.status_code in (200, 503)


def test_a_keep_alive_connection_gets_a_new_deadline_after_each_response(
    server: Sidecar,
) -> None:
    sock = half_open(server.port, b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
    assert b"200 OK" in sock.recv(4096)
    sock.sendall(b"GET /healthz HTTP/1.1\r\n")  # the next request's head, never finished
    assert closed_by_server(sock)
    sock.close()
