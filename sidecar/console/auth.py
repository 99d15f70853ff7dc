"""Who may see the console: the admin token, given once on the login page (which sets a
session cookie) or as ``Authorization: Bearer`` on each request.

The cookie never holds the token: it holds an expiry and an HMAC of it keyed by the token
(so rotating the token ends every session). It is HttpOnly and SameSite=Strict, Secure when
the request came over HTTPS. Failed logins count against the per-source refusal limit the
webhooks use, so guessing the token is answered 429 after a few tries a minute.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated
from urllib.parse import parse_qs, quote

from fastapi import Depends, FastAPI, HTTPException, Request, Response
from fastapi.responses import RedirectResponse

from sidecar.console.pages import render
from sidecar.routes.admin import bearer_token, is_admin
from sidecar.routes.context import AppContext

COOKIE = "deskroute_console"
SESSION = timedelta(hours=12)
"""How long a login lasts."""
LOGIN_PATH = "/console/login"
HOME = "/console/queue"
FORM_LIMIT = 4096
"""Bytes a login form may have (a token and a path)."""


@dataclass(frozen=True, slots=True)
class ConsoleUser:
    """Someone the console let in, and how (``cookie`` or ``token``)."""

    via: str


def context(request: Request) -> AppContext:
    """The running service's context, put on the app by ``register``."""
    ctx: AppContext = request.app.state.console
    return ctx


def session_cookie(token: str, expires: datetime) -> str:
    """The cookie value for a login by ``token`` lasting until ``expires``."""
    stamp = str(int(expires.timestamp()))
    return f"{stamp}.{_signature(token, stamp)}"


def _signature(token: str, stamp: str) -> str:
    return hmac.new(
        token.encode(), f"deskroute console {stamp}".encode(), hashlib.sha256
    ).hexdigest()


def valid_session(value: str | None, token: str, now: datetime) -> bool:
    """True when ``value`` is a cookie ``session_cookie`` made for ``token`` and unexpired."""
    stamp, _, signature = (value or "").partition(".")
    if not (stamp.isascii() and stamp.isdigit()) or int(stamp) <= now.timestamp():
        return False
    return hmac.compare_digest(signature.encode(), _signature(token, stamp).encode())


def console_user(request: Request) -> ConsoleUser:
    """FastAPI dependency of every console page: the admin token or a valid login cookie.

    Off (404) when no admin token is configured; anyone else is sent to the login page."""
    ctx = context(request)
    token = ctx.settings.admin_token
    if token is None:
        raise HTTPException(404, "the console is off (DESKROUTE_ADMIN_TOKEN is unset)")
    if is_admin(ctx.settings, bearer_token(request)):
        return ConsoleUser(via="token")
    if valid_session(request.cookies.get(COOKIE), token.get_secret_value(), ctx.clock()):
        return ConsoleUser(via="cookie")
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    raise HTTPException(
        303, "log in first", {"Location": f"{LOGIN_PATH}?next={quote(target, safe='')}"}
    )


User = Annotated[ConsoleUser, Depends(console_user)]


def safe_next(value: str | None) -> str:
    """Where to go after logging in: a console path, never another site."""
    if value is None or not value.startswith("/console/") or "\\" in value:
        return HOME
    return HOME if value.startswith(LOGIN_PATH) else value


def register(app: FastAPI, ctx: AppContext) -> None:
    """The login and logout routes."""

    @app.get(LOGIN_PATH, include_in_schema=False)
    def login_form(request: Request, next: str | None = None) -> Response:
        if ctx.settings.admin_token is None:
            raise HTTPException(404, "the console is off (DESKROUTE_ADMIN_TOKEN is unset)")
        return render(request, "login.html", next=safe_next(next), bare=True)

    @app.post(LOGIN_PATH, include_in_schema=False)
    async def login(request: Request) -> Response:
        token = ctx.settings.admin_token
        if token is None:
            raise HTTPException(404, "the console is off (DESKROUTE_ADMIN_TOKEN is unset)")
        source = request.client.host if request.client else "unknown"
        wait = ctx.refusals.wait(source)
        if wait is not None:
            raise HTTPException(429, "too many failed logins; try again later",
                                {"Retry-After": str(wait)})  # fmt: skip
        form = await read_form(request)
        target = safe_next(form.get("next"))
        if not is_admin(ctx.settings, form.get("token")):
            ctx.refusals.refused(source)
            return render(request, "login.html", status_code=401, next=target, bare=True,
                          error="That is not the admin token.")  # fmt: skip
        expires = ctx.clock() + SESSION
        response = RedirectResponse(target, status_code=303)
        response.set_cookie(
            COOKIE, session_cookie(token.get_secret_value(), expires),
            max_age=int(SESSION.total_seconds()), path="/", httponly=True, samesite="strict",
            secure=request.url.scheme == "https",
        )  # fmt: skip
        return response

    @app.post("/console/logout", include_in_schema=False)
    def logout() -> Response:
        response = RedirectResponse(LOGIN_PATH, status_code=303)
        response.delete_cookie(COOKIE, path="/", httponly=True, samesite="strict")
        return response


async def read_form(request: Request, limit: int = FORM_LIMIT) -> dict[str, str]:
    """The fields of a console form post (first value of each): 415 for another media type,
    413 past ``limit`` bytes, 400 for a body that is not a form."""
    return _form(await _form_body(request, limit))


async def _form_body(request: Request, limit: int = FORM_LIMIT) -> bytes:
    media = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media != "application/x-www-form-urlencoded":
        raise HTTPException(415, "the console takes a form (application/x-www-form-urlencoded)")
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise HTTPException(413, f"the form is larger than {limit} bytes")
    return body


def _form(body: bytes) -> dict[str, str]:
    """The fields of an ``application/x-www-form-urlencoded`` body (first value of each)."""
    try:
        fields = parse_qs(body.decode(), keep_blank_values=True, max_num_fields=10)
    except (UnicodeDecodeError, ValueError) as error:
        raise HTTPException(400, f"unreadable form: {error}") from None
    return {name: values[0] for name, values in fields.items()}
