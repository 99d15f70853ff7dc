"""The policy endpoints: read the active policy, check a new one (validation against the
live roster, a diff and a what-if), and apply it live (``sidecar/policy_keeper.py``)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, FastAPI, HTTPException, Query, Request
from fastapi.responses import JSONResponse

from config.policy_file import PolicyFileError
from connectors.webhooks import WebhookError
from sidecar import http_schema as schema
from sidecar.http_input import read_yaml_text
from sidecar.policy_keeper import PolicyCheck, PolicyRefusedError
from sidecar.routes.admin import admin_guard
from sidecar.routes.context import AppContext
from sidecar.store import StoredPolicy

YAML_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "The policy file (YAML), as docs/rules.md describes it.",
        "content": {"application/yaml": {"schema": {"type": "string"}}},
    }
}


def register(app: FastAPI, ctx: AppContext) -> None:
    """``/admin/policy`` (GET, PUT) and ``/admin/policy/check`` (POST), when the service
    can change its policy."""
    keeper = ctx.policy
    if keeper is None:
        return
    admin = admin_guard(ctx.settings)
    limit = ctx.settings.http.max_body_bytes
    errors = schema.errors(401, 404, 413, 415, 422)

    @app.get("/admin/policy", tags=["admin"], dependencies=[Depends(admin)],
             responses=schema.errors(401, 404))  # fmt: skip
    def active() -> dict[str, Any]:
        """The active policy file, its version (fingerprint) and the latest changes."""
        stored = keeper.store.policies.history(20)
        return {
            "active": _described(stored[0], text=True) if stored else None,
            "routing_by": keeper.pipeline.router.version,
            "history": [_described(item) for item in stored],
        }

    @app.post("/admin/policy/check", tags=["admin"], dependencies=[Depends(admin)],
              responses=errors, openapi_extra=YAML_BODY)  # fmt: skip
    async def check(
        request: Request, days: Annotated[float, Query(gt=0, le=90)] = 7.0
    ) -> dict[str, Any]:
        """Validate a policy file against the live roster, diff it with the active one, and
        re-decide the last ``days`` of decided tickets under both. Changes nothing."""
        text = await _text(request, limit)
        try:
            return _checked(keeper.check(text, days))
        except PolicyFileError as error:
            raise HTTPException(422, str(error)) from None

    @app.put("/admin/policy", tags=["admin"], dependencies=[Depends(admin)],
             responses=errors, openapi_extra=YAML_BODY)  # fmt: skip
    async def apply(request: Request) -> Any:
        """Make a policy file the active one on every replica, without a restart. Refused
        (422, nothing changes) when it does not parse or names skills, groups or agents
        nobody on the roster has."""
        text = await _text(request, limit)
        try:
            stored = keeper.apply(text, "api")
        except PolicyRefusedError as error:
            return JSONResponse({"error": str(error), "problems": error.problems}, 422)
        return {"applied": _described(stored)}


async def _text(request: Request, limit: int) -> str:
    try:
        return await read_yaml_text(request, limit)
    except WebhookError as error:
        raise HTTPException(error.status, str(error).replace("webhook body", "body")) from None


def _described(stored: StoredPolicy, *, text: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {
        "version": stored.version, "source": stored.source,
        "applied_at": stored.applied_at.isoformat(), "replica": stored.replica,
    }  # fmt: skip
    if text:
        out["text"] = stored.text
    return out


def _checked(result: PolicyCheck) -> dict[str, Any]:
    whatif = result.whatif
    return {
        "version": result.draft.version,
        "problems": [problem.message() for problem in result.draft.problems],
        "diff": result.diff,
        "whatif": {
            "days": result.days, "decided": whatif.decided, "changed": len(whatif.changes),
            "changes": [
                {"ticket": c.ticket_id, "active": c.now, "new": c.new} for c in whatif.changes
            ],
            "active_picks": whatif.now_picks, "new_picks": whatif.new_picks,
        },
    }  # fmt: skip
