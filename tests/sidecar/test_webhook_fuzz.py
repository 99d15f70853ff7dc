"""Hostile webhooks: whatever arrives, the answer is a 4xx with a JSON error, never a 5xx,
and nothing from an unauthenticated or unusable request reaches the store.

Each property sends generated requests through the real app (in-process) with signatures
computed the way Zendesk computes them, so the parsers behind a valid signature are
exercised as well as the checks in front of it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from config.settings import Settings
from connectors.webhooks import MAX_NUMERIC_ID
from connectors.zendesk.webhook import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign
from sidecar.http import AppContext, create_app
from sidecar.metrics import Metrics
from sidecar.refusals import UNLIMITED, RefusalLimit
from sidecar.store import Store
from sidecar.store import schema as tables
from tests.secret_values import FRESHDESK_WEBHOOK_SECRET, ZENDESK_WEBHOOK_SECRET
from tests.sidecar.fakes import FakeClock

Answer = Any  # the test client's response
LIMIT = 65_536
FUZZ = settings(
    max_examples=60, deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)  # fmt: skip


def raw(headers: dict[str, str]) -> dict[bytes, bytes]:
    """Headers as the bytes on the wire (HTTP allows any Latin-1 octet in a value)."""
    return {name.encode(): value.encode("latin-1") for name, value in headers.items()}


class Hooks:
    """The app under fuzzing, its store and clock, and ways to send to each webhook."""

    def __init__(self, http: TestClient, store: Store, clock: FakeClock) -> None:
        self.http, self.store, self.clock = http, store, clock

    def stamp(self, shift: timedelta = timedelta(0)) -> str:
        return (self.clock() + shift).strftime("%Y-%m-%dT%H:%M:%SZ")

    def zendesk(self, body: bytes, headers: dict[str, str] | None = None,
                **extra: Any) -> Answer:  # fmt: skip
        """POST ``body`` signed with the right secret (unless ``headers`` are given)."""
        if headers is None:
            stamp = self.stamp()
            headers = {SIGNATURE_HEADER: sign(ZENDESK_WEBHOOK_SECRET, stamp, body),
                       TIMESTAMP_HEADER: stamp, "Content-Type": "application/json"}  # fmt: skip
        return self.http.post("/webhooks/zendesk", content=body, headers=raw(headers), **extra)

    def freshdesk(self, body: bytes, headers: dict[str, str] | None = None) -> Answer:
        """POST ``body`` with the shared secret (unless ``headers`` are given)."""
        if headers is None:
            headers = {"X-Deskroute-Secret": FRESHDESK_WEBHOOK_SECRET}
        return self.http.post("/webhooks/freshdesk", content=body, headers=raw(headers))

    def rows(self) -> dict[str, int]:
        """Rows in every table a webhook could write to."""
        with self.store.engine.connect() as conn:
            return {
                table.name: conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
                for table in (tables.hints, tables.seen, tables.tickets, tables.decisions,
                              tables.outbox)
            }  # fmt: skip


@pytest.fixture(scope="module")
def hooks(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hooks]:
    clock = FakeClock()
    path = tmp_path_factory.mktemp("fuzz") / "fuzz.sqlite3"
    store = Store.open(f"sqlite:///{path}", "fuzz", clock())
    config = Settings(
        zendesk={"webhook_secret": ZENDESK_WEBHOOK_SECRET},
        freshdesk={"webhook_secret": FRESHDESK_WEBHOOK_SECRET},
        http={"max_body_bytes": LIMIT},
    )
    ctx = AppContext(
        settings=config, store=store, metrics=Metrics(), clock=clock, is_leader=lambda: False,
        ready=lambda: True, kick=lambda: None, accepting=lambda: True,
        refusals=RefusalLimit(per_minute=UNLIMITED),  # every refusal must reach the parsers
    )  # fmt: skip
    with TestClient(create_app(ctx), raise_server_exceptions=False) as http:
        yield Hooks(http, store, clock)
    store.close()


def refused(
    hooks: Hooks, send: Callable[[], Answer], statuses: set[int], says: str
) -> dict[str, Any]:
    """Send; the answer is one of ``statuses`` with an error saying ``says``; nothing stored."""
    before = hooks.rows()
    response = send()
    assert response.status_code in statuses, (response.status_code, response.text)
    assert response.headers["content-type"].startswith("application/json")
    error = response.json()["error"]
    assert says in error, error
    assert hooks.rows() == before
    return response.json()  # type: ignore[no-any-return]


# -- strategies ----------------------------------------------------------------------------

finite = st.floats(allow_nan=False, allow_infinity=False)
json_scalars = st.none() | st.booleans() | st.integers() | finite | st.text()
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                  max_size=4),
    max_leaves=12,
)  # fmt: skip
not_an_id = st.one_of(
    st.none(), st.booleans(), st.integers(max_value=0), st.integers(min_value=MAX_NUMERIC_ID + 1),
    finite.filter(lambda number: not (number.is_integer() and 1 <= number <= MAX_NUMERIC_ID)),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
    st.text().filter(lambda text: not (text.isascii() and text.isdigit() and len(text) <= 20)),
    st.sampled_from(["", " 42", "42 ", "4.2", "-42", "0x2a", "١٢٣", "²", "４２", "9" * 21]),
)  # fmt: skip
"""Values no webhook may name a ticket with: wrong types, non-ASCII digits, too long or big."""
ticket_ids = st.integers(min_value=1, max_value=10**20 - 1).map(str)
odd_text = st.text(st.characters(codec="utf-8"), max_size=40) | st.sampled_from(
    ["\u202e", "\ufeff", "\x00", "e\u0301", "🙂" * 30, "\U0010ffff", "\u2028"]
)


def not_json(data: bytes) -> bool:
    try:
        json.loads(data)
    except (ValueError, RecursionError):
        return True
    return False


# -- bodies behind a valid signature -------------------------------------------------------


@FUZZ
@given(body=st.binary(max_size=200).filter(not_json))
def test_bytes_that_are_not_json_are_a_400(hooks: Hooks, body: bytes) -> None:
    for send in (hooks.zendesk, hooks.freshdesk):
        refused(hooks, lambda send=send: send(body), {400}, "webhook body")  # type: ignore[misc]


@FUZZ
@given(value=json_values.filter(lambda value: not isinstance(value, dict)))
def test_json_that_is_not_an_object_is_a_400(hooks: Hooks, value: Any) -> None:
    body = json.dumps(value).encode()
    for send in (hooks.zendesk, hooks.freshdesk):
        refused(hooks, lambda send=send: send(body), {400}, "must be a JSON object")  # type: ignore[misc]


@FUZZ
@given(
    bad=not_an_id,
    shape=st.sampled_from(["ticket_id", "ticket.id", "detail.id", "id"]),
    extra=st.dictionaries(st.sampled_from(["subject", "event", "updated_at"]), json_values),
)
def test_a_ticket_id_of_the_wrong_type_or_form_is_a_400(
    hooks: Hooks, bad: Any, shape: str, extra: dict[str, Any]
) -> None:
    outer, _, inner = shape.partition(".")
    payload = {**extra, outer: {inner: bad} if inner else bad}
    body = json.dumps(payload).encode()
    send = hooks.freshdesk if shape in ("ticket_id", "id") else hooks.zendesk
    refused(hooks, lambda: send(body), {400}, "numeric ticket id")
    if shape in ("ticket_id", "id"):
        wrapped = json.dumps({"freshdesk_webhook": payload}).encode()
        refused(hooks, lambda: hooks.freshdesk(wrapped), {400}, "numeric ticket id")


@FUZZ
@given(payload=st.dictionaries(
    st.text(max_size=10).filter(lambda key: key not in ("ticket_id", "ticket", "detail", "id",
                                                        "freshdesk_webhook")),
    json_values, max_size=5))  # fmt: skip
def test_a_body_without_a_ticket_id_is_a_400(hooks: Hooks, payload: dict[str, Any]) -> None:
    body = json.dumps(payload).encode()
    for send in (hooks.zendesk, hooks.freshdesk):
        refused(hooks, lambda send=send: send(body), {400}, "numeric ticket id")  # type: ignore[misc]


@FUZZ
@given(depth=st.integers(min_value=10_000, max_value=40_000), opener=st.sampled_from("[{"))
def test_deeply_nested_json_is_a_400(hooks: Hooks, depth: int, opener: str) -> None:
    arrays = b"[" * depth + b"]" * depth
    body = arrays if opener == "[" else b'{"a":' * depth + b"1" + b"}" * depth
    if len(body) > LIMIT:
        refused(hooks, lambda: hooks.zendesk(body), {413}, f"larger than {LIMIT} bytes")
    else:
        refused(hooks, lambda: hooks.zendesk(body), {400}, "nested too deeply")


@FUZZ
@given(size=st.integers(min_value=LIMIT + 1, max_value=LIMIT * 4), chunked=st.booleans())
def test_a_body_over_the_limit_is_a_413_with_or_without_a_length(
    hooks: Hooks, size: int, chunked: bool
) -> None:
    body = json.dumps({"ticket_id": 7, "pad": "x" * size}).encode()
    pieces = [body[start : start + 1000] for start in range(0, len(body), 1000)]

    def send() -> Answer:
        if not chunked:
            return hooks.zendesk(body)
        # no Content-Length: the reader has to stop counting on its own
        secret = {"X-Deskroute-Secret": FRESHDESK_WEBHOOK_SECRET}
        return hooks.http.post("/webhooks/freshdesk", content=iter(pieces), headers=secret)

    refused(hooks, send, {413}, f"larger than {LIMIT} bytes")


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b"\xff\xfe\x00", id="not-utf8"),
        pytest.param(b'{"ticket_id": "\xc3\x28"}', id="broken-utf8-in-a-string"),
        pytest.param(b'{"ticket_id": "\\ud800"}', id="lone-surrogate"),
        pytest.param(b'{"ticket_id": 5, "updated_at": NaN}', id="nan"),
        pytest.param(b'{"ticket_id": 5, "updated_at": Infinity}', id="infinity"),
        pytest.param(b'{"ticket_id": ' + b"9" * 5000 + b"}", id="over-long-number"),
        pytest.param(b'{"ticket_id": "\\u0661\\u0662"}', id="arabic-indic-digits"),
    ],
)
def test_odd_encodings_are_a_400(hooks: Hooks, body: bytes) -> None:
    for send in (hooks.zendesk, hooks.freshdesk):
        refused(hooks, lambda send=send: send(body), {400}, "webhook body")  # type: ignore[misc]


@FUZZ
@given(ticket=ticket_ids, text=odd_text, when=json_values | odd_text)
def test_odd_unicode_around_a_valid_id_is_taken_and_stores_only_the_id(
    hooks: Hooks, ticket: str, text: str, when: Any
) -> None:
    body = json.dumps({"ticket_id": ticket, "event": text, text: text, "updated_at": when},
                      ensure_ascii=False).encode("utf-8", errors="surrogatepass")  # fmt: skip
    response = hooks.zendesk(body)
    if not_json(body):  # a lone surrogate is no UTF-8: refused like any other bad byte
        assert response.status_code == 400, response.text
        return
    assert response.status_code == 202, response.text
    assert response.json()["ticket"] == ticket
    assert ticket in hooks.store.tickets.hints(100_000)


@pytest.mark.parametrize(
    "when",
    [
        pytest.param(1e20, id="epoch-past-year-9999"),
        pytest.param(-(10**15), id="epoch-before-year-1"),
        pytest.param(10**30, id="epoch-too-big-for-a-double-cast"),
        pytest.param("0001-01-01T00:00:00+01:00", id="before-year-1-in-utc"),
        pytest.param("9999-12-31T23:59:59-01:00", id="after-year-9999-in-utc"),
        pytest.param("2026-13-45T25:61:00Z", id="no-such-day"),
        pytest.param({"at": "2026-11-25T09:00:00Z"}, id="an-object"),
    ],
)
def test_an_unusable_update_time_means_unknown_not_a_crash(hooks: Hooks, when: Any) -> None:
    for ticket, send, key in ((8001, hooks.zendesk, "updated_at"),
                              (8002, hooks.freshdesk, "ticket_updated_at")):  # fmt: skip
        body = json.dumps({"ticket_id": ticket, key: when}).encode()
        response = send(body)
        assert response.status_code == 202, response.text
        assert str(ticket) in hooks.store.tickets.hints(100_000)


@FUZZ
@given(media=st.sampled_from(["text/plain", "application/x-www-form-urlencoded",
                              "multipart/form-data; boundary=x", "application/xml",
                              "text/json", "image/png", "application/jsonp"]))  # fmt: skip
def test_a_content_type_other_than_json_is_a_415(hooks: Hooks, media: str) -> None:
    body = b'{"ticket_id": 7}'
    stamp = hooks.stamp()
    headers = {SIGNATURE_HEADER: sign(ZENDESK_WEBHOOK_SECRET, stamp, body),
               TIMESTAMP_HEADER: stamp, "Content-Type": media}  # fmt: skip
    refused(hooks, lambda: hooks.zendesk(body, headers), {415}, "application/json")
    fd_headers = {"X-Deskroute-Secret": FRESHDESK_WEBHOOK_SECRET, "Content-Type": media}
    refused(hooks, lambda: hooks.freshdesk(body, fd_headers), {415}, "application/json")


# -- requests that are not authenticated ---------------------------------------------------

valid_bodies = ticket_ids.map(lambda ticket: json.dumps({"ticket_id": ticket}).encode())
header_text = st.text(st.characters(min_codepoint=0x20, max_codepoint=0xFF), max_size=60)


@FUZZ
@given(body=valid_bodies, signature=header_text | st.none(), stamp=header_text | st.none())
def test_a_valid_body_with_a_missing_or_forged_signature_is_a_401(
    hooks: Hooks, body: bytes, signature: str | None, stamp: str | None
) -> None:
    headers = {"Content-Type": "application/json"}
    if signature is not None:
        headers[SIGNATURE_HEADER] = signature
    if stamp is not None:
        headers[TIMESTAMP_HEADER] = stamp
    refused(hooks, lambda: hooks.zendesk(body, headers), {401}, "ignature")


@FUZZ
@given(body=valid_bodies, secret=st.text(min_size=1, max_size=40),
       tampered=st.binary(min_size=1, max_size=20))  # fmt: skip
def test_a_signature_by_another_secret_or_over_another_body_is_a_401(
    hooks: Hooks, body: bytes, secret: str, tampered: bytes
) -> None:
    stamp = hooks.stamp()
    wrong_key = {SIGNATURE_HEADER: sign(secret + "x", stamp, body), TIMESTAMP_HEADER: stamp}
    refused(hooks, lambda: hooks.zendesk(body, wrong_key), {401}, "bad webhook signature")
    other_body = {SIGNATURE_HEADER: sign(ZENDESK_WEBHOOK_SECRET, stamp, body + tampered),
                  TIMESTAMP_HEADER: stamp}  # fmt: skip
    refused(hooks, lambda: hooks.zendesk(body, other_body), {401}, "bad webhook signature")


@FUZZ
@given(body=valid_bodies, seconds=st.integers(min_value=301, max_value=10**9),
       later=st.booleans())  # fmt: skip
def test_a_replayed_or_future_timestamp_is_a_401_even_when_signed(
    hooks: Hooks, body: bytes, seconds: int, later: bool
) -> None:
    stamp = hooks.stamp(timedelta(seconds=seconds if later else -seconds))
    headers = {SIGNATURE_HEADER: sign(ZENDESK_WEBHOOK_SECRET, stamp, body),
               TIMESTAMP_HEADER: stamp}  # fmt: skip
    refused(hooks, lambda: hooks.zendesk(body, headers), {401}, "outside the allowed window")


@FUZZ
@given(body=valid_bodies, stamp=header_text)
def test_a_signed_timestamp_that_is_no_time_is_a_401(hooks: Hooks, body: bytes, stamp: str) -> None:
    headers = {SIGNATURE_HEADER: sign(ZENDESK_WEBHOOK_SECRET, stamp, body), TIMESTAMP_HEADER: stamp}
    response = hooks.zendesk(body, headers)
    assert response.status_code in (202, 401), response.text  # 202 only for a real, fresh time
    if response.status_code == 401:
        assert hooks.store.tickets.hints(100_000).count(response.json().get("ticket")) == 0


@FUZZ
@given(body=valid_bodies, given_secret=header_text | st.none(),
       header=st.sampled_from(["X-Deskroute-Secret", "X-Other"]))  # fmt: skip
def test_freshdesk_without_the_shared_secret_is_a_401(
    hooks: Hooks, body: bytes, given_secret: str | None, header: str
) -> None:
    headers = {} if given_secret is None else {header: given_secret}
    if given_secret is not None and given_secret.strip() == FRESHDESK_WEBHOOK_SECRET:
        headers = {}
    refused(hooks, lambda: hooks.freshdesk(body, headers), {401}, "ecret")


def test_a_verified_webhook_is_still_taken_after_all_that(hooks: Hooks) -> None:
    body = json.dumps({"type": "zen:event-type:ticket.created", "detail": {"id": "31337"}})
    assert hooks.zendesk(body.encode()).status_code == 202
    assert hooks.freshdesk(b'{"freshdesk_webhook": {"ticket_id": 31338}}').status_code == 202
    assert {"31337", "31338"} <= set(hooks.store.tickets.hints(100_000))


def test_framework_errors_are_json_too(hooks: Hooks) -> None:
    assert hooks.http.get("/webhooks/zendesk").json() == {"error": "Method Not Allowed"}
    assert hooks.http.get("/no/such/path").json() == {"error": "Not Found"}
    assert hooks.http.get("/decisions/1").status_code == 404  # admin off: no token set


def test_the_rows_counted_are_the_ones_a_webhook_writes(hooks: Hooks) -> None:
    """``refused`` would notice a stored hint: a valid webhook adds one."""
    before = hooks.rows()
    assert hooks.freshdesk(b'{"ticket_id": 424242}').status_code == 202
    assert hooks.rows()["deskroute_hints"] == before["deskroute_hints"] + 1
