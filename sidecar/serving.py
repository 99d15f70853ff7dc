"""Serving an app over HTTP on a background thread (uvicorn), one per port."""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass

import uvicorn
from fastapi import FastAPI

from sidecar.http_server import protocol_with

START_WAIT = 10.0
"""Seconds to wait for the server to start listening."""


@dataclass(frozen=True, slots=True)
class Served:
    """One app listening on one port."""

    server: uvicorn.Server
    thread: threading.Thread
    port: int

    def stop(self, timeout: float = 5.0) -> None:
        """Stop accepting and wait (up to ``timeout``) for the server to finish."""
        self.server.should_exit = True
        self.thread.join(timeout=timeout)


def serve(app: FastAPI, host: str, port: int, header_timeout: float, name: str) -> Served:
    """Bind ``host:port`` (0: any free port) and serve ``app`` on a daemon thread."""
    # proto=IPPROTO_TCP: asyncio sets TCP_NODELAY only on accepted sockets whose proto
    # says TCP; without it each keep-alive response waits ~40 ms for a delayed ACK
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    config = uvicorn.Config(
        app, log_level="warning", access_log=False, lifespan="off",
        http=protocol_with(header_timeout),
    )  # fmt: skip
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name=name, daemon=True)
    thread.start()
    deadline = time.monotonic() + START_WAIT
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.01)
    return Served(server, thread, int(sock.getsockname()[1]))
