"""Freshdesk webhooks: shared-secret header check (Freshdesk does not sign) and parsing.

An automation rule's "Trigger webhook" action sends whatever the admin configured; we ask
for a custom header carrying a shared secret and a JSON body naming the ticket, either
Freshdesk's simple-content shape ``{"freshdesk_webhook": {"ticket_id": ...}}`` or a flat
``{"ticket_id": ...}`` from an advanced template.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Mapping
from typing import Any

from connectors.values import parse_time
from connectors.webhooks import WebhookError, WebhookEvent

DEFAULT_HEADER = "X-Deskroute-Secret"


def verify(headers: Mapping[str, str], *, secret: str, header: str = DEFAULT_HEADER) -> None:
    """Raise ``WebhookError`` (401) unless ``header`` carries ``secret`` (constant-time)."""
    lowered = {key.lower(): value for key, value in headers.items()}
    given = lowered.get(header.lower())
    if given is None:
        raise WebhookError(f"missing {header} header", status=401)
    if not hmac.compare_digest(given.strip().encode(), secret.encode()):
        raise WebhookError("bad webhook secret", status=401)


def parse(body: bytes) -> WebhookEvent:
    """The ticket event in a Freshdesk webhook body (4xx ``WebhookError`` if unusable)."""
    try:
        data: Any = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise WebhookError("webhook body is not JSON") from None
    if not isinstance(data, dict):
        raise WebhookError("webhook body must be a JSON object")
    inner = data.get("freshdesk_webhook")
    fields: Mapping[str, Any] = inner if isinstance(inner, dict) else data
    ticket_id = str(fields.get("ticket_id") or fields.get("id") or "").strip()
    if not ticket_id.isdigit():
        raise WebhookError("webhook body names no numeric ticket_id")
    try:
        updated = parse_time(fields.get("ticket_updated_at") or fields.get("updated_at"))
    except ValueError:
        updated = None
    return WebhookEvent(ticket_id=ticket_id, event=str(fields.get("event") or "ticket.changed"),
                        updated_at=updated)
