"""The sidecar's HTTP surface: webhooks in, health, readiness, metrics and explanations out.

Webhooks are verified, parsed, and stored as *hints* (the ticket id) on whichever replica
receives them; the leader fetches the named tickets and routes them. A malformed or
unauthenticated webhook gets a 4xx, never a 500. Explanations and the shadow report are
admin endpoints: they need ``Authorization: Bearer <DESKROUTE_ADMIN_TOKEN>`` and are off
(404) when no token is configured.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import Depends, FastAPI, HTTPException, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import SecretStr
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from config.settings import Settings
from connectors.freshdesk import webhook as freshdesk_webhook
from connectors.webhooks import WebhookError, WebhookEvent
from connectors.zendesk import webhook as zendesk_webhook
from sidecar import http_schema as schema
from sidecar.health import StoreHealth, describe, readiness, store_outage
from sidecar.http_input import read_body
from sidecar.metrics import Metrics
from sidecar.refusals import RefusalLimit
from sidecar.shadow_report import MAX_DAYS, parse_window
from sidecar.store import Store

log = logging.getLogger("deskroute.sidecar.http")

REPLAYS = 2 * zendesk_webhook.DEFAULT_TOLERANCE
"""How long a delivery is remembered: past the signature's 5-minute window a replay is
refused (401) for its timestamp, within it for its signature or delivery id."""
ISO_MOMENT = r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})?)?$"
"""An ISO 8601 date, or date and time with an optional zone (the shadow report's window)."""
SINCE = "Start of the window: ISO 8601 date or time, UTC without a zone; not with days."
UNTIL = "End of the window (a date alone: the end of that day); default now."
DAYS = "Days back from until; default DESKROUTE_SHADOW__WINDOW_DAYS."
WINDOW_PARAMETERS = frozenset({"since", "until", "days"})
BEARER = HTTPBearer(auto_error=False, description="Authorization: Bearer $DESKROUTE_ADMIN_TOKEN")


@dataclass
class AppContext:
    """What the HTTP app needs from the running service."""

    settings: Settings
    store: Store
    metrics: Metrics
    clock: Callable[[], datetime]
    is_leader: Callable[[], bool]
    ready: Callable[[], bool]
    kick: Callable[[], None]
    accepting: Callable[[], bool]
    health: StoreHealth = field(default_factory=lambda: StoreHealth(migrated=True))
    refusals: RefusalLimit = field(default_factory=RefusalLimit)
    desk_refused: Callable[[], str | None] = lambda: None
    """Why the help desk is not called now (it refused our credentials), or None."""


def create_app(ctx: AppContext) -> FastAPI:
    """Build the FastAPI application around a running service."""
    app = FastAPI(
        title="deskroute sidecar",
        summary="Routes help-desk tickets and explains every decision.",
        version="0.1.0",
    )
    _answer_errors_as_json(app)
    _answer_store_outages(app, ctx.health)
    _warn_unauthenticated(ctx.settings)
    settings = ctx.settings
    limit = settings.http.max_body_bytes

    def admin(
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(BEARER)],
    ) -> None:
        if settings.admin_token is None:
            raise HTTPException(404, "admin endpoints are off (DESKROUTE_ADMIN_TOKEN is unset)")
        if not is_admin(settings, None if credentials is None else credentials.credentials):
            raise HTTPException(401, "admin token required", {"WWW-Authenticate": "Bearer"})

    def accept(helpdesk: str, event: WebhookEvent) -> dict[str, Any]:
        if not ctx.accepting():
            raise HTTPException(503, "shutting down", {"Retry-After": "5"})
        if not ctx.health.migrated:
            raise HTTPException(503, "store not ready yet", {"Retry-After": "5"})
        keys = event.replay_keys
        if keys and not ctx.store.tickets.first_delivery(keys, helpdesk, ctx.clock(), REPLAYS):
            # a sender's retry, or a captured request replayed: already taken in
            ctx.metrics.webhooks.labels(helpdesk=helpdesk, result="replay").inc()
            return {"accepted": True, "ticket": event.ticket_id, "duplicate": True}
        if event.updated_at is not None and ctx.store.tickets.has_seen(
            event.ticket_id, event.updated_at
        ):
            # e.g. the echo of our own write-back: this version is already in the store
            ctx.metrics.webhooks.labels(helpdesk=helpdesk, result="seen").inc()
            return {"accepted": True, "ticket": event.ticket_id, "duplicate": True}
        fresh = ctx.store.tickets.hint(event.ticket_id, helpdesk, ctx.clock())
        ctx.metrics.webhooks.labels(helpdesk=helpdesk, result="accepted").inc()
        if fresh and ctx.is_leader():
            ctx.kick()
        return {"accepted": True, "ticket": event.ticket_id, "duplicate": not fresh}

    webhook_errors = schema.errors(400, 401, 413, 415, 429, 503)
    zendesk_secret = settings.zendesk.webhook_secret
    zendesk_doc = schema.webhook_request(
        schema.ZENDESK_BODY, schema.zendesk_headers(signed=zendesk_secret is not None)
    )

    @app.post("/webhooks/zendesk", status_code=202, tags=["webhooks"],
              response_model=schema.Accepted, responses=webhook_errors,
              openapi_extra=zendesk_doc)  # fmt: skip
    async def zendesk(request: Request) -> Any:
        """A Zendesk webhook (event subscription or trigger body), signature checked."""
        if throttled := _throttled(ctx, "zendesk", request):
            return throttled
        try:
            body = await read_body(request, limit)
            if zendesk_secret is None:
                _unsigned(settings, "zendesk")
            else:
                zendesk_webhook.verify(
                    request.headers, body, secret=zendesk_secret.get_secret_value(),
                    now=ctx.clock(), previous=_values(settings.zendesk.webhook_previous_secrets),
                )  # fmt: skip
            event = zendesk_webhook.parse(body, request.headers)
        except WebhookError as error:
            return _refuse(ctx, "zendesk", error, request)
        return await run_in_threadpool(accept, "zendesk", event)

    config = settings.freshdesk
    freshdesk_doc = schema.webhook_request(
        schema.FRESHDESK_BODY,
        schema.freshdesk_headers(config.webhook_header, secret=config.webhook_secret is not None),
    )

    @app.post("/webhooks/freshdesk", status_code=202, tags=["webhooks"],
              response_model=schema.Accepted, responses=webhook_errors,
              openapi_extra=freshdesk_doc)  # fmt: skip
    async def freshdesk(request: Request) -> Any:
        """A Freshdesk automation-rule webhook, shared-secret header checked."""
        if throttled := _throttled(ctx, "freshdesk", request):
            return throttled
        try:
            body = await read_body(request, limit)
            if config.webhook_secret is None:
                _unsigned(settings, "freshdesk")
            else:
                freshdesk_webhook.verify(
                    request.headers,
                    secret=config.webhook_secret.get_secret_value(),
                    header=config.webhook_header,
                    previous=_values(config.webhook_previous_secrets),
                )
            event = freshdesk_webhook.parse(body)
        except WebhookError as error:
            return _refuse(ctx, "freshdesk", error, request)
        return await run_in_threadpool(accept, "freshdesk", event)

    @app.get("/healthz", tags=["operations"])
    def healthz() -> dict[str, str]:
        """The process is alive and serving HTTP."""
        return {"status": "ok"}

    @app.get("/readyz", tags=["operations"], responses=schema.NOT_READY)
    def readyz(response: Response, request: Request) -> dict[str, Any]:
        """The store answers and (on the leader) the roster is loaded; else the reason.

        The reason's detail (the driver's message names the database host) is shown only
        with the admin token; anyone else gets its first part, e.g. "store unreachable"."""
        accepting = ctx.accepting()
        state = readiness(
            accepting=accepting, store_error=_probe_store(ctx) if accepting else None,
            migrated=ctx.health.migrated, roster_loaded=ctx.ready(),
        )  # fmt: skip
        refused = ctx.desk_refused() if state.ready else None
        if refused is not None:
            state = replace(state, ready=False, reason=refused)
        response.status_code = 200 if state.ready else 503
        answer = {"ready": state.ready, "role": "leader" if ctx.is_leader() else "follower"}
        if state.ready or state.reason is None:
            return answer
        detailed = is_admin(settings, bearer_token(request))  # not a security scheme: open
        return {**answer, "reason": state.reason if detailed else public_reason(state.reason)}

    @app.get("/metrics", tags=["operations"], response_class=Response, responses=schema.TEXT)
    def metrics() -> Response:
        """Prometheus metrics (the store-backed gauges keep their values while it is down)."""
        with ctx.health.tolerating("a metrics scrape"):
            _refresh_gauges(ctx)
        ctx.metrics.store_up.set(0 if ctx.health.up is False else 1)
        return Response(ctx.metrics.render(), media_type="text/plain; version=0.0.4")

    admin_errors = schema.errors(401, 404, 422)

    @app.get("/decisions/{ticket_id}", tags=["admin"], dependencies=[Depends(admin)],
             responses=admin_errors)  # fmt: skip
    def decisions(ticket_id: str) -> dict[str, Any]:
        """Why the ticket went where it went: every decision with its trace."""
        history = ctx.store.decisions.history(ticket_id)
        row = ctx.store.tickets.get(ticket_id)
        if row is None and not history:
            raise HTTPException(404, f"no ticket {ticket_id} in the store")
        current = None if row is None else {"state": row.state, "agent": row.our_agent,
                                            "reason": row.reason}  # fmt: skip
        return {"ticket": ticket_id, "current": current, "decisions": history}

    @app.get("/admin/shadow-report", tags=["admin"], dependencies=[Depends(admin)],
             responses=admin_errors)  # fmt: skip
    def shadow(
        request: Request,
        since: Annotated[str | None, Query(pattern=ISO_MOMENT, description=SINCE)] = None,
        until: Annotated[str | None, Query(pattern=ISO_MOMENT, description=UNTIL)] = None,
        days: Annotated[float | None, Query(gt=0, le=MAX_DAYS, description=DAYS)] = None,
    ) -> dict[str, Any]:
        """The shadow (go-live) report over a window: agreement of dry-run decisions with
        each person's first assignment, why they differ, time to assign, load spread and a
        recommendation. ``days`` back from ``until`` (default now), or ``since``..``until``
        (ISO 8601 dates or times, UTC without a zone); default: DESKROUTE_SHADOW__WINDOW_DAYS."""
        limits = settings.shadow
        unknown = sorted(set(request.query_params) - WINDOW_PARAMETERS)
        if unknown:  # a typo (?day=3) must not silently show the default window
            raise HTTPException(
                422, f"invalid window: unknown parameter {', '.join(map(repr, unknown))}; "
                "use days, or since and until",
            )  # fmt: skip
        try:
            window = parse_window(
                since=since, until=until, days=days, now=ctx.clock(),
                default_days=limits.window_days,
            )  # fmt: skip
        except ValueError as error:
            raise HTTPException(422, f"invalid window: {error}") from None
        return ctx.store.shadow_report(window, limits).to_dict()

    @app.get("/admin/status", tags=["admin"], dependencies=[Depends(admin)],
             responses=admin_errors)  # fmt: skip
    def status() -> dict[str, Any]:
        """Tickets per state, outbox rows per status, and the lease."""
        lease = ctx.store.lease.state()
        return {
            "tickets": ctx.store.tickets.counts(),
            "outbox": ctx.store.outbox.counts(),
            "leader": None if lease is None else lease.holder,
            "epoch": None if lease is None else lease.epoch,
            "this_replica_leads": ctx.is_leader(),
        }

    return app


def _answer_errors_as_json(app: FastAPI) -> None:
    """Every refusal, the framework's own included, is ``{"error": ...}`` (never a 500 page)."""

    async def http_error(request: Request, error: Exception) -> Response:
        assert isinstance(error, StarletteHTTPException)
        if error.status_code < 400:  # redirects and the like carry no error body
            return Response(status_code=error.status_code, headers=error.headers)
        return JSONResponse(
            {"error": str(error.detail)}, status_code=error.status_code, headers=error.headers
        )

    async def invalid_request(request: Request, error: Exception) -> Response:
        assert isinstance(error, RequestValidationError)
        problems = [
            f"{'.'.join(str(part) for part in item['loc'])}: {item['msg']}"
            for item in error.errors()
        ]
        body = {"error": "invalid request: " + "; ".join(problems), "problems": problems}
        return JSONResponse(body, status_code=422)

    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(RequestValidationError, invalid_request)


def _answer_store_outages(app: FastAPI, health: StoreHealth) -> None:
    """A request the store cannot serve now gets 503 with Retry-After, so senders retry."""

    async def store_error(request: Request, error: Exception) -> Response:
        if not store_outage(error):
            raise error
        health.failed(error, request.url.path)
        return JSONResponse(
            {"error": f"store unavailable: {describe(error)}"}, status_code=503,
            headers={"Retry-After": "5"},
        )  # fmt: skip

    app.add_exception_handler(sa.exc.SQLAlchemyError, store_error)


def _values(secrets: tuple[SecretStr, ...]) -> tuple[str, ...]:
    return tuple(secret.get_secret_value() for secret in secrets)


def is_admin(settings: Settings, given: str | None) -> bool:
    """True when ``given`` is the configured admin token (never when none is set)."""
    token = settings.admin_token
    if token is None or given is None:
        return False
    return hmac.compare_digest(given.encode(), token.get_secret_value().encode())


def bearer_token(request: Request) -> str | None:
    """The token of an ``Authorization: Bearer ...`` header, if the request has one."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


def public_reason(reason: str) -> str:
    """What ``/readyz`` tells anyone of a reason: its first part, before any detail
    ("store unreachable: connection to server at db.internal ... refused" → "store
    unreachable"); the detail is in the log and, with the admin token, in the answer."""
    return reason.split(":", 1)[0].split(" (", 1)[0]


def _probe_store(ctx: AppContext) -> str | None:
    """Ping the store for ``/readyz``; the driver's complaint when it does not answer."""
    with ctx.health.tolerating("the readiness probe"):
        ctx.store.ping()
        ctx.health.answered()
    return ctx.health.reason


def _unsigned(settings: Settings, helpdesk: str) -> None:
    """A webhook arrived and no secret is set to check it: refused (401) unless unsigned
    webhooks were asked for, so nothing unauthenticated reaches the store by default."""
    if not settings.http.unsigned_webhooks:
        raise WebhookError(
            f"webhooks are off: no DESKROUTE_{helpdesk.upper()}__WEBHOOK_SECRET is set",
            status=401,
        )


def _warn_unauthenticated(settings: Settings) -> None:
    """Say at start-up what the help desk's webhook endpoint does without a secret."""
    for helpdesk, secret in (("zendesk", settings.zendesk.webhook_secret),
                             ("freshdesk", settings.freshdesk.webhook_secret)):  # fmt: skip
        if secret is not None or settings.helpdesk != helpdesk:
            continue
        if settings.http.unsigned_webhooks:
            log.warning(
                "/webhooks/%s takes unauthenticated requests (DESKROUTE_HTTP__UNSIGNED_WEBHOOKS);"
                " set DESKROUTE_%s__WEBHOOK_SECRET", helpdesk, helpdesk.upper(),
            )  # fmt: skip
        else:
            log.info(
                "/webhooks/%s is off (401) until DESKROUTE_%s__WEBHOOK_SECRET is set; "
                "polling finds every ticket anyway", helpdesk, helpdesk.upper(),
            )  # fmt: skip


def _source(request: Request) -> str:
    """The peer address (behind a proxy: the proxy's, so the limit is per proxy)."""
    return request.client.host if request.client else "unknown"


def _throttled(ctx: AppContext, helpdesk: str, request: Request) -> JSONResponse | None:
    """429 for a source past its refusals this minute, before its body is read."""
    wait = ctx.refusals.wait(_source(request))
    if wait is None:
        return None
    ctx.metrics.webhooks.labels(helpdesk=helpdesk, result="throttled").inc()
    return JSONResponse(
        {"error": "too many refused requests from this address; try again later"},
        status_code=429, headers={"Retry-After": str(wait)},
    )  # fmt: skip


def _refuse(ctx: AppContext, helpdesk: str, error: WebhookError, request: Request) -> JSONResponse:
    ctx.refusals.refused(_source(request))
    ctx.metrics.webhooks.labels(helpdesk=helpdesk, result=f"refused_{error.status}").inc()
    log.info("refused a %s webhook: %s", helpdesk, error)
    return JSONResponse({"error": str(error)}, status_code=error.status)


def _refresh_gauges(ctx: AppContext) -> None:
    """Read the store-backed gauges just before a scrape."""
    ctx.metrics.queue_depth.set(ctx.store.tickets.counts().get("waiting", 0))
    ctx.metrics.outbox_depth.set(ctx.store.outbox.active())
    ctx.metrics.set_loads(ctx.store.loads.loads())
    ctx.metrics.leader.set(1 if ctx.is_leader() else 0)
