"""Signed Zendesk-style webhooks from the sandbox to a configured URL.

Every ticket change is queued and delivered by a background thread as a ticket-event
subscription payload (ids as strings), signed like Zendesk: base64 HMAC-SHA256 of the
ISO-8601 timestamp followed by the raw body, the secret used as-is.

``duplicate_share`` of the deliveries are sent again with the same invocation id (Zendesk:
"duplicate deliveries can happen", developer.zendesk.com/documentation/webhooks/), and
``replay_share`` of them are posted again byte for byte with the same headers, as someone
who captured a signed request would replay it (the chaos runs' ``--webhooks``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import queue
import random
import threading
import uuid
from dataclasses import dataclass, field
from typing import Any

import requests

from sandbox.store import TicketRecord, utcnow
from sandbox.wire import z

log = logging.getLogger("deskroute.sandbox.webhooks")
ACCOUNT_ID = "10000001"
WEBHOOK_ID = "01HSANDBOXWEBHOOK0000000001"
ATTEMPTS = 3
REPLAYS = 3
"""Times a replayed delivery is posted."""


@dataclass
class Delivery:
    """One webhook sent (or given up on)."""

    invocation_id: str
    ticket_id: int
    event: str
    status: int | None
    attempts: int


@dataclass
class WebhookSender:
    """Queues ticket events and posts them, signed, to ``url`` (if configured)."""

    url: str | None = None
    secret: str = ""
    session: requests.Session = field(default_factory=requests.Session)
    deliveries: list[Delivery] = field(default_factory=list)
    duplicate_share: float = 0.0
    """Share of deliveries sent a second time under the same invocation id."""
    replay_share: float = 0.0
    """Share of deliveries replayed byte for byte (same signature, same headers)."""
    rng: random.Random = field(default_factory=lambda: random.Random(0))
    duplicates: int = 0
    replays: int = 0

    def __post_init__(self) -> None:
        self._queue: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="sandbox-webhooks", daemon=True)
        self._thread.start()

    def on_change(self, ticket: TicketRecord, event: str, changes: dict[str, Any]) -> None:
        """Desk listener: queue an event payload (called under the desk lock; never blocks)."""
        if self.url:
            self._queue.put(payload(ticket, event))

    def stop(self) -> None:
        """Stop the delivery thread after the queued events."""
        self._queue.put(None)
        self._thread.join(timeout=5)

    def flush(self, timeout: float = 5.0) -> None:
        """Wait until queued events are delivered."""
        done = threading.Event()
        self._queue.put({"_flush": done})
        done.wait(timeout)

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            if "_flush" in item:
                item["_flush"].set()
                continue
            self._deliver(item)

    def _deliver(self, body: dict[str, Any]) -> None:
        if self.url is None:  # switched off while events were queued: Zendesk sends nothing
            return
        raw = json.dumps(body, separators=(",", ":")).encode()
        invocation = uuid.uuid4().hex
        status, attempts = None, 0
        for attempts in range(1, ATTEMPTS + 1):  # noqa: B007 - the count is recorded
            headers = signed_headers(self.secret, raw, invocation)
            try:
                status = self.session.post(
                    str(self.url), data=raw, headers=headers, timeout=10
                ).status_code
            except requests.RequestException as error:
                log.warning("webhook to %s failed: %s", self.url, type(error).__name__)
                status = None
            if status is not None and status < 500 and status != 429:
                break
        ticket_id = int(body["detail"]["id"])
        self.deliveries.append(Delivery(invocation, ticket_id, body["type"], status, attempts))
        if status is not None:
            self._repeat(raw, invocation)

    def _repeat(self, raw: bytes, invocation: str) -> None:
        """Send a delivered event again, as a duplicate and, or, as a replay."""
        if self.rng.random() < self.duplicate_share:
            self.duplicates += 1
            self._post(raw, signed_headers(self.secret, raw, invocation))
        if self.rng.random() < self.replay_share:
            self.replays += 1
            captured = signed_headers(self.secret, raw, invocation)
            for _ in range(REPLAYS):
                self._post(raw, captured)

    def _post(self, raw: bytes, headers: dict[str, str]) -> None:
        try:
            self.session.post(str(self.url), data=raw, headers=headers, timeout=10)
        except requests.RequestException as error:
            log.warning("webhook to %s failed: %s", self.url, type(error).__name__)


def signed_headers(secret: str, raw: bytes, invocation: str) -> dict[str, str]:
    """The headers Zendesk sends with a webhook, signature included."""
    stamp = z(utcnow()) or ""
    digest = hmac.new(secret.encode(), stamp.encode() + raw, hashlib.sha256).digest()
    return {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "Zendesk Webhook",
        "X-Zendesk-Account-Id": ACCOUNT_ID,
        "X-Zendesk-Webhook-Id": WEBHOOK_ID,
        "X-Zendesk-Webhook-Invocation-Id": invocation,
        "X-Zendesk-Webhook-Signature": base64.b64encode(digest).decode(),
        "X-Zendesk-Webhook-Signature-Timestamp": stamp,
    }


def payload(ticket: TicketRecord, event: str) -> dict[str, Any]:
    """A ticket-event subscription body; ids in ``detail`` are strings, as Zendesk sends."""

    def text(value: int | None) -> str | None:
        return None if value is None else str(value)

    return {
        "type": f"zen:event-type:{event}",
        "account_id": int(ACCOUNT_ID),
        "id": str(uuid.uuid4()),
        "time": z(utcnow()),
        "zendesk_event_version": "2022-11-06",
        "subject": f"zen:ticket:{ticket.id}",
        "detail": {
            "actor_id": "-1",
            "assignee_id": text(ticket.assignee_id),
            "brand_id": "1",
            "created_at": z(ticket.created_at),
            "custom_status": text(None),
            "description": ticket.description,
            "external_id": None,
            "form_id": "1",
            "group_id": text(ticket.group_id),
            "id": str(ticket.id),
            "is_public": True,
            "organization_id": None,
            "priority": (ticket.priority or "normal").upper(),
            "requester_id": str(ticket.requester_id),
            "status": ticket.status.upper(),
            "subject": ticket.subject,
            "submitter_id": str(ticket.requester_id),
            "tags": list(ticket.tags),
            "type": (ticket.type or "").upper() or None,
            "updated_at": z(ticket.updated_at),
            "via": {"channel": ticket.channel},
        },
        "event": {},
    }
