"""The sidecar's HTTP app: webhooks in, health, readiness, metrics and explanations out.

``create_app`` builds the FastAPI application from the route modules in
``sidecar/routes/`` (webhooks, operations, decisions, admin), each registering its routes
with ``register(app, ctx)``, and answers every refusal as JSON: a malformed request gets a
4xx, never a 500, and a request the store cannot serve now gets 503 with Retry-After.
"""

from __future__ import annotations

from enum import Enum

import sqlalchemy as sa
from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from sidecar.console import register_console
from sidecar.health import StoreHealth, describe, store_outage
from sidecar.routes import admin, decisions, metrics, operations, policy, webhooks
from sidecar.routes.context import AppContext
from sidecar.routes.webhooks import REPLAYS

__all__ = ["REPLAYS", "AppContext", "Surface", "create_app"]


class Surface(Enum):
    """Which routes an app serves: all of them on one port, or split across two
    (``DESKROUTE_HTTP__ADMIN_PORT``): webhooks on the public port, the admin endpoints,
    ``/metrics`` and the console on the admin port; health on both."""

    ALL = "all"
    PUBLIC = "public"
    ADMIN = "admin"


def create_app(ctx: AppContext, surface: Surface = Surface.ALL) -> FastAPI:
    """Build the FastAPI application around a running service."""
    app = FastAPI(
        title="deskroute sidecar"
        if surface is Surface.ALL
        else f"deskroute sidecar ({surface.value})",
        summary="Routes help-desk tickets and explains every decision.",
        version="0.1.0",
    )
    _answer_errors_as_json(app)
    _answer_store_outages(app, ctx.health)
    public = surface is not Surface.ADMIN
    private = surface is not Surface.PUBLIC
    if public:
        webhooks.register(app, ctx)
    operations.register(app, ctx)
    if private:
        for routes in (metrics, decisions, admin, policy):
            routes.register(app, ctx)
        register_console(app, ctx)
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
