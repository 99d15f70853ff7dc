"""The console's templates (Jinja2, server-rendered) and the one way pages render them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

HERE = Path(__file__).parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"

templates = Jinja2Templates(directory=TEMPLATES)
"""Every console page's template; ``base.html`` holds the nav and the ticket search box."""

NAV = (
    ("queue", "Queue", "/console/queue"),
    ("team", "Team", "/console/team"),
    ("shadow", "Shadow", "/console/shadow"),
    ("policy", "Policy", "/console/policy"),
)
"""The nav: (page key, label, path)."""

HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": "frame-ancestors 'none'; form-action 'self'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}
"""Every page: never cached, never framed by another site (clickjacking), forms post here."""


def render(request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """The template ``name`` rendered with ``context`` (and the nav), as an HTML response.

    ``base.html`` reads ``page`` (the nav key shown as current: ``queue``, ``team``,
    ``shadow``, ``policy``) and ``bare`` (true: no nav, search or logout, as on the login)."""
    return templates.TemplateResponse(
        request, name, {"nav": NAV, **context}, status_code=status_code,
        headers=HEADERS,
    )  # fmt: skip
