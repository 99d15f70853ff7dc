"""Admin routes: the token that guards them, the replica's status and the shadow report.

Admin endpoints need ``Authorization: Bearer <DESKROUTE_ADMIN_TOKEN>`` and are off (404)
when no token is configured.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from config.settings import Settings
from sidecar import http_schema as schema
from sidecar.routes.context import AppContext

BEARER = HTTPBearer(auto_error=False, description="Authorization: Bearer $DESKROUTE_ADMIN_TOKEN")
ERRORS = schema.errors(401, 404, 422)
"""What an admin route may answer besides its result."""


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


def admin_guard(settings: Settings) -> Callable[..., None]:
    """The dependency every admin route has: 404 without a configured token, 401 without
    the right one."""

    def admin(
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(BEARER)],
    ) -> None:
        if settings.admin_token is None:
            raise HTTPException(404, "admin endpoints are off (DESKROUTE_ADMIN_TOKEN is unset)")
        if not is_admin(settings, None if credentials is None else credentials.credentials):
            raise HTTPException(401, "admin token required", {"WWW-Authenticate": "Bearer"})

    return admin


def register(app: FastAPI, ctx: AppContext) -> None:
    """``/admin/shadow-report`` and ``/admin/status``."""
    guard = [Depends(admin_guard(ctx.settings))]

    @app.get("/admin/shadow-report", tags=["admin"], dependencies=guard, responses=ERRORS)
    def shadow() -> dict[str, Any]:
        """Dry-run agreement with the agents humans actually chose."""
        return ctx.store.shadow_report().to_dict()

    @app.get("/admin/status", tags=["admin"], dependencies=guard, responses=ERRORS)
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
