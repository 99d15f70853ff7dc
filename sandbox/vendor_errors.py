"""Error answers in each vendor's shape for everything the endpoints do not answer themselves.

FastAPI answers an unknown route, a wrong method or a malformed parameter with its own
``{"detail": ...}``; no real help desk does. Under ``/zendesk`` the answers follow Zendesk
(recorded answers to unknown endpoints, e.g. cloudbees-oss/zendesk-java-client#111 and
facetoe/zenpy#227/#491: ``404 {"error": "InvalidEndpoint", "description": "Not found"}``,
also for a method the path does not take, since Zendesk routes on method and path; a
malformed value ``400 InvalidValue``; a non-numeric record id ``404 RecordNotFound``).
Under ``/freshdesk`` they follow the Freshdesk v2 error table (developer.freshdesk.com/api/
#error): ``404`` for an invalid URL or id, ``405`` for a wrong verb (with ``Allow``), ``400``
``Validation failed`` with ``errors[{field, message, code}]`` for a bad parameter; the 404
and 405 bodies are not documented, so they use the flat ``{"code", "message"}`` shape.
The control API under ``/_sandbox`` keeps FastAPI's own answers.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exception_handlers import (
    http_exception_handler,
    request_validation_exception_handler,
)
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException
from starlette.routing import Match

ZENDESK, FRESHDESK = "/zendesk/", "/freshdesk/"
METHODS = ("GET", "POST", "PUT", "DELETE", "PATCH")


def install(api: FastAPI) -> None:
    """Answer errors under both API faces in the vendor's shape."""
    api.add_exception_handler(HTTPException, _http_error)  # type: ignore[arg-type]
    api.add_exception_handler(RequestValidationError, _invalid)  # type: ignore[arg-type]
    api.add_exception_handler(ValueError, _bad_value)


def zendesk_body(name: str, description: str) -> dict[str, Any]:
    """Zendesk's error body."""
    return {"error": name, "description": description}


def freshdesk_validation(field: str, message: str, code: str) -> dict[str, Any]:
    """Freshdesk's validation error body."""
    return {
        "description": "Validation failed",
        "errors": [{"field": field, "message": message, "code": code}],
    }


async def _http_error(request: Request, exc: HTTPException) -> Response:
    path = request.url.path
    if path.startswith(ZENDESK):
        if exc.status_code in (404, 405):
            return JSONResponse(zendesk_body("InvalidEndpoint", "Not found"), 404)
        return JSONResponse(zendesk_body("InvalidValue", str(exc.detail)), exc.status_code)
    if path.startswith(FRESHDESK):
        if exc.status_code == 405:
            allowed = _allowed(request)
            message = f"{request.method} is not allowed on {path}; use {', '.join(allowed)}"
            return JSONResponse(
                {"code": "method_not_allowed", "message": message},
                405,
                headers={"Allow": ", ".join(allowed)},
            )
        code = "not_found" if exc.status_code == 404 else "invalid_value"
        return JSONResponse({"code": code, "message": str(exc.detail)}, exc.status_code)
    return await http_exception_handler(request, exc)


def _allowed(request: Request) -> list[str]:
    """Every method some route takes on this path (Starlette names only the first route's)."""
    return [
        method
        for method in METHODS
        if any(
            route.matches({**request.scope, "method": method})[0] == Match.FULL
            for route in request.app.routes
        )
    ]


async def _invalid(request: Request, exc: RequestValidationError) -> Response:
    """A parameter FastAPI could not read: a path id is a missing record, the rest a 400."""
    path = request.url.path
    errors = exc.errors()
    where = errors[0].get("loc", ("query",)) if errors else ("query",)
    field = str(where[-1]) if where else "query"
    message = str(errors[0].get("msg", "invalid value")) if errors else "invalid value"
    if path.startswith(ZENDESK):
        if where and where[0] == "path":
            return JSONResponse(zendesk_body("RecordNotFound", "Not found"), 404)
        return JSONResponse(zendesk_body("InvalidValue", f"{field}: {message}"), 400)
    if path.startswith(FRESHDESK):
        if where and where[0] == "path":
            return JSONResponse(
                {"code": "not_found", "message": "Requested resource not found"}, 404
            )
        return JSONResponse(freshdesk_validation(field, message, "datatype_mismatch"), 400)
    return await request_validation_exception_handler(request, exc)


async def _bad_value(request: Request, error: Exception) -> JSONResponse:
    """A malformed parameter (``per_page=abc``, a foreign cursor) is a 400, never a 500."""
    if request.url.path.startswith(FRESHDESK):
        return JSONResponse(freshdesk_validation("query", str(error), "invalid_value"), 400)
    return JSONResponse(zendesk_body("InvalidValue", str(error)), 400)
