"""Freshdesk webhooks: a shared-secret header (Freshdesk does not sign) and body parsing."""

from __future__ import annotations

import pytest

from connectors.freshdesk import webhook
from connectors.webhooks import WebhookError
from tests.secret_values import FRESHDESK_WEBHOOK_SECRET


def test_matching_secret_passes_in_any_header_case() -> None:
    secret = FRESHDESK_WEBHOOK_SECRET
    webhook.verify({"x-deskroute-secret": secret}, secret=secret)
    webhook.verify({"X-Hook-Key": secret}, secret=secret, header="x-hook-key")


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param({}, id="missing"),
        pytest.param({"X-Deskroute-Secret": "nope"}, id="wrong"),
        pytest.param({"X-Deskroute-Secret": ""}, id="empty"),
    ],
)
def test_missing_or_wrong_secret_is_401(headers: dict[str, str]) -> None:
    with pytest.raises(WebhookError) as caught:
        webhook.verify(headers, secret=FRESHDESK_WEBHOOK_SECRET)
    assert caught.value.status == 401


@pytest.mark.parametrize(
    ("body", "ticket_id"),
    [
        pytest.param(
            b'{"freshdesk_webhook": {"ticket_id": 21, "ticket_updated_at": '
            b'"2024-03-01T08:05:59Z"}}',
            "21",
            id="simple-content",
        ),
        pytest.param(
            b'{"ticket_id": "21", "event": "ticket.created"}', "21", id="advanced-template"
        ),
    ],
)
def test_bodies_name_the_ticket(body: bytes, ticket_id: str) -> None:
    assert webhook.parse(body).ticket_id == ticket_id


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b"<xml/>", id="not-json"),
        pytest.param(b'"21"', id="not-an-object"),
        pytest.param(b'{"freshdesk_webhook": {}}', id="no-ticket"),
        pytest.param(b'{"ticket_id": "{{ticket.id}}"}', id="unrendered-placeholder"),
    ],
)
def test_malformed_bodies_are_400(body: bytes) -> None:
    with pytest.raises(WebhookError) as caught:
        webhook.parse(body)
    assert caught.value.status == 400
