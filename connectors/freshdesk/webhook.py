"""Freshdesk webhooks: shared-secret header check (Freshdesk does not sign) and parsing.

An automation rule's "Trigger webhook" action sends whatever the admin configured; we ask
for a custom header carrying a shared secret and a JSON body naming the ticket, either
Freshdesk's simple-content shape ``{"freshdesk_webhook": {"ticket_id": ...}}`` or a flat
``{"ticket_id": ...}`` from an advanced template.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping, Sequence
from typing import Any

from connectors.webhooks import (
    WebhookError,
    WebhookEvent,
    json_object,
    lowered,
    text_or,
    ticket_id,
    time_or_none,
)

DEFAULT_HEADER = "X-Deskroute-Secret"


def verify(
    headers: Mapping[str, str],
    *,
    secret: str,
    header: str = DEFAULT_HEADER,
    previous: Sequence[str] = (),
) -> None:
    """Raise ``WebhookError`` (401) unless ``header`` carries ``secret`` or, while it is
    being rotated, one of the ``previous`` secrets (each compared in constant time)."""
    given = lowered(headers).get(header.lower())
    if given is None:
        raise WebhookError(f"missing {header} header", status=401)
    sent = given.strip().encode()
    if not any([hmac.compare_digest(sent, known.encode()) for known in (secret, *previous)]):
        raise WebhookError("bad webhook secret", status=401)


def parse(body: bytes) -> WebhookEvent:
    """The ticket event in a Freshdesk webhook body (4xx ``WebhookError`` if unusable)."""
    data = json_object(body)
    inner = data.get("freshdesk_webhook")
    fields: Mapping[str, Any] = inner if isinstance(inner, dict) else data
    named = ticket_id(fields.get("ticket_id") or fields.get("id"), "ticket_id")
    updated = time_or_none(fields.get("ticket_updated_at") or fields.get("updated_at"))
    return WebhookEvent(
        ticket_id=named, event=text_or(fields.get("event"), "ticket.changed"), updated_at=updated
    )
