"""Whatever goes wrong under a face is answered in that vendor's error shape, never FastAPI's.

Zendesk: unknown endpoints (also a method a path does not take) are ``404 InvalidEndpoint``
as recorded answers show (cloudbees-oss/zendesk-java-client#111, facetoe/zenpy#227), a
missing record ``404 RecordNotFound`` (developer.zendesk.com/api-reference/introduction/
requests/), a malformed value ``400 InvalidValue``. Freshdesk (developer.freshdesk.com/api/
#error): ``404`` for an invalid URL or id, ``405`` for a wrong verb, ``400 Validation
failed`` with ``errors[{field, message, code}]`` for a bad parameter.
"""

from __future__ import annotations

from typing import Any

import pytest
import requests

from sandbox import SandboxHandle

NOT_FOUND = {"error": "RecordNotFound", "description": "Not found"}
INVALID_ENDPOINT = {"error": "InvalidEndpoint", "description": "Not found"}


@pytest.mark.parametrize(
    ("method", "path", "params", "status", "body"),
    [
        pytest.param("GET", "/no_such_thing.json", {}, 404, INVALID_ENDPOINT, id="unknown-path"),
        pytest.param("GET", "/api/v3/tickets.json", {}, 404, INVALID_ENDPOINT, id="wrong-version"),
        pytest.param("DELETE", "/tickets.json", {}, 404, INVALID_ENDPOINT, id="wrong-method"),
        pytest.param("POST", "/users/me.json", {}, 404, INVALID_ENDPOINT, id="post-to-a-getter"),
        pytest.param("GET", "/tickets/abc.json", {}, 404, NOT_FOUND, id="non-numeric-id"),
        pytest.param("GET", "/users/424242.json", {}, 404, NOT_FOUND, id="missing-user"),
        pytest.param("GET", "/groups/424242.json", {}, 404, NOT_FOUND, id="missing-group"),
        pytest.param(
            "GET", "/group_memberships/424242.json", {}, 404, NOT_FOUND, id="missing-membership"
        ),
        pytest.param(
            "GET",
            "/tickets/424242/comments.json",
            {},
            404,
            NOT_FOUND,
            id="comments-of-a-missing-ticket",
        ),
        pytest.param(
            "GET",
            "/tickets/424242/audits.json",
            {},
            404,
            NOT_FOUND,
            id="audits-of-a-missing-ticket",
        ),
        pytest.param(
            "GET",
            "/tickets/424242/metrics.json",
            {},
            404,
            NOT_FOUND,
            id="metrics-of-a-missing-ticket",
        ),
        pytest.param(
            "GET", "/ticket_metrics/424242.json", {}, 404, NOT_FOUND, id="missing-metric-set"
        ),
        pytest.param(
            "GET", "/tickets/1/audits/424242.json", {}, 404, NOT_FOUND, id="missing-audit"
        ),
    ],
)
def test_zendesk_face_answers_in_zendesk_shape(
    zd: requests.Session,
    desk: SandboxHandle,
    method: str,
    path: str,
    params: dict[str, Any],
    status: int,
    body: dict[str, str],
) -> None:
    url = (
        f"{desk.zendesk_url}{path}"
        if path.startswith("/api/v3")
        else f"{desk.zendesk_url}/api/v2{path}"
    )
    response = zd.request(method, url, params=params)
    assert (response.status_code, response.json()) == (status, body)


@pytest.mark.parametrize(
    ("path", "params"),
    [
        pytest.param("/tickets.json", {"page": "two"}, id="offset-page"),
        pytest.param("/groups.json", {"per_page": "many"}, id="per-page"),
        pytest.param("/tickets/1/audits.json", {"page[size]": "x"}, id="cursor-size"),
        pytest.param("/users.json", {"role[]": "owner"}, id="unknown-role"),
    ],
)
def test_zendesk_bad_parameters_are_invalid_value(
    zd: requests.Session, desk: SandboxHandle, path: str, params: dict[str, str]
) -> None:
    response = zd.get(f"{desk.zendesk_url}/api/v2{path}", params=params)
    assert response.status_code == 400
    assert response.json()["error"] == "InvalidValue" and "detail" not in response.json()


@pytest.mark.parametrize(
    ("method", "path", "status", "code"),
    [
        pytest.param("GET", "/no_such_thing", 404, "not_found", id="unknown-path"),
        pytest.param("GET", "/tickets/abc", 404, "not_found", id="non-numeric-id"),
        pytest.param("GET", "/agents/424242", 404, "not_found", id="missing-agent"),
        pytest.param("GET", "/groups/424242", 404, "not_found", id="missing-group"),
        pytest.param("GET", "/contacts/424242", 404, "not_found", id="missing-contact"),
        pytest.param(
            "GET",
            "/tickets/424242/conversations",
            404,
            "not_found",
            id="conversations-of-a-missing-ticket",
        ),
        pytest.param("PUT", "/tickets", 405, "method_not_allowed", id="put-on-the-list"),
        pytest.param("DELETE", "/agents/me", 405, "method_not_allowed", id="delete-me"),
    ],
)
def test_freshdesk_face_answers_in_the_flat_shape(
    fd: requests.Session, desk: SandboxHandle, method: str, path: str, status: int, code: str
) -> None:
    response = fd.request(method, f"{desk.freshdesk_url}/api/v2{path}")
    assert response.status_code == status
    assert response.json()["code"] == code and response.json()["message"]
    assert "detail" not in response.json()


def test_freshdesk_405_names_the_allowed_methods(fd: requests.Session, desk: SandboxHandle) -> None:
    response = fd.put(f"{desk.freshdesk_url}/api/v2/tickets")
    assert set(response.headers["allow"].replace(" ", "").split(",")) == {"GET", "POST"}


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        pytest.param("/tickets", {"filter": "all_tickets"}, "filter", id="unknown-filter"),
        pytest.param("/tickets", {"include": "company"}, "include", id="include-not-on-lists"),
        pytest.param("/tickets/1", {"include": "everything"}, "include", id="unknown-include"),
        pytest.param(
            "/tickets/1/conversations", {"per_page": 101}, "per_page", id="conversations-per-page"
        ),
        pytest.param("/agents", {"page": "x"}, "page", id="agents-page"),
    ],
)
def test_freshdesk_bad_parameters_are_validation_errors(
    fd: requests.Session, desk: SandboxHandle, path: str, params: dict[str, Any], field: str
) -> None:
    response = fd.get(f"{desk.freshdesk_url}/api/v2{path}", params=params)
    assert response.status_code == 400
    body = response.json()
    assert body["description"] == "Validation failed"
    assert [e["field"] for e in body["errors"]] == [field]


def test_the_control_api_keeps_fastapis_own_shape(desk: SandboxHandle) -> None:
    response = requests.get(f"{desk.control_url}/no_such_knob", timeout=5)
    assert response.status_code == 404 and "detail" in response.json()
