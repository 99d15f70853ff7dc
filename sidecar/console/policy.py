"""The console's Policy page: the active policy and its history; a new one pasted or
edited, checked against the live roster, shown as a diff with a what-if over recent
tickets, and applied live (``sidecar/policy_keeper.py``; the same steps as SIGHUP and
``PUT /admin/policy``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from config.policy_file import PolicyFileError
from sidecar.console.auth import User, read_form
from sidecar.console.pages import render
from sidecar.names import agent_names, namer
from sidecar.policy_keeper import PolicyCheck, PolicyKeeper, PolicyRefusedError
from sidecar.routes.context import AppContext

DEFAULT_DAYS = 7.0


@dataclass(frozen=True, slots=True)
class DiffLine:
    """One line of the diff, with its kind for the stylesheet (``add``, ``del``, ``hunk``)."""

    text: str
    kind: str


def diff_lines(diff: str) -> list[DiffLine]:
    """The unified diff as lines a template colours."""
    kinds = {"+": "add", "-": "del", "@": "hunk"}
    return [
        DiffLine(line, "" if line.startswith(("+++", "---")) else kinds.get(line[:1], ""))
        for line in diff.splitlines()
    ]


def check_view(result: PolicyCheck, name: Callable[[str], str]) -> dict[str, Any]:
    """What the page shows of a check: problems, diff, and the what-if by name."""
    whatif = result.whatif

    def who(agent: str | None) -> str:
        return name(agent) if agent else "waits"

    agents = sorted(set(whatif.now_picks) | set(whatif.new_picks), key=lambda a: (a == "", a))
    changes = [{"ticket": c.ticket_id, "active": who(c.now), "new": who(c.new)}
               for c in whatif.changes]  # fmt: skip
    picks = [{"agent": who(a), "active": whatif.now_picks.get(a, 0),
              "new": whatif.new_picks.get(a, 0)} for a in agents]  # fmt: skip
    return {
        "version": result.draft.version,
        "problems": [problem.message() for problem in result.draft.problems],
        "diff": diff_lines(result.diff),
        "decided": whatif.decided,
        "days": result.days,
        "changes": changes,
        "picks": picks,
    }


def register(app: FastAPI, ctx: AppContext) -> None:
    """``GET /console/policy``, ``POST /console/policy/check`` and ``.../apply``."""
    limit = ctx.settings.http.max_body_bytes

    def keeper() -> PolicyKeeper:
        if ctx.policy is None:
            raise HTTPException(404, "this sidecar cannot change its policy")
        return ctx.policy

    def page(request: Request, status_code: int = 200, **extra: Any) -> HTMLResponse:
        history = keeper().store.policies.history(10)
        active = history[0] if history else None
        context: dict[str, Any] = {
            "page": "policy", "active": active, "history": history,
            "routing_by": keeper().pipeline.router.version, "days": DEFAULT_DAYS,
            "text": active.text if active else "", **extra,
        }  # fmt: skip
        return render(request, "policy.html", status_code=status_code, **context)

    @app.get("/console/policy", response_class=HTMLResponse, include_in_schema=False)
    def show(request: Request, _user: User, applied: str | None = None) -> HTMLResponse:
        return page(request, applied=applied)

    @app.post("/console/policy/check", response_class=HTMLResponse, include_in_schema=False)
    async def check(request: Request, _user: User) -> HTMLResponse:
        form = await read_form(request, limit)
        text, days = form.get("text", ""), _days(form.get("days"))
        try:
            result = keeper().check(text, days)
        except PolicyFileError as error:
            return page(request, 422, text=text, days=days, errors=str(error).splitlines())
        name = namer(agent_names(ctx.roster(), ctx.store.loads.table()))
        return page(request, text=text, days=days, check=check_view(result, name))

    @app.post("/console/policy/apply", include_in_schema=False)
    async def apply(request: Request, _user: User) -> Response:
        form = await read_form(request, limit)
        text = form.get("text", "")
        try:
            stored = keeper().apply(text, "console")
        except PolicyRefusedError as error:
            return page(request, 422, text=text, errors=error.problems, refused=True)
        return RedirectResponse(f"/console/policy?applied={stored.version}", status_code=303)


def _days(value: str | None) -> float:
    """The what-if window from the form: 7 days unless a number from 1 to 90 is given."""
    try:
        days = float(value or DEFAULT_DAYS)
    except ValueError:
        return DEFAULT_DAYS
    return min(max(days, 1.0), 90.0) if days == days else DEFAULT_DAYS
