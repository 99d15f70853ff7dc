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
import json
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from connectors.values import parse_time
from connectors.webhooks import WebhookError, WebhookEvent

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
) -> None:
    """Raise ``WebhookError`` (401) unless the signature and a fresh timestamp check out."""
    lowered = {key.lower(): value for key, value in headers.items()}
    signature = lowered.get(SIGNATURE_HEADER.lower())
    timestamp = lowered.get(TIMESTAMP_HEADER.lower())
    if not signature or not timestamp:
        raise WebhookError("missing Zendesk signature headers", status=401)
    expected = sign(secret, timestamp, body)
    if not hmac.compare_digest(expected.encode(), signature.strip().encode()):
        raise WebhookError("bad webhook signature", status=401)
    try:
        sent = parse_time(timestamp)
    except ValueError:
        sent = None
    if sent is None or abs(now - sent) > tolerance:
        raise WebhookError("webhook timestamp outside the allowed window", status=401)


def parse(body: bytes, headers: Mapping[str, str] | None = None) -> WebhookEvent:
    """An event from a ticket-event subscription or a trigger's JSON body (4xx if neither)."""
    try:
        data: Any = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise WebhookError("webhook body is not JSON") from None
    if not isinstance(data, dict):
        raise WebhookError("webhook body must be a JSON object")
    lowered = {key.lower(): value for key, value in (headers or {}).items()}
    delivery = lowered.get(INVOCATION_HEADER.lower())
    if isinstance(data.get("detail"), dict):
        return _event_subscription(data, delivery)
    return _trigger_body(data, delivery)


def _event_subscription(data: Mapping[str, Any], delivery: str | None) -> WebhookEvent:
    detail = data["detail"]
    ticket_id = str(detail.get("id") or "").strip()
    if not ticket_id.isdigit():
        raise WebhookError("ticket event without a numeric detail.id")
    return WebhookEvent(
        ticket_id=ticket_id, event=str(data.get("type") or "ticket.changed"),
        updated_at=_time(detail.get("updated_at")), delivery_id=delivery or data.get("id"),
    )


def _trigger_body(data: Mapping[str, Any], delivery: str | None) -> WebhookEvent:
    raw_ticket = data.get("ticket")
    nested: Mapping[str, Any] = raw_ticket if isinstance(raw_ticket, dict) else {}
    ticket_id = str(data.get("ticket_id") or nested.get("id") or "").strip()
    if not ticket_id.isdigit():
        raise WebhookError("webhook body names no numeric ticket id (ticket_id or ticket.id)")
    return WebhookEvent(
        ticket_id=ticket_id, event=str(data.get("event") or "ticket.changed"),
        updated_at=_time(data.get("updated_at") or nested.get("updated_at")),
        delivery_id=delivery,
    )


def _time(value: Any) -> datetime | None:
    try:
        return parse_time(value)
    except ValueError:
        return None
