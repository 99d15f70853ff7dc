"""Zendesk webhooks: signature verification (pure) and payload parsing.

Zendesk signs ``base64(HMAC-SHA256(secret, timestamp + raw_body))`` and sends the result in
``X-Zendesk-Webhook-Signature`` with the ISO-8601 timestamp in
``X-Zendesk-Webhook-Signature-Timestamp``. Zendesk sets no replay window; we refuse
timestamps further than ``tolerance`` from ``now``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
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

SIGNATURE_HEADER = "X-Zendesk-Webhook-Signature"
TIMESTAMP_HEADER = "X-Zendesk-Webhook-Signature-Timestamp"
INVOCATION_HEADER = "X-Zendesk-Webhook-Invocation-Id"
DEFAULT_TOLERANCE = timedelta(minutes=5)


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The signature Zendesk would send for ``body`` at ``timestamp`` (the secret used as-is)."""
    digest = hmac.new(secret.encode(), timestamp.encode() + body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def verify(
    headers: Mapping[str, str],
    body: bytes,
    *,
    secret: str,
    now: datetime,
    tolerance: timedelta = DEFAULT_TOLERANCE,
    previous: Sequence[str] = (),
) -> None:
    """Raise ``WebhookError`` (401) unless the signature and a fresh timestamp check out.

    While the secret is rotated, a signature by one of the ``previous`` secrets counts too.
    """
    sent_headers = lowered(headers)
    signature = sent_headers.get(SIGNATURE_HEADER.lower())
    timestamp = sent_headers.get(TIMESTAMP_HEADER.lower())
    if not signature or not timestamp:
        raise WebhookError("missing Zendesk signature headers", status=401)
    given = signature.strip().encode()
    signed = [hmac.compare_digest(sign(key, timestamp, body).encode(), given)
              for key in (secret, *previous)]  # fmt: skip
    if not any(signed):
        raise WebhookError("bad webhook signature", status=401)
    sent = time_or_none(timestamp)
    if sent is None or abs(now - sent) > tolerance:
        raise WebhookError("webhook timestamp outside the allowed window", status=401)


def parse(body: bytes, headers: Mapping[str, str] | None = None) -> WebhookEvent:
    """An event from a ticket-event subscription or a trigger's JSON body (4xx if neither).

    Its fingerprint is the signature: a replay of a captured request carries the same one.
    """
    data = json_object(body)
    sent = lowered(headers)
    delivery = sent.get(INVOCATION_HEADER.lower())
    signature = (sent.get(SIGNATURE_HEADER.lower()) or "").strip() or None
    if isinstance(data.get("detail"), dict):
        event = _event_subscription(data, delivery)
    else:
        event = _trigger_body(data, delivery)
    return replace(event, fingerprint=signature)


def _event_subscription(data: Mapping[str, Any], delivery: str | None) -> WebhookEvent:
    detail = data["detail"]
    sent_id = data.get("id")
    return WebhookEvent(
        ticket_id=ticket_id(detail.get("id"), "detail.id"),
        event=text_or(data.get("type"), "ticket.changed"),
        updated_at=time_or_none(detail.get("updated_at")),
        delivery_id=delivery or (sent_id if isinstance(sent_id, str) else None),
    )


def _trigger_body(data: Mapping[str, Any], delivery: str | None) -> WebhookEvent:
    raw_ticket = data.get("ticket")
    nested: Mapping[str, Any] = raw_ticket if isinstance(raw_ticket, dict) else {}
    named = ticket_id(data.get("ticket_id") or nested.get("id"), "ticket_id or ticket.id")
    return WebhookEvent(
        ticket_id=named,
        event=text_or(data.get("event"), "ticket.changed"),
        updated_at=time_or_none(data.get("updated_at") or nested.get("updated_at")),
        delivery_id=delivery,
    )
