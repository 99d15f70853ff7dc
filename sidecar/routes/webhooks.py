"""Webhook routes: verified, parsed, and stored as hints for the leader.

A webhook is stored as a *hint* (the ticket id) on whichever replica receives it; the
leader reads the named tickets and routes them. A malformed or unauthenticated webhook
gets a 4xx, never a 500; a source past its refusals this minute gets 429 before its body is
read; a delivery seen within ``REPLAYS`` costs nothing.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse
from pydantic import SecretStr
from starlette.concurrency import run_in_threadpool

from config.settings import Settings
from connectors.freshdesk import webhook as freshdesk_webhook
from connectors.webhooks import WebhookError, WebhookEvent
from connectors.zendesk import webhook as zendesk_webhook
from sidecar import http_schema as schema
from sidecar.http_input import read_body
from sidecar.routes.context import AppContext

log = logging.getLogger("deskroute.sidecar.http")

REPLAYS = 2 * zendesk_webhook.DEFAULT_TOLERANCE
"""How long a delivery is remembered: past the signature's 5-minute window a replay is
refused (401) for its timestamp, within it for its signature or delivery id."""
ERRORS = schema.errors(400, 401, 413, 415, 429, 503)


def register(app: FastAPI, ctx: AppContext) -> None:
    """``/webhooks/zendesk`` and ``/webhooks/freshdesk``."""
    warn_unauthenticated(ctx.settings)
    _zendesk(app, ctx)
    _freshdesk(app, ctx)


def _zendesk(app: FastAPI, ctx: AppContext) -> None:
    settings = ctx.settings
    limit, secret = settings.http.max_body_bytes, settings.zendesk.webhook_secret
    doc = schema.webhook_request(
        schema.ZENDESK_BODY, schema.zendesk_headers(signed=secret is not None)
    )

    @app.post("/webhooks/zendesk", status_code=202, tags=["webhooks"],
              response_model=schema.Accepted, responses=ERRORS, openapi_extra=doc)  # fmt: skip
    async def zendesk(request: Request) -> Any:
        """A Zendesk webhook (event subscription or trigger body), signature checked."""
        if throttled := _throttled(ctx, "zendesk", request):
            return throttled
        try:
            body = await read_body(request, limit)
            if secret is None:
                _unsigned(settings, "zendesk")
            else:
                zendesk_webhook.verify(
                    request.headers, body, secret=secret.get_secret_value(),
                    now=ctx.clock(), previous=_values(settings.zendesk.webhook_previous_secrets),
                )  # fmt: skip
            event = zendesk_webhook.parse(body, request.headers)
        except WebhookError as error:
            return _refuse(ctx, "zendesk", error, request)
        return await run_in_threadpool(accept, ctx, "zendesk", event)


def _freshdesk(app: FastAPI, ctx: AppContext) -> None:
    settings = ctx.settings
    limit, config = settings.http.max_body_bytes, settings.freshdesk
    doc = schema.webhook_request(
        schema.FRESHDESK_BODY,
        schema.freshdesk_headers(config.webhook_header, secret=config.webhook_secret is not None),
    )

    @app.post("/webhooks/freshdesk", status_code=202, tags=["webhooks"],
              response_model=schema.Accepted, responses=ERRORS, openapi_extra=doc)  # fmt: skip
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
        return await run_in_threadpool(accept, ctx, "freshdesk", event)


def accept(ctx: AppContext, helpdesk: str, event: WebhookEvent) -> dict[str, Any]:
    """Store a verified webhook's ticket as a hint (once per delivery and per version) and
    wake the leader's intake when this replica leads."""
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


def _values(secrets: tuple[SecretStr, ...]) -> tuple[str, ...]:
    return tuple(secret.get_secret_value() for secret in secrets)


def _unsigned(settings: Settings, helpdesk: str) -> None:
    """A webhook arrived and no secret is set to check it: refused (401) unless unsigned
    webhooks were asked for, so nothing unauthenticated reaches the store by default."""
    if not settings.http.unsigned_webhooks:
        raise WebhookError(
            f"webhooks are off: no DESKROUTE_{helpdesk.upper()}__WEBHOOK_SECRET is set",
            status=401,
        )


def warn_unauthenticated(settings: Settings) -> None:
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
