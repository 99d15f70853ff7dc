"""``/decisions/{ticket_id}``: why a ticket went where it went (an admin route)."""

from __future__ import annotations

from typing import Any

from fastapi import Depends, FastAPI, HTTPException

from sidecar.routes.admin import ERRORS, admin_guard
from sidecar.routes.context import AppContext


def register(app: FastAPI, ctx: AppContext) -> None:
    """Every decision on a ticket with its trace, and where the ticket stands now."""

    @app.get("/decisions/{ticket_id}", tags=["admin"],
             dependencies=[Depends(admin_guard(ctx.settings))], responses=ERRORS)  # fmt: skip
    def decisions(ticket_id: str) -> dict[str, Any]:
        """Why the ticket went where it went: every decision with its trace."""
        history = ctx.store.decisions.history(ticket_id)
        row = ctx.store.tickets.get(ticket_id)
        if row is None and not history:
            raise HTTPException(404, f"no ticket {ticket_id} in the store")
        current = None if row is None else {"state": row.state, "agent": row.our_agent,
                                            "reason": row.reason}  # fmt: skip
        return {"ticket": ticket_id, "current": current, "decisions": history}
