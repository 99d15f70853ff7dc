"""Every connection error names the request it was: method, host and path — never a secret.

A wrong base URL, a wrong host or a closed port must show in the message itself, so whoever
reads a log line or a command's error knows which address to fix.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest
import requests
import responses
from pydantic import SecretStr

from config.settings import RtSettings
from connectors.classify import request_label
from connectors.errors import (
    FatalError,
    RetriableError,
    SkippableError,
    UnreachableError,
    WrongAddressError,
)
from connectors.rt import from_settings
from tests.connectors.fakes import SECRET_TOKEN, ZENDESK, transport
from tests.secret_values import RT_TOKEN

ME = "/api/v2/users/me.json"


@pytest.mark.parametrize(
    ("status", "body", "error", "expected"),
    [
        pytest.param(
            404,
            {"error": "RecordNotFound", "description": "Not found"},
            SkippableError,
            f"GET {ZENDESK}{ME}: HTTP 404: RecordNotFound: Not found",
            id="404",
        ),
        pytest.param(
            401,
            {"error": "Couldn't authenticate you"},
            FatalError,
            f"GET {ZENDESK}{ME}: HTTP 401: Couldn't authenticate you",
            id="401",
        ),
        pytest.param(
            503,
            {"error": "ServiceUnavailable"},
            RetriableError,
            f"GET {ZENDESK}{ME}: HTTP 503: ServiceUnavailable",
            id="503",
        ),
    ],
)
@responses.activate
def test_http_errors_start_with_the_request(
    status: int, body: dict[str, str], error: type, expected: str
) -> None:
    responses.get(f"{ZENDESK}{ME}", status=status, json=body)
    with pytest.raises(error) as caught:
        transport(attempts=1).send("GET", ME)
    assert str(caught.value) == expected


@responses.activate
def test_rate_limited_names_the_request() -> None:
    responses.get(f"{ZENDESK}{ME}", status=429, headers={"Retry-After": "1"})
    with pytest.raises(RetriableError) as caught:
        transport(attempts=1).send("GET", ME)
    assert str(caught.value) == f"GET {ZENDESK}{ME}: HTTP 429: rate limited"


@responses.activate
def test_query_strings_stay_out_of_messages() -> None:
    responses.get(f"{ZENDESK}/api/v2/search.json", status=400, json={"error": "Invalid"})
    with pytest.raises(FatalError) as caught:
        transport(attempts=1).send(
            "GET",
            "/api/v2/search.json",
            params={"query": "requester:someone", "token": SECRET_TOKEN},
        )
    assert str(caught.value) == f"GET {ZENDESK}/api/v2/search.json: HTTP 400: Invalid"


@responses.activate
def test_a_followed_next_link_is_named_without_its_cursor() -> None:
    link = f"{ZENDESK}/api/v2/users.json?page%5Bafter%5D=opaque-cursor"
    responses.get(link, status=500)
    with pytest.raises(RetriableError) as caught:
        transport(attempts=1).send("GET", link)
    assert str(caught.value).startswith(f"GET {ZENDESK}/api/v2/users.json: HTTP 500")
    assert "opaque-cursor" not in str(caught.value)


@pytest.mark.parametrize(
    ("url", "label"),
    [
        pytest.param(
            "https://bot:pw@acme.test:8443/api/v2/x.json?token=t#f",
            "PUT https://acme.test:8443/api/v2/x.json",
            id="userinfo-query-fragment",
        ),
        pytest.param(
            "http://[::1]:8765/zendesk/api/v2", "PUT http://[::1]:8765/zendesk/api/v2", id="ipv6"
        ),
        pytest.param("/relative/path?x=1", "PUT /relative/path", id="relative"),
    ],
)
def test_request_label_keeps_only_method_origin_and_path(url: str, label: str) -> None:
    assert request_label("put", url) == label


@pytest.mark.parametrize(
    ("failure", "kind", "words"),
    [
        pytest.param(
            requests.ConnectTimeout("connect timed out"),
            UnreachableError,
            "no connection within 2s",
            id="connect-timeout",
        ),
        pytest.param(
            requests.ReadTimeout("read timed out"),
            RetriableError,
            "no answer within 2s",
            id="read-timeout",
        ),
        pytest.param(
            requests.ConnectionError("Failed to resolve 'acme.zendesk.test'"),
            UnreachableError,
            "host name could not be resolved",
            id="unknown-host",
        ),
        pytest.param(
            requests.ConnectionError("Connection reset by peer"),
            RetriableError,
            "connection reset",
            id="reset",
        ),
        pytest.param(
            requests.exceptions.ChunkedEncodingError("cut"),
            RetriableError,
            "connection broke while reading",
            id="cut-body",
        ),
    ],
)
@responses.activate
def test_transport_failures_name_the_request(failure: Exception, kind: type, words: str) -> None:
    responses.get(f"{ZENDESK}{ME}", body=failure)
    with pytest.raises(RetriableError) as caught:
        transport(attempts=1).send("GET", ME)
    assert type(caught.value) is kind
    assert str(caught.value).startswith(f"GET {ZENDESK}{ME}: ") and words in str(caught.value)


@pytest.fixture
def closed_port() -> Iterator[int]:
    """A loopback port bound but not listening: connecting to it is refused."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as held:
        held.bind(("127.0.0.1", 0))
        yield held.getsockname()[1]


def test_connection_refused_names_host_port_and_path(closed_port: int) -> None:
    base = f"http://127.0.0.1:{closed_port}/zendesk"
    with pytest.raises(UnreachableError) as caught:
        transport(base, attempts=1).send("GET", ME)
    assert str(caught.value) == (
        f"GET {base}{ME}: connection failed (connection refused: nothing listens there)"
    )


def test_rt_errors_name_the_rest2_address(closed_port: int) -> None:
    base = f"http://127.0.0.1:{closed_port}"
    rt = from_settings(
        RtSettings(base_url=base, token=SecretStr(RT_TOKEN), queues=("Billing",)),
        requests.Session(),
        sleep=lambda _: None,
        clock=lambda: 0.0,
    )
    with pytest.raises(UnreachableError) as caught:
        rt.poll(None)
    assert f"GET {base}/REST/2.0/tickets: connection failed" in str(caught.value)


@responses.activate
def test_rt_refusals_name_the_rest2_address() -> None:
    responses.get(
        "https://rt.example.com/REST/2.0/queue/Billing", status=403, json={"message": "Forbidden"}
    )
    rt = from_settings(
        RtSettings(
            base_url="https://rt.example.com/REST/2.0",
            token=SecretStr(RT_TOKEN),
            queues=("Billing",),
        ),
        requests.Session(),
        sleep=lambda _: None,
        clock=lambda: 0.0,
    )
    with pytest.raises(FatalError) as caught:
        rt.queues()
    assert str(caught.value) == (
        "GET https://rt.example.com/REST/2.0/queue/Billing: HTTP 403: Forbidden"
    )


@responses.activate
def test_a_web_page_is_the_wrong_address_not_a_decoding_error() -> None:
    responses.get(
        f"{ZENDESK}{ME}",
        body="<!doctype html><title>Sign in</title>",
        content_type="text/html; charset=utf-8",
    )
    with pytest.raises(WrongAddressError) as caught:
        transport(attempts=1).send("GET", ME)
    assert str(caught.value) == f"GET {ZENDESK}{ME}: answered a web page, not the help desk's API"


@responses.activate
def test_an_html_error_page_is_named_not_dumped() -> None:
    responses.get(
        f"{ZENDESK}{ME}", status=404, body="<html><body>" + "x" * 500, content_type="text/html"
    )
    with pytest.raises(SkippableError) as caught:
        transport(attempts=1).send("GET", ME)
    assert str(caught.value) == (
        f"GET {ZENDESK}{ME}: HTTP 404: a web page (HTML), not the API's JSON"
    )
