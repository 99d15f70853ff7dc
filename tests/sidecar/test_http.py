"""The HTTP surface: webhooks (verified, 4xx on bad input), health, metrics, admin endpoints."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from config.settings import Settings
from connectors.zendesk.webhook import sign
from sidecar.http import AppContext, create_app
from sidecar.metrics import Metrics
from sidecar.store import Store
from tests.secret_values import ADMIN_TOKEN, FRESHDESK_WEBHOOK_SECRET, ZENDESK_WEBHOOK_SECRET
from tests.sidecar.fakes import FakeClock

SECRET = ZENDESK_WEBHOOK_SECRET
ADMIN = ADMIN_TOKEN
FD_SECRET = FRESHDESK_WEBHOOK_SECRET


@pytest.fixture
def client(tmp_path: Path, clock: FakeClock) -> Iterator[tuple[TestClient, Store, list[str]]]:
    store = Store.open(f"sqlite:///{tmp_path / 'h.sqlite3'}", "r", clock())
    kicks: list[str] = []
    settings = Settings(
        admin_token=ADMIN,
        zendesk={"webhook_secret": SECRET},
        freshdesk={"webhook_secret": FD_SECRET},
    )
    ctx = AppContext(
        settings=settings, store=store, metrics=Metrics(), clock=clock, is_leader=lambda: True,
        ready=lambda: True, kick=lambda: kicks.append("kick"), accepting=lambda: True,
    )  # fmt: skip
    with TestClient(create_app(ctx)) as test_client:
        yield test_client, store, kicks
    store.close()


def zendesk_headers(body: bytes, clock: FakeClock, secret: str = SECRET) -> dict[str, str]:
    stamp = clock().strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        "X-Zendesk-Webhook-Signature": sign(secret, stamp, body),
        "X-Zendesk-Webhook-Signature-Timestamp": stamp,
        "Content-Type": "application/json",
    }


def event(ticket_id: Any = "42") -> bytes:
    detail = {"id": ticket_id, "updated_at": "2026-11-25T09:00:00Z"}
    return json.dumps({"type": "zen:event-type:ticket.created", "detail": detail}).encode()


def test_a_signed_zendesk_webhook_is_stored_as_a_hint_once(
    client: tuple[TestClient, Store, list[str]], clock: FakeClock
) -> None:
    http, store, kicks = client
    body = event()
    first = http.post("/webhooks/zendesk", content=body, headers=zendesk_headers(body, clock))
    again = http.post("/webhooks/zendesk", content=body, headers=zendesk_headers(body, clock))
    assert first.status_code == again.status_code == 202
    assert (first.json()["duplicate"], again.json()["duplicate"]) == (False, True)
    assert store.tickets.hints(10) == ["42"] and kicks == ["kick"]


@pytest.mark.parametrize(
    ("body", "headers", "status"),
    [
        pytest.param(event(), {"X-Zendesk-Webhook-Signature": "x"}, 401, id="no-timestamp"),
        pytest.param(event(), "wrong-secret", 401, id="bad-signature"),
        pytest.param(b"{not json", None, 400, id="not-json"),
        pytest.param(b"[1, 2]", None, 400, id="not-an-object"),
        pytest.param(event(ticket_id="abc"), None, 400, id="non-numeric-id"),
        pytest.param(json.dumps({"ticket": {}}).encode(), None, 400, id="no-ticket-id"),
        pytest.param(b"\xff\xfe", None, 400, id="not-utf8"),
    ],
)
def test_bad_zendesk_webhooks_get_a_4xx_and_store_nothing(
    client: tuple[TestClient, Store, list[str]],
    clock: FakeClock,
    body: bytes,
    headers: Any,
    status: int,
) -> None:
    http, store, _ = client
    if headers is None:
        headers = zendesk_headers(body, clock)
    elif headers == "wrong-secret":
        headers = zendesk_headers(body, clock, secret="another")
    response = http.post("/webhooks/zendesk", content=body, headers=headers)
    assert response.status_code == status and "error" in response.json()
    assert store.tickets.hints(10) == []


@pytest.mark.parametrize(
    ("headers", "body", "status"),
    [
        pytest.param({"X-Deskroute-Secret": FD_SECRET}, {"freshdesk_webhook": {"ticket_id": 7}},
                     202, id="simple-content"),
        pytest.param({"X-Deskroute-Secret": FD_SECRET}, {"ticket_id": "7"}, 202, id="flat"),
        pytest.param({}, {"ticket_id": 7}, 401, id="no-secret"),
        pytest.param({"X-Deskroute-Secret": "nope"}, {"ticket_id": 7}, 401, id="wrong-secret"),
        pytest.param({"X-Deskroute-Secret": FD_SECRET}, {"subject": "x"}, 400, id="no-ticket"),
    ],
)  # fmt: skip
def test_freshdesk_webhooks(
    client: tuple[TestClient, Store, list[str]],
    headers: dict[str, str],
    body: dict[str, Any],
    status: int,
) -> None:
    http, store, _ = client
    response = http.post("/webhooks/freshdesk", json=body, headers=headers)
    assert response.status_code == status
    assert store.tickets.hints(10) == (["7"] if status == 202 else [])


def test_health_readiness_metrics_and_openapi(client: tuple[TestClient, Store, list[str]]) -> None:
    http, _, _ = client
    assert http.get("/healthz").json() == {"status": "ok"}
    assert http.get("/readyz").json() == {"ready": True, "role": "leader"}
    text = http.get("/metrics").text
    for name in ("deskroute_queue_depth", "deskroute_leader", "deskroute_rate_budget_remaining"):
        assert name in text
    paths = http.get("/openapi.json").json()["paths"]
    assert {"/webhooks/zendesk", "/webhooks/freshdesk", "/decisions/{ticket_id}"} <= set(paths)


@pytest.mark.parametrize(
    ("authorization", "status"),
    [
        pytest.param(None, 401, id="missing"),
        pytest.param("Bearer wrong", 401, id="wrong"),
        pytest.param(f"Bearer {ADMIN}", 404, id="right-token-unknown-ticket"),
    ],
)
def test_explanations_need_the_admin_token(
    client: tuple[TestClient, Store, list[str]], authorization: str | None, status: int
) -> None:
    http, _, _ = client
    headers = {"Authorization": authorization} if authorization else {}
    assert http.get("/decisions/1", headers=headers).status_code == status


def test_admin_endpoints_are_off_without_a_token(tmp_path: Path, clock: FakeClock) -> None:
    store = Store.open(f"sqlite:///{tmp_path / 'o.sqlite3'}", "r", clock())
    ctx = AppContext(
        settings=Settings(http={"unsigned_webhooks": True}), store=store, metrics=Metrics(),
        clock=clock, is_leader=lambda: False,
        ready=lambda: True, kick=lambda: None, accepting=lambda: False,
    )  # fmt: skip
    with TestClient(create_app(ctx)) as http:
        assert http.get("/admin/status", headers={"Authorization": "Bearer x"}).status_code == 404
        assert http.get("/readyz").status_code == 503
        body = json.dumps({"ticket_id": 1}).encode()
        assert http.post("/webhooks/freshdesk", content=body).status_code == 503
    store.close()


@pytest.mark.parametrize("helpdesk", ["zendesk", "freshdesk"])
def test_without_a_webhook_secret_webhooks_are_refused_unless_unsigned_ones_are_asked_for(
    tmp_path: Path, clock: FakeClock, helpdesk: str
) -> None:
    store = Store.open(f"sqlite:///{tmp_path / 'u.sqlite3'}", "r", clock())
    body = json.dumps({"ticket_id": 7}).encode()
    for unsigned, status in ((False, 401), (True, 202)):
        ctx = AppContext(
            settings=Settings(http={"unsigned_webhooks": unsigned}), store=store,
            metrics=Metrics(), clock=clock, is_leader=lambda: False, ready=lambda: True,
            kick=lambda: None, accepting=lambda: True,
        )  # fmt: skip
        with TestClient(create_app(ctx)) as http:
            answer = http.post(f"/webhooks/{helpdesk}", content=body)
        assert answer.status_code == status, answer.text
        if not unsigned:
            variable = f"DESKROUTE_{helpdesk.upper()}__WEBHOOK_SECRET"
            assert answer.json() == {"error": f"webhooks are off: no {variable} is set"}
            assert store.tickets.hints(10) == []  # nothing unauthenticated is stored
    assert store.tickets.hints(10) == ["7"]
    store.close()
