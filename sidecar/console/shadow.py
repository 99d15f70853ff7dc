"""The console's Shadow / go-live page: ``GET /console/shadow``.

Over a window the person picks (``?days=`` or ``?since=&until=``, default
DESKROUTE_SHADOW__WINDOW_DAYS): the shadow report (``sidecar.shadow_report``), laid out by
``templates/shadow.html`` from ``sidecar.console.shadow_view``. A window that cannot be
read shows the default window with the reason, answered 422 (never a 500).
"""

from __future__ import annotations

from fastapi import Depends, FastAPI, Request
from fastapi.responses import HTMLResponse

from sidecar.console.auth import console_user
from sidecar.console.pages import render
from sidecar.console.shadow_view import Asked, shadow_page
from sidecar.routes.context import AppContext
from sidecar.shadow_report import parse_window


def register(app: FastAPI, ctx: AppContext) -> None:
    """Add ``GET /console/shadow``."""

    @app.get("/console/shadow", response_class=HTMLResponse, include_in_schema=False,
             dependencies=[Depends(console_user)])  # fmt: skip
    def shadow(
        request: Request,
        days: str | None = None,
        since: str | None = None,
        until: str | None = None,
    ) -> HTMLResponse:
        """The shadow report over the asked window, as a page."""
        asked = Asked(days or None, since or None, until or None)  # empty fields: not asked
        limits = ctx.settings.shadow
        now, error = ctx.clock(), None
        try:
            window = parse_window(
                since=asked.since, until=asked.until, days=_days(asked.days), now=now,
                default_days=limits.window_days,
            )  # fmt: skip
        except ValueError as problem:
            error = f"That window cannot be shown ({problem}); showing the last "
            error += f"{limits.window_days:g} days instead."
            window = parse_window(
                since=None, until=None, days=None, now=now, default_days=limits.window_days
            )
        report = ctx.store.shadow_report(window, limits)
        names = {str(row["agent_id"]): str(row["name"] or row["agent_id"])
                 for row in ctx.store.loads.table()}  # fmt: skip
        page: HTMLResponse = render(
            request, "shadow.html", page=shadow_page(report, names), asked=asked, error=error
        )
        if error is not None:
            page.status_code = 422
        return page


def _days(value: str | None) -> float | None:
    """The ``days`` field as a number (``ValueError`` with the reason when it is not)."""
    if value is None:
        return None
    try:
        return float(value)
    except ValueError:
        raise ValueError(f"days: not a number: {value!r}") from None
