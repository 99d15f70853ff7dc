"""ASGI middleware in front of both API faces: faults, latency, auth, rate limits, counters.

Order per request: injected latency (or a slow answer); an injected fault (503, a hang past
the client's timeout, or a dropped connection); authentication with the vendor's scheme; a
429 storm, when one is on; the plan's rate limit (429 + ``Retry-After`` in the vendor's
style; a Freshdesk request costs its API credits, 1 + 2 per ``include``); then the
endpoint, whose response gets the vendor's rate-limit headers.
"""

from __future__ import annotations

import asyncio
import base64
import json
import random
import re
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

from sandbox.accounts import (
    SANDBOX_API_KEY,
    SANDBOX_OAUTH,
    SANDBOX_SHOP_TOKEN,
    SANDBOX_TOKEN,
    SANDBOX_WOO_KEY,
    SANDBOX_WOO_SECRET,
)
from sandbox.limits import Faults, RateLimiter, Storm, TrafficStats, Verdict, retry_after_seconds

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]
DIGITS = re.compile(r"/\d+(?=[/.]|$)")
ZENDESK_401 = {"error": "Couldn't authenticate you"}
FRESHDESK_401 = {
    "code": "invalid_credentials",
    "message": "You have to be logged in to perform this action.",
}
SHOPIFY_401 = {
    "errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"
}
WOOCOMMERCE_401 = {
    "code": "woocommerce_rest_cannot_view",
    "message": "Sorry, you cannot list resources.",
    "data": {"status": 401},
}
UNAUTHORIZED = {
    "zendesk": ZENDESK_401, "freshdesk": FRESHDESK_401,
    "shopify": SHOPIFY_401, "woocommerce": WOOCOMMERCE_401,
}  # fmt: skip
VENDORS = frozenset(UNAUTHORIZED)
COST_LIMITED = frozenset({"shopify"})
SHOPS = frozenset({"shopify", "woocommerce"})
"""Faces limited by query cost in the endpoint (not by request count here)."""


@dataclass
class GateConfig:
    """Mutable knobs the control API and the Python handle change at run time."""

    faults: Faults
    limits: dict[str, int]
    rate_limits: bool = True
    storm: Storm = field(default_factory=Storm)
    revoked: bool = False
    """Every credential refused (401), as once an admin deleted the API token, turned token
    access off (Zendesk: support article 226022787, Admin Center) or regenerated the API key
    (Freshdesk); False restores them."""
    shop_down: bool = False
    """The shop faces answer 503 to everything (a shop outage; the help desk stays up)."""


class Gate:
    """Wraps the FastAPI app; everything under ``/zendesk`` and ``/freshdesk`` passes here."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        config: GateConfig,
        limiter: Callable[[], RateLimiter],
        stats: TrafficStats,
        rng: random.Random,
    ) -> None:
        self.app, self.config, self.limiter, self.stats, self.rng = app, config, limiter, stats, rng

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        vendor = path.split("/")[1] if scope["type"] == "http" else ""
        if vendor not in VENDORS:
            await self.app(scope, receive, send)
            return
        method, route = scope["method"], DIGITS.sub("/:id", path)
        counted = _Counted(send, lambda status: self.stats.count(vendor, method, status, route))
        await self._handle(scope, receive, counted, vendor, method, route)

    async def _handle(
        self, scope: Scope, receive: Receive, send: _Counted, vendor: str, method: str, route: str
    ) -> None:
        if vendor in SHOPS and self.config.shop_down:
            await _json(send, 503, {"errors": "sandbox: the shop is down"})
            return
        served = await inject_fault(self.config.faults, self.rng, receive, send)
        if served is None:
            return
        receive = served
        actor = _authenticate(vendor, _header(scope, b"authorization"))
        if vendor == "shopify":
            token = _header(scope, b"x-shopify-access-token")
            actor = "api:shopify" if token == SANDBOX_SHOP_TOKEN else None
        if actor is None or (self.config.revoked and vendor in ("zendesk", "freshdesk")):
            await _json(send, 401, UNAUTHORIZED[vendor])
            return
        scope["sandbox.actor"] = actor
        storm = self.config.storm
        if storm.left() > 0:
            await self._too_many(send, vendor, route, storm.retry_after, [])
            return
        if vendor in COST_LIMITED:
            await self.app(scope, receive, send)
            return
        cost = credits(scope) if vendor == "freshdesk" else 1
        verdicts = self._rate(vendor, method, route, cost)
        refused = next((v for key, v in verdicts if not v.allowed), None)
        headers = _rate_headers(vendor, verdicts[0][1], cost)
        if refused is not None:
            await self._too_many(send, vendor, route, retry_after_seconds(refused.reset), headers)
            return
        await self.app(scope, receive, _with_headers(send, headers))

    def _rate(
        self, vendor: str, method: str, route: str, cost: int = 1
    ) -> list[tuple[str, Verdict]]:
        """Count the request under each limit it falls under; the account's own limit
        (the first key) is charged ``cost`` (Freshdesk's credits), the others one each."""
        limits = self.config.limits
        keys = [vendor]
        if vendor == "zendesk" and "/incremental/" in route:
            keys.append("zendesk:export")
        if vendor == "zendesk" and method == "PUT" and route.endswith("/tickets/:id.json"):
            keys.append("zendesk:update")
        limiter = self.limiter()
        if not self.config.rate_limits:
            return [(key, limiter.peek(key, limits[key])) for key in keys]
        return [(key, limiter.hit(key, limits[key], cost if key == vendor else 1)) for key in keys]

    async def _too_many(
        self,
        send: Send,
        vendor: str,
        route: str,
        retry_after: int,
        headers: list[tuple[bytes, bytes]],
    ) -> None:
        extra = [*headers, (b"retry-after", str(retry_after).encode())]
        if vendor == "zendesk" and "/incremental/" in route:
            await _json(
                send,
                429,
                {
                    "error": "APIRateLimitExceeded",
                    "description": "Number of "
                    "allowed incremental export API requests per minute exceeded",
                },
                extra,
            )
        elif vendor == "zendesk":
            body = b"Number of allowed API requests per minute exceeded"
            await _raw(send, 429, body, [*extra, (b"content-type", b"text/plain")])
        elif vendor == "shopify":
            limited = {"errors": "Exceeded the rate limit. Reduce request rates to resume."}
            await _json(send, 429, limited, extra)
        elif vendor == "woocommerce":
            message: dict[str, Any] = {
                "code": "too_many_requests", "message": "Too many requests.",
                "data": {"status": 429},
            }  # fmt: skip
            await _json(send, 429, message, extra)
        else:
            await _json(
                send,
                429,
                {"description": "You have exceeded the limit of requests per minute", "errors": []},
                extra,
            )


async def inject_fault(
    faults: Faults, rng: random.Random, receive: Receive, send: Send
) -> Receive | None:
    """One request's share of the weather: latency or a slow answer, then maybe a fault.

    Returns the ``receive`` to serve the request with, or None when a 503 answered it
    (a reset raises). Also used by the chaos harness's proxy in front of Request Tracker.
    """
    delay = faults.delay(rng)
    if delay > 0:
        await asyncio.sleep(delay)
    fault = faults.pick(rng)
    if fault == "timeout":
        # the request is read now and served after the hang, so a write still lands
        # although the client gave up waiting: the answer is what gets lost
        receive = await _buffered(receive)
        await asyncio.sleep(faults.timeout_seconds)
    elif fault == "reset":
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-length", b"4096")],
            }
        )
        raise ConnectionResetError("sandbox: injected connection reset")
    elif fault == "error":
        await _json(
            send,
            503,
            {"error": "ServiceUnavailable", "description": "sandbox: injected server error"},
        )
        return None
    return receive


async def _buffered(receive: Receive) -> Receive:
    """Read the whole request body now; the returned ``receive`` replays it."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    replay = [{"type": "http.request", "body": b"".join(chunks), "more_body": False}]

    async def replayed() -> Message:
        if replay:
            return replay.pop()
        return await receive()  # after the body: wait for the disconnect, as a server would

    return replayed


class _Counted:
    """A ``send`` that counts each answer by its status as it starts: before the client
    can see it, so a counter read after the answer arrived always includes it."""

    def __init__(self, send: Send, count: Callable[[int], None]) -> None:
        self._send, self._count = send, count

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self._count(int(message["status"]))
        await self._send(message)


def _with_headers(send: Send, headers: list[tuple[bytes, bytes]]) -> Send:
    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            message = {**message, "headers": [*message.get("headers", []), *headers]}
        await send(message)

    return wrapped


def _header(scope: Scope, name: bytes) -> str:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return str(value.decode("latin-1"))
    return ""


def _authenticate(vendor: str, header: str) -> str | None:
    """The actor behind valid credentials for ``vendor``, else None."""
    scheme, _, value = header.partition(" ")
    if vendor == "zendesk" and scheme == "Bearer":
        return "api:oauth" if value == SANDBOX_OAUTH else None
    if scheme != "Basic":
        return None
    try:
        user, _, password = base64.b64decode(value).decode().partition(":")
    except (ValueError, UnicodeDecodeError):
        return None
    if vendor == "zendesk" and user.endswith("/token") and password == SANDBOX_TOKEN:
        return "api:" + user.removesuffix("/token")
    if vendor == "freshdesk" and user == SANDBOX_API_KEY:
        return "api:apikey"
    if vendor == "woocommerce" and (user, password) == (SANDBOX_WOO_KEY, SANDBOX_WOO_SECRET):
        return "api:woocommerce"
    return None


def credits(scope: Scope) -> int:
    """Freshdesk API credits a request costs: 1, plus 2 per embedded resource (``include``).

    The List All Tickets page charges "an additional 2 credits" per include (stats: 3 in
    all) while the Embedding section says one more per resource; the sandbox charges the
    dearer reading everywhere an ``include`` is sent.
    """
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    included = {
        part.strip()
        for value in query.get("include", [])
        for part in value.split(",")
        if part.strip()
    }
    return 1 + 2 * len(included)


def _rate_headers(vendor: str, verdict: Verdict, cost: int = 1) -> list[tuple[bytes, bytes]]:
    if vendor == "woocommerce":
        return []  # WordPress reports no quota: a host's limit shows only as a 429
    limit, remaining = str(verdict.limit).encode(), str(verdict.remaining).encode()
    if vendor == "freshdesk":
        return [
            (b"x-ratelimit-total", limit),
            (b"x-ratelimit-remaining", remaining),
            (b"x-ratelimit-used-currentrequest", str(cost).encode()),
        ]
    reset = str(retry_after_seconds(verdict.reset)).encode()
    return [
        (b"x-rate-limit", limit),
        (b"x-rate-limit-remaining", remaining),
        (b"ratelimit-limit", limit),
        (b"ratelimit-remaining", remaining),
        (b"ratelimit-reset", reset),
    ]


async def _json(
    send: Send, status: int, body: Any, headers: list[tuple[bytes, bytes]] | None = None
) -> None:
    data = json.dumps(body).encode()
    await _raw(send, status, data, [*(headers or []), (b"content-type", b"application/json")])


async def _raw(send: Send, status: int, body: bytes, headers: list[tuple[bytes, bytes]]) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [*headers, (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})
