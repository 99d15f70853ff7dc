"""Zendesk webhook signatures (HMAC-SHA256 over timestamp + body) and payload parsing."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from connectors.webhooks import WebhookError
from connectors.zendesk import webhook
from tests.secret_values import ZENDESK_WEBHOOK_SECRET

SECRET = ZENDESK_WEBHOOK_SECRET
SENT = "2024-02-12T09:20:41Z"
NOW = datetime(2024, 2, 12, 9, 21, 0, tzinfo=UTC)
BODY = json.dumps(
    {
        "type": "zen:event-type:ticket.created",
        "account_id": 10000001,
        "id": "6b3f9c",
        "time": SENT,
        "zendesk_event_version": "2022-11-06",
        "subject": "zen:ticket:4016",
        "detail": {
            "id": "4016",
            "assignee_id": None,
            "group_id": "360001",
            "status": "NEW",
            "updated_at": SENT,
            "requester_id": "1902345678123",
        },
        "event": {},
    }
).encode()


def headers(body: bytes = BODY, stamp: str = SENT, secret: str = SECRET) -> dict[str, str]:
    return {
        "X-Zendesk-Webhook-Signature": webhook.sign(secret, stamp, body),
        "X-Zendesk-Webhook-Signature-Timestamp": stamp,
        "X-Zendesk-Webhook-Invocation-Id": "inv-1",
    }


def test_known_vector_uses_the_secret_as_is() -> None:
    # computed independently: base64(HMAC-SHA256(key=secret bytes, "2024-02-12T09:20:41Z{}"))
    import base64
    import hashlib
    import hmac

    expected = base64.b64encode(
        hmac.new(SECRET.encode(), (SENT + "{}").encode(), hashlib.sha256).digest()
    ).decode()
    assert webhook.sign(SECRET, SENT, b"{}") == expected


def test_valid_signature_passes() -> None:
    webhook.verify(headers(), BODY, secret=SECRET, now=NOW)


@pytest.mark.parametrize(
    ("sent_headers", "body", "now"),
    [
        pytest.param({}, BODY, NOW, id="no-headers"),
        pytest.param(headers(secret="other"), BODY, NOW, id="wrong-secret"),
        pytest.param(headers(), BODY + b" ", NOW, id="body-changed"),
        pytest.param(
            {**headers(), "X-Zendesk-Webhook-Signature-Timestamp": "2024-02-12T09:20:42Z"},
            BODY,
            NOW,
            id="timestamp-changed",
        ),
        pytest.param(headers(), BODY, NOW + timedelta(minutes=6), id="replayed-late"),
        pytest.param(headers(stamp="2024-02-12T09:40:00Z"), BODY, NOW, id="from-the-future"),
        pytest.param(headers(stamp="yesterday"), BODY, NOW, id="unparsable-timestamp"),
    ],
)
def test_bad_or_stale_signatures_are_refused_with_401(
    sent_headers: dict[str, str], body: bytes, now: datetime
) -> None:
    with pytest.raises(WebhookError) as caught:
        webhook.verify(sent_headers, body, secret=SECRET, now=now)
    assert caught.value.status == 401


def test_header_names_are_case_insensitive() -> None:
    lowered = {key.lower(): value for key, value in headers().items()}
    webhook.verify(lowered, BODY, secret=SECRET, now=NOW)


def test_event_subscription_payload_with_string_ids() -> None:
    event = webhook.parse(BODY, headers())
    assert event.ticket_id == "4016" and event.event == "zen:event-type:ticket.created"
    assert event.updated_at == datetime(2024, 2, 12, 9, 20, 41, tzinfo=UTC)
    assert event.dedupe_key == "inv-1"


@pytest.mark.parametrize(
    ("body", "ticket_id"),
    [
        pytest.param({"ticket_id": "4016", "updated_at": SENT}, "4016", id="flat-template"),
        pytest.param({"ticket": {"id": 4016}}, "4016", id="nested-template"),
    ],
)
def test_trigger_bodies(body: dict, ticket_id: str) -> None:
    event = webhook.parse(json.dumps(body).encode())
    assert event.ticket_id == ticket_id
    assert event.dedupe_key.startswith("4016@")


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b"not json", id="not-json"),
        pytest.param(b"[1, 2]", id="not-an-object"),
        pytest.param(b'{"hello": "world"}', id="no-ticket"),
        pytest.param(b'{"detail": {"id": "abc"}}', id="non-numeric-id"),
        pytest.param(b"\xff\xfe", id="not-utf8"),
    ],
)
def test_malformed_payloads_are_4xx_not_crashes(body: bytes) -> None:
    with pytest.raises(WebhookError) as caught:
        webhook.parse(body)
    assert 400 <= caught.value.status < 500
