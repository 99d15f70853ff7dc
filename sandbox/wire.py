"""Helpers both API faces share: timestamps, cursors, error responses, request context."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse, Response

from sandbox.store import Desk


def z(moment: datetime | None) -> str | None:
    """``2024-05-01T12:00:00Z`` or None."""
    return None if moment is None else moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_when(value: str | None) -> datetime | None:
    """An aware datetime from an ISO date/datetime or epoch seconds; None if absent."""
    if value is None or value == "":
        return None
    if value.isdigit():
        return datetime.fromtimestamp(int(value), tz=UTC)
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def encode_cursor(value: int) -> str:
    """An opaque cursor for a position."""
    return base64.urlsafe_b64encode(json.dumps({"p": value}).encode()).decode().rstrip("=")


def decode_cursor(text: str) -> int:
    """Inverse of ``encode_cursor``; ValueError when it is not ours."""
    padded = text + "=" * (-len(text) % 4)
    return int(json.loads(base64.urlsafe_b64decode(padded))["p"])


def json_response(
    data: Any, status: int = 200, headers: dict[str, str] | None = None
) -> JSONResponse:
    """A JSON response with the content type both vendors send."""
    return JSONResponse(data, status_code=status, headers=headers)


def desk_of(request: Request) -> Desk:
    """The desk behind this app."""
    desk: Desk = request.app.state.desk
    return desk


def actor_of(request: Request) -> str:
    """Who is making this request (set by the gate from the credentials)."""
    return str(request.scope.get("sandbox.actor", "api"))


def base_of(request: Request, prefix: str) -> str:
    """Absolute base URL of one API face, e.g. ``http://127.0.0.1:5000/zendesk``."""
    return str(request.base_url).rstrip("/") + prefix


async def json_body(request: Request) -> Any:
    """The request's JSON body, or None when it is not JSON."""
    try:
        return await request.json()
    except (ValueError, UnicodeDecodeError):
        return None


def empty(status: int) -> Response:
    """A bodiless response."""
    return Response(status_code=status)
