"""The sandbox sends signed Zendesk webhooks that the connector's verifier accepts."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import ClassVar

import pytest

from connectors.zendesk import webhook
from sandbox import SandboxHandle, start_sandbox


class Receiver(BaseHTTPRequestHandler):
    """Records every POST."""

    received: ClassVar[list[tuple[dict[str, str], bytes]]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Receiver.received.append((dict(self.headers), body))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        """Quiet."""


@pytest.fixture
def receiver() -> Iterator[str]:
    server = HTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    Receiver.received = []
    yield f"http://127.0.0.1:{server.server_port}/hook"
    server.shutdown()
    server.server_close()


@pytest.fixture
def desk(receiver: str) -> Iterator[SandboxHandle]:
    with start_sandbox(agents=2, webhook_url=receiver) as handle:
        yield handle


def test_ticket_changes_arrive_signed_and_parseable(desk: SandboxHandle) -> None:
    (ticket_id,) = desk.create_tickets(1)
    desk.sandbox.webhooks.flush()
    assert len(Receiver.received) == 1
    headers, body = Receiver.received[0]
    assert headers["User-Agent"] == "Zendesk Webhook"
    webhook.verify(headers, body, secret=desk.webhook_secret, now=datetime.now(UTC))
    event = webhook.parse(body, headers)
    assert event.ticket_id == str(ticket_id)
    assert event.event == "zen:event-type:ticket.created"
    assert event.delivery_id == headers["X-Zendesk-Webhook-Invocation-Id"]


def test_a_wrong_secret_does_not_verify(desk: SandboxHandle) -> None:
    desk.configure_webhook(desk.sandbox.webhooks.url, "another-secret")
    desk.create_tickets(1)
    desk.sandbox.webhooks.flush()
    headers, body = Receiver.received[-1]
    with pytest.raises(webhook.WebhookError):
        webhook.verify(headers, body, secret=desk.webhook_secret, now=datetime.now(UTC))


def test_deliveries_are_recorded(desk: SandboxHandle) -> None:
    desk.create_tickets(2)
    desk.sandbox.webhooks.flush()
    assert [d.status for d in desk.sandbox.webhooks.deliveries] == [200, 200]


def test_a_duplicate_keeps_the_invocation_id_and_a_replay_repeats_the_bytes(
    desk: SandboxHandle, receiver: str
) -> None:
    desk.configure_webhook(receiver, desk.webhook_secret, duplicate_share=1.0, replay_share=1.0)
    desk.create_tickets(1)
    desk.sandbox.webhooks.flush()
    first, duplicate, *replays = Receiver.received
    assert len(replays) == 3
    invocation = "X-Zendesk-Webhook-Invocation-Id"
    assert duplicate[0][invocation] == first[0][invocation] and duplicate[1] == first[1]
    signature = "X-Zendesk-Webhook-Signature"
    assert all(replay == replays[0] for replay in replays)
    assert replays[0][1] == first[1] and replays[0][0][invocation] == first[0][invocation]
    assert replays[0][0][signature]
    sender = desk.sandbox.webhooks
    assert (sender.duplicates, sender.replays, len(sender.deliveries)) == (1, 1, 1)
