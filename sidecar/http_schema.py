"""What the sidecar's OpenAPI says about webhook bodies, their headers and every error answer.

The webhook handlers read the raw body (the signature covers its exact bytes), so FastAPI
cannot infer these; they are written out here, as exactly as the parsers accept them: a
body the schema rejects is always refused with a 4xx.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from connectors.freshdesk.webhook import DEFAULT_HEADER
from connectors.webhooks import MAX_NUMERIC_ID
from connectors.zendesk.webhook import INVOCATION_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER


class ErrorBody(BaseModel):
    """Every 4xx (and 503) answer: what was wrong, in words."""

    error: str = Field(description="What was wrong with the request, or why it was refused.")
    problems: list[str] = Field(
        default_factory=list, description="Each invalid part of the request (422 only)."
    )


class Accepted(BaseModel):
    """A webhook taken in: the ticket is hinted to the leader, or this version was seen."""

    accepted: bool = Field(description="Always true on a 2xx.")
    ticket: str = Field(description="The ticket id the webhook named.")
    duplicate: bool = Field(description="The ticket was already hinted or this version seen.")


TEXT: dict[int | str, dict[str, Any]] = {
    200: {"description": "Prometheus text format.",
          "content": {"text/plain": {"schema": {"type": "string"}}}},
}  # fmt: skip
NOT_READY: dict[int | str, dict[str, Any]] = {
    503: {"description": "Not ready: shutting down, the store does not answer, or no roster."}
}


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The ``responses`` entries for ``statuses``, all with an ``ErrorBody``."""
    return {status: {"model": ErrorBody, "description": REASONS[status]} for status in statuses}


REASONS = {
    400: "Malformed body: not UTF-8, not JSON, not an object, or no numeric ticket id.",
    401: "Missing or wrong signature, secret or token, or a stale timestamp.",
    404: "Unknown ticket, or admin endpoints are off (no DESKROUTE_ADMIN_TOKEN).",
    413: "Body larger than DESKROUTE_HTTP__MAX_BODY_BYTES.",
    415: "A Content-Type other than application/json.",
    422: "A path, query or header parameter is invalid.",
    429: "Too many refused requests from this address this minute (Retry-After says when).",
    503: "Shutting down (Retry-After says when to try another replica).",
}

_TICKET_ID: dict[str, Any] = {
    "anyOf": [
        # 1 to 20 digits, not all zeros (zero is no ticket)
        {"type": "string", "pattern": "^0*[1-9][0-9]*$", "maxLength": 20},
        {"type": "integer", "minimum": 1, "maximum": MAX_NUMERIC_ID},
    ],
    "description": "The ticket's id: a string of digits, or a whole number.",
}
_UPDATED_AT: dict[str, Any] = {
    "description": "ISO-8601 time or epoch seconds of this version; unreadable means unknown."
}


def _named(*fields: str) -> list[dict[str, Any]]:
    """Alternatives: an object carrying a valid ticket id under one of ``fields``."""
    return [
        {"type": "object", "required": [name], "properties": {name: _TICKET_ID}} for name in fields
    ]


ZENDESK_BODY: dict[str, Any] = {
    "description": "A ticket event subscription (detail.id) or a trigger's JSON body.",
    "anyOf": [
        {
            "type": "object",
            "required": ["detail"],
            "properties": {
                "type": {"description": "Event type, e.g. zen:event-type:ticket.created."},
                "detail": {
                    "type": "object",
                    "required": ["id"],
                    "properties": {"id": _TICKET_ID, "updated_at": _UPDATED_AT},
                },
            },
        },
        *_named("ticket_id"),
        {
            "type": "object",
            "required": ["ticket"],
            "properties": {"ticket": {"anyOf": _named("id")}, "updated_at": _UPDATED_AT},
        },
    ],
}

FRESHDESK_BODY: dict[str, Any] = {
    "description": "Freshdesk's simple-content shape, or a flat body from an advanced template.",
    "anyOf": [
        {
            "type": "object",
            "required": ["freshdesk_webhook"],
            "properties": {"freshdesk_webhook": {"anyOf": _named("ticket_id", "id")}},
        },
        *_named("ticket_id", "id"),
    ],
}


def _header(name: str, required: bool, description: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "header",
        "required": required,
        "schema": {"type": "string"},
        "description": description,
    }


def webhook_request(body: dict[str, Any], headers: list[dict[str, Any]]) -> dict[str, Any]:
    """``openapi_extra`` of a webhook route: its JSON body and its headers."""
    content = {"application/json": {"schema": body}}
    return {"requestBody": {"required": True, "content": content}, "parameters": headers}


def zendesk_headers(signed: bool) -> list[dict[str, Any]]:
    """The Zendesk webhook headers; the signature pair is required when a secret is set."""
    return [
        _header(SIGNATURE_HEADER, signed, "base64 HMAC-SHA256 of timestamp + body."),
        _header(TIMESTAMP_HEADER, signed, "ISO-8601 time of signing; must be within 5 minutes."),
        _header(INVOCATION_HEADER, False, "Delivery id; repeats of one delivery count once."),
    ]


def freshdesk_headers(header: str = DEFAULT_HEADER, *, secret: bool) -> list[dict[str, Any]]:
    """The Freshdesk shared-secret header, required when a secret is set."""
    return [_header(header, secret, "The shared secret (DESKROUTE_FRESHDESK__WEBHOOK_SECRET).")]
