"""A reverse proxy on loopback that brings the sandbox's weather to a real help desk.

Request Tracker runs as itself; the chaos run puts this proxy between it and the replicas.
Each request meets the sandbox gate's own fault logic (``sandbox.gate.inject_fault``:
latency, slow answers, 503s, hangs past the client's timeout that still deliver the
request, dropped connections) and its 429 storms (``sandbox.limits.Storm``), then goes
to the real server. Answers are counted like the sandbox counts its own.
"""

from __future__ import annotations

import random
import re
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx
import uvicorn

from sandbox.gate import Message, Receive, Scope, Send, inject_fault
from sandbox.limits import Faults, Storm, TrafficStats

HOP_BY_HOP = frozenset(
    {
        b"host",
        b"connection",
        b"keep-alive",
        b"transfer-encoding",
        b"content-length",
        b"content-encoding",
        b"te",
        b"upgrade",
        b"proxy-connection",
    }
)
"""Headers that describe one connection, not the message: never passed through."""
IDS = re.compile(r"/\d+(?=/|$)")
"""Numeric path segments, counted as ``:id`` (``/REST/2.0/ticket/7`` → ``/REST/2.0/ticket/:id``)."""
UPSTREAM_TIMEOUT = 60.0
STARTUP_TIMEOUT = 10.0


@dataclass
class ProxyWeather:
    """What the proxy does to requests; changed while it runs."""

    faults: Faults = field(default_factory=Faults)
    storm: Storm = field(default_factory=Storm)
    revoked: bool = False
    """Answer 401 to every request, as RT does for a revoked auth token (REST 2's token
    authentication, RT::Authen::Token); False passes requests on again."""


class FaultProxy:
    """The ASGI app: weather first, then the request goes to ``upstream``."""

    def __init__(
        self,
        upstream: str,
        vendor: str,
        weather: ProxyWeather,
        stats: TrafficStats,
        rng: random.Random,
    ) -> None:
        self.upstream, self.vendor = upstream.rstrip("/"), vendor
        self.weather, self.stats, self.rng = weather, stats, rng
        self._client: httpx.AsyncClient | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        method, route = scope["method"], IDS.sub("/:id", scope["path"])
        counted = _counting(
            send, lambda status: self.stats.count(self.vendor, method, status, route)
        )
        served = await inject_fault(self.weather.faults, self.rng, receive, counted)
        if served is None:
            return
        if self.weather.revoked:
            await _answer(counted, 401, b'{"message":"Unauthorized"}',
                          [(b"content-type", b"application/json")])  # fmt: skip
            return
        if self.weather.storm.left() > 0:
            await _answer(
                counted,
                429,
                b"sandbox: 429 storm",
                [(b"retry-after", str(self.weather.storm.retry_after).encode())],
            )
            return
        await self._forward(scope, served, counted)

    async def _forward(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on and its answer back; an unreachable upstream is a 502."""
        body = await _body(receive)
        query = scope.get("query_string", b"").decode("latin-1")
        url = (
            self.upstream
            + scope.get("raw_path", scope["path"].encode()).decode("latin-1")
            + (f"?{query}" if query else "")
        )
        headers = [(k, v) for k, v in scope.get("headers", []) if k.lower() not in HOP_BY_HOP]
        try:
            answer = await self.client().request(
                scope["method"], url, headers=headers, content=body
            )
        except httpx.HTTPError as error:
            await _answer(send, 502, f"proxy: upstream failed: {error!r}".encode(), [])
            return
        passed = [
            (k.encode("latin-1"), v.encode("latin-1"))
            for k, v in answer.headers.items()
            if k.lower().encode() not in HOP_BY_HOP
        ]
        await _answer(send, answer.status_code, answer.content, passed)

    def client(self) -> httpx.AsyncClient:
        """One keep-alive client, made in the server's own event loop."""
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=UPSTREAM_TIMEOUT)
        return self._client


@dataclass
class RunningProxy:
    """A proxy serving on loopback: its URL, weather and counters."""

    url: str
    weather: ProxyWeather
    stats: TrafficStats
    server: uvicorn.Server
    thread: threading.Thread

    def stop(self) -> None:
        """Shut the server down."""
        self.server.should_exit = True
        self.thread.join(timeout=10)


def start_proxy(upstream: str, *, vendor: str, seed: int) -> RunningProxy:
    """Serve a ``FaultProxy`` to ``upstream`` on a free loopback port, in a thread."""
    weather, stats = ProxyWeather(), TrafficStats()
    app = FaultProxy(upstream, vendor, weather, stats, random.Random(seed))
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(app, log_level="critical", access_log=False, lifespan="off")
    )
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name=f"fault-proxy-{port}", daemon=True
    )
    thread.start()
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"the fault proxy did not start on 127.0.0.1:{port}")
        time.sleep(0.01)
    return RunningProxy(f"http://127.0.0.1:{port}", weather, stats, server, thread)


def _counting(send: Send, count: Callable[[int], None]) -> Send:
    """A ``send`` that counts each answer by its status as it starts."""

    async def counted(message: Message) -> None:
        if message["type"] == "http.response.start":
            count(int(message["status"]))
        await send(message)

    return counted


async def _body(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return b"".join(chunks)
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


async def _answer(send: Send, status: int, body: bytes, headers: list[tuple[bytes, bytes]]) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [*headers, (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})
