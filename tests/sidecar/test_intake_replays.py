"""Idempotent intake (issue 16, item 3): replayed and retried webhooks are taken in once,
ticket ids are normalised, and hinted tickets are read in batches."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from config.settings import Settings
from connectors.webhooks import WebhookError, ticket_id
from connectors.zendesk.webhook import sign
from sidecar.http import REPLAYS, AppContext, create_app
from sidecar.refusals import RefusalLimit
from sidecar.store import Store, on_clock
from tests.secret_values import ZENDESK_WEBHOOK_SECRET
from tests.sidecar.builders import Rig
from tests.sidecar.fakes import FakeClock

SECRET = ZENDESK_WEBHOOK_SECRET


@pytest.fixture
def rig(tmp_path: Path, clock: FakeClock) -> Iterator[Rig]:
    store = Store.open(
        f"sqlite:///{tmp_path / 'i.sqlite3'}", "r", clock(), due_clock=on_clock(clock)
    )
    rig = Rig(store, clock, zendesk={"webhook_secret": SECRET})
    rig.desk.add_agent("ann")
    yield rig
    store.close()


@pytest.fixture
def http(rig: Rig, clock: FakeClock) -> Iterator[TestClient]:
    ctx = AppContext(
        settings=Settings(zendesk={"webhook_secret": SECRET}), store=rig.store,
        metrics=rig.metrics, clock=clock, is_leader=lambda: True, ready=lambda: True,
        kick=lambda: None, accepting=lambda: True,
    )  # fmt: skip
    with TestClient(create_app(ctx)) as client:
        yield client


def signed(body: bytes, clock: FakeClock, invocation: str | None = None) -> dict[str, str]:
    stamp = clock().strftime("%Y-%m-%dT%H:%M:%SZ")
    headers = {
        "X-Zendesk-Webhook-Signature": sign(SECRET, stamp, body),
        "X-Zendesk-Webhook-Signature-Timestamp": stamp,
        "Content-Type": "application/json",
    }
    if invocation:
        headers["X-Zendesk-Webhook-Invocation-Id"] = invocation
    return headers


def created(ticket: str) -> bytes:
    """A ticket-created event without an update time (a trigger body often has none)."""
    return json.dumps({"type": "zen:event-type:ticket.created", "detail": {"id": ticket}}).encode()


def test_a_captured_webhook_replayed_361_times_costs_at_most_one_read(
    rig: Rig, http: TestClient, clock: FakeClock
) -> None:
    """The issue's reproduction: one signed webhook, captured and replayed 361 times in
    10 s (each with a fresh invocation id header, which the signature does not cover),
    while the leader runs its react round after every delivery."""
    rig.desk.new_ticket("7")
    body, headers = created("7"), signed(created("7"), clock)
    answers = []
    for replay in range(361):
        replayed = {**headers, "X-Zendesk-Webhook-Invocation-Id": f"r{replay}"}
        answers.append(http.post("/webhooks/zendesk", content=body, headers=replayed))
        rig.pipeline.take_hints()
        clock.advance(10 / 361)
    assert {answer.status_code for answer in answers} == {202}
    assert [answer.json()["duplicate"] for answer in answers].count(False) == 1
    assert sum(rig.desk.reads) <= 1


def test_a_retried_delivery_is_taken_in_once_and_a_new_one_again(
    rig: Rig, http: TestClient, clock: FakeClock
) -> None:
    rig.desk.new_ticket("7")
    first = http.post("/webhooks/zendesk", content=created("7"),
                      headers=signed(created("7"), clock, "inv-1"))  # fmt: skip
    rig.pipeline.take_hints()
    clock.advance(30)  # Zendesk re-signs a retry: a new timestamp, the same invocation id
    retry = http.post("/webhooks/zendesk", content=created("7"),
                      headers=signed(created("7"), clock, "inv-1"))  # fmt: skip
    clock.advance(1)  # a new delivery: its own id and signature
    later = http.post("/webhooks/zendesk", content=created("7"),
                      headers=signed(created("7"), clock, "inv-2"))  # fmt: skip
    duplicates = [answer.json()["duplicate"] for answer in (first, retry, later)]
    assert duplicates == [False, True, False]


def test_deliveries_are_forgotten_after_the_window(rig: Rig, clock: FakeClock) -> None:
    keys = ("id:x",)
    assert rig.store.tickets.first_delivery(keys, "zendesk", clock(), REPLAYS)
    assert not rig.store.tickets.first_delivery(keys, "zendesk", clock.advance(60), REPLAYS)
    later = clock.advance(REPLAYS.total_seconds() + 1)
    assert rig.store.tickets.first_delivery(keys, "zendesk", later, REPLAYS)


@pytest.mark.parametrize(
    ("sent", "read"),
    [
        pytest.param("1", "1", id="plain"),
        pytest.param("0001", "1", id="leading-zeros"),
        pytest.param(1, "1", id="number"),
        pytest.param("000000000000000000042", None, id="over-20-digits"),
        pytest.param("0", None, id="zero"),
        pytest.param("0000", None, id="zeros"),
    ],
)
def test_ticket_ids_are_normalised(sent: object, read: str | None) -> None:
    if read is None:
        with pytest.raises(WebhookError):
            ticket_id(sent, "id")
    else:
        assert ticket_id(sent, "id") == read


def test_0001_and_1_are_one_hint(rig: Rig, http: TestClient, clock: FakeClock) -> None:
    for spelling in ("0001", "1", "01"):
        body = created(spelling)
        assert (
            http.post("/webhooks/zendesk", content=body, headers=signed(body, clock)).status_code
            == 202
        )
    assert rig.store.tickets.hints(10) == ["1"]


def test_a_burst_of_webhooks_is_read_100_tickets_a_read(
    rig: Rig, http: TestClient, clock: FakeClock
) -> None:
    """2,000 webhooks for 2,000 tickets cost 20 reads, not 2,000."""
    ids = [str(n) for n in range(1, 2001)]
    for ticket in ids:
        rig.desk.new_ticket(ticket)
        body = created(ticket)
        http.post("/webhooks/zendesk", content=body, headers=signed(body, clock))
    while rig.store.tickets.hints(1):
        rig.pipeline.take_hints()
    assert rig.desk.reads == [100] * 20
    assert rig.store.tickets.counts() == {"pending": 2000}


PREVIOUS = "rotated-0ut-secret"


@pytest.mark.parametrize(
    ("signed_with", "status"),
    [
        pytest.param(SECRET, 202, id="the-new-secret"),
        pytest.param(PREVIOUS, 202, id="the-previous-secret"),
        pytest.param("neither-of-them", 401, id="another-secret"),
    ],
)
def test_while_a_secret_is_rotated_both_are_accepted(
    rig: Rig, clock: FakeClock, signed_with: str, status: int
) -> None:
    rotating = {"webhook_secret": SECRET, "webhook_previous_secrets": f"{PREVIOUS},an0ther"}
    settings = Settings(zendesk=rotating, freshdesk=rotating)
    ctx = AppContext(
        settings=settings, store=rig.store, metrics=rig.metrics, clock=clock,
        is_leader=lambda: True, ready=lambda: True, kick=lambda: None, accepting=lambda: True,
    )  # fmt: skip
    body = created("7")
    stamp = clock().strftime("%Y-%m-%dT%H:%M:%SZ")
    zendesk_headers = {"X-Zendesk-Webhook-Signature": sign(signed_with, stamp, body),
                       "X-Zendesk-Webhook-Signature-Timestamp": stamp,
                       "Content-Type": "application/json"}  # fmt: skip
    freshdesk_body = json.dumps({"freshdesk_webhook": {"ticket_id": "7"}}).encode()
    freshdesk_headers = {"X-Deskroute-Secret": signed_with, "Content-Type": "application/json"}
    with TestClient(create_app(ctx)) as client:
        zendesk = client.post("/webhooks/zendesk", content=body, headers=zendesk_headers)
        freshdesk = client.post("/webhooks/freshdesk", content=freshdesk_body,
                                headers=freshdesk_headers)  # fmt: skip
    assert (zendesk.status_code, freshdesk.status_code) == (status, status)


class Ticking:
    """A monotonic clock moved by hand."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_source_past_its_refusals_waits_out_the_minute_and_others_do_not() -> None:
    ticking = Ticking()
    limit = RefusalLimit(per_minute=3, monotonic=ticking)
    for _ in range(3):
        assert limit.wait("10.0.0.9") is None
        limit.refused("10.0.0.9")
    ticking.now = 20.0
    assert limit.wait("10.0.0.9") == 40
    assert limit.wait("10.0.0.7") is None
    ticking.now = 60.0
    assert limit.wait("10.0.0.9") is None


def test_remembered_sources_are_bounded() -> None:
    limit = RefusalLimit(per_minute=1, max_sources=100, monotonic=Ticking())
    for n in range(1000):
        limit.refused(f"10.0.{n // 256}.{n % 256}")
    assert len(limit._windows) <= 100


def test_refused_webhooks_from_one_address_are_throttled_before_they_are_read(
    rig: Rig, clock: FakeClock
) -> None:
    ctx = AppContext(
        settings=Settings(zendesk={"webhook_secret": SECRET}), store=rig.store,
        metrics=rig.metrics, clock=clock, is_leader=lambda: True, ready=lambda: True,
        kick=lambda: None, accepting=lambda: True, refusals=RefusalLimit(per_minute=5),
    )  # fmt: skip
    body = created("7")
    forged = {**signed(body, clock), "X-Zendesk-Webhook-Signature": "Zm9yZ2Vk"}
    app = create_app(ctx)
    with TestClient(app, client=("203.0.113.9", 4000)) as attacker:
        answers = [attacker.post("/webhooks/zendesk", content=body, headers=forged)
                   for _ in range(8)]  # fmt: skip
        honest_from_there = attacker.post("/webhooks/zendesk", content=body,
                                          headers=signed(body, clock))  # fmt: skip
    with TestClient(app, client=("192.0.2.1", 4000)) as desk:
        elsewhere = desk.post("/webhooks/zendesk", content=body, headers=signed(body, clock))
    assert [a.status_code for a in answers] == [401] * 5 + [429] * 3
    assert answers[-1].headers["Retry-After"] == "60"
    assert honest_from_there.status_code == 429
    assert elsewhere.status_code == 202
