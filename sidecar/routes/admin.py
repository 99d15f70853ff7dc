"""Admin routes: the token that guards them, the replica's status and the shadow report.

Admin endpoints need ``Authorization: Bearer <DESKROUTE_ADMIN_TOKEN>`` and are off (404)
when no token is configured.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, FastAPI, HTTPException, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from config.settings import Settings
from sidecar import http_schema as schema
from sidecar.routes.context import AppContext
from sidecar.shadow_report import MAX_DAYS, parse_window

BEARER = HTTPBearer(auto_error=False, description="Authorization: Bearer $DESKROUTE_ADMIN_TOKEN")
ERRORS = schema.errors(401, 404, 422)
"""What an admin route may answer besides its result."""
ISO_MOMENT = r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})?)?$"
"""An ISO 8601 date, or date and time with an optional zone (the shadow report's window)."""
SINCE = "Start of the window: ISO 8601 date or time, UTC without a zone; not with days."
UNTIL = "End of the window (a date alone: the end of that day); default now."
DAYS = "Days back from until; default DESKROUTE_SHADOW__WINDOW_DAYS."
WINDOW_PARAMETERS = frozenset({"since", "until", "days"})


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
        limits = ctx.settings.shadow
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
