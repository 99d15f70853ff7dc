"""The HTTP server's one reach into uvicorn's internals: a deadline for request headers.

uvicorn closes idle keep-alive connections, but nothing bounds how long a client may take to
send a request's headers: each half-open connection (opened, a few bytes, then silence, or
a header line every few seconds) holds a file descriptor for good, and 2,000 of them held
2,023 descriptors in the routing process. ``HeaderDeadlineProtocol`` gives every connection
``header_timeout`` seconds, from connecting and again from each response, to deliver a
whole request head; otherwise it is closed. Data arriving does not extend the deadline, so
trickling a header line at a time does not either.

It subclasses uvicorn's h11 protocol and reads its attributes (``loop``, ``cycle``,
``transport``, ``conn``), which uvicorn does not promise to keep: it is written for the
versions in ``SUPPORTED`` (pinned in pyproject.toml), and ``tests/sidecar/test_http_server.py``
fails on any other, saying to re-read this module against the new one.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import h11
import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

SUPPORTED = ("0.55",)
"""uvicorn releases (major.minor) this module was checked against."""


def supported(version: str = uvicorn.__version__) -> bool:
    """True when ``version`` of uvicorn is one this module was written for."""
    return ".".join(version.split(".")[:2]) in SUPPORTED


class HeaderDeadlineProtocol(H11Protocol):
    """uvicorn's h11 protocol, closing connections that do not send a request head in time."""

    header_timeout = 10.0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._head_deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _arm(self) -> None:
        self._disarm()
        self._head_deadline = self.loop.call_later(self.header_timeout, self._head_late)

    def _disarm(self) -> None:
        if self._head_deadline is not None:
            self._head_deadline.cancel()
            self._head_deadline = None

    def _head_late(self) -> None:
        """Close the connection unless a request is being served (its head arrived)."""
        self._head_deadline = None
        serving = self.cycle is not None and not self.cycle.response_complete
        if serving or self.transport.is_closing():
            return
        if self.conn.our_state is not h11.ERROR:
            with contextlib.suppress(h11.LocalProtocolError):  # a client that half-spoke
                self.conn.send(h11.ConnectionClosed())
        self.transport.close()


def protocol_with(header_timeout: float) -> type[HeaderDeadlineProtocol]:
    """The protocol class for uvicorn's ``http=`` option, with this header deadline."""
    return type("HeaderDeadline", (HeaderDeadlineProtocol,), {"header_timeout": header_timeout})
