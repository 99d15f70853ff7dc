"""The web console: server-rendered pages behind the admin token (queue, team, one ticket's
history; shadow and policy pages register here too). ``GET /`` leads to the queue."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles

from sidecar.console import auth, policy, queue, shadow, team, ticket
from sidecar.console.pages import STATIC
from sidecar.routes.context import AppContext


def register_console(app: FastAPI, ctx: AppContext) -> None:
    """Add the console's routes and static files to ``app``."""
    app.state.console = ctx
    app.mount("/console/static", StaticFiles(directory=STATIC), name="console-static")

    @app.get("/", include_in_schema=False)
    def home() -> RedirectResponse:
        return RedirectResponse("/console/queue", status_code=303)

    @app.get("/console", include_in_schema=False)
    @app.get("/console/", include_in_schema=False)
    def console_home() -> RedirectResponse:
        return RedirectResponse("/console/queue", status_code=303)

    for page in (auth, queue, team, ticket, shadow, policy):
        page.register(app, ctx)


__all__ = ["register_console"]
