"""Operations routes: liveness (``/healthz``) and readiness (``/readyz``), served on every port."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from fastapi import FastAPI, Request, Response

from sidecar import http_schema as schema
from sidecar.health import readiness
from sidecar.routes.admin import bearer_token, is_admin
from sidecar.routes.context import AppContext


def public_reason(reason: str) -> str:
    """What ``/readyz`` tells anyone of a reason: its first part, before any detail
    ("store unreachable: connection to server at db.internal ... refused" → "store
    unreachable"); the detail is in the log and, with the admin token, in the answer."""
    return reason.split(":", 1)[0].split(" (", 1)[0]


def register(app: FastAPI, ctx: AppContext) -> None:
    """``/healthz`` and ``/readyz``."""

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
        detailed = is_admin(ctx.settings, bearer_token(request))  # not a security scheme: open
        return {**answer, "reason": state.reason if detailed else public_reason(state.reason)}


def _probe_store(ctx: AppContext) -> str | None:
    """Ping the store for ``/readyz``; the driver's complaint when it does not answer."""
    with ctx.health.tolerating("the readiness probe"):
        ctx.store.ping()
        ctx.health.answered()
    return ctx.health.reason
