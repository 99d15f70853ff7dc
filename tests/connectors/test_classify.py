"""HTTP status → what the caller should do, and short messages from both vendors' bodies."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from connectors.classify import classify, error_message, parse_retry_after
from connectors.errors import (
    AgentRefusedError,
    ConflictError,
    FatalError,
    RetriableError,
    SkippableError,
)


@pytest.mark.parametrize(
    ("status", "per_ticket", "expected"),
    [
        pytest.param(500, False, RetriableError, id="500-retriable"),
        pytest.param(502, False, RetriableError, id="502-retriable"),
        pytest.param(503, True, RetriableError, id="503-retriable"),
        pytest.param(504, False, RetriableError, id="504-retriable"),
        pytest.param(408, False, RetriableError, id="408-retriable"),
        pytest.param(429, False, RetriableError, id="429-retriable"),
        pytest.param(401, True, FatalError, id="401-fatal-auth"),
        pytest.param(403, True, FatalError, id="403-fatal-permission"),
        pytest.param(406, False, FatalError, id="406-fatal-accept"),
        pytest.param(409, True, ConflictError, id="409-conflict"),
        pytest.param(404, True, SkippableError, id="404-skippable-gone"),
        pytest.param(405, True, SkippableError, id="405-skippable-spam-or-deleted"),
        pytest.param(400, True, SkippableError, id="400-ticket-data-skippable"),
        pytest.param(422, True, SkippableError, id="422-ticket-data-skippable"),
        pytest.param(400, False, FatalError, id="400-our-request-fatal"),
        pytest.param(422, False, FatalError, id="422-our-request-fatal"),
        pytest.param(418, False, FatalError, id="unknown-4xx-fatal"),
    ],
)
def test_status_maps_to_error_class(status: int, per_ticket: bool, expected: type) -> None:
    error = classify(status, "{}", per_ticket=per_ticket)
    assert type(error) is expected
    assert error.status == status


ZENDESK_ASSIGNEE = {
    "error": "RecordInvalid",
    "description": "Record validation errors",
    "details": {"assignee": [{"description": "Assignee: is not a member of the group"}]},
}
FRESHDESK_RESPONDER = {
    "description": "Validation failed",
    "errors": [{"field": "responder_id", "message": "There is no agent with this id", "code": "x"}],
}


@pytest.mark.parametrize(
    ("status", "body", "per_ticket", "expected"),
    [
        pytest.param(422, ZENDESK_ASSIGNEE, True, AgentRefusedError, id="zendesk-assignee"),
        pytest.param(400, FRESHDESK_RESPONDER, True, AgentRefusedError, id="freshdesk-responder"),
        pytest.param(422, {"details": {"assignee_id": ["gone"]}}, True, AgentRefusedError,
                     id="zendesk-assignee-id"),
        pytest.param(422, {"details": {"group": ["invalid"]}}, True, SkippableError,
                     id="another-field-skippable"),
        pytest.param(422, ZENDESK_ASSIGNEE, False, FatalError, id="not-one-ticket-fatal"),
        pytest.param(404, FRESHDESK_RESPONDER, True, SkippableError, id="not-validation"),
        pytest.param(422, "not json", True, SkippableError, id="plain-text-body"),
    ],
)  # fmt: skip
def test_a_refused_assignee_is_told_apart(
    status: int, body: object, per_ticket: bool, expected: type
) -> None:
    """A one-ticket validation error naming the assignee means: decide again without them."""
    text = body if isinstance(body, str) else json.dumps(body)
    assert type(classify(status, text, per_ticket=per_ticket)) is expected


@pytest.mark.parametrize(
    ("body", "fragments"),
    [
        pytest.param(
            {"error": "RecordNotFound", "description": "Not found"},
            ["RecordNotFound", "Not found"],
            id="zendesk-error-description",
        ),
        pytest.param(
            {
                "error": "RecordInvalid",
                "description": "Record validation errors",
                "details": {
                    "assignee": [
                        {
                            "description": "Assignee: is not a member of the group",
                            "error": "InvalidValue",
                        }
                    ]
                },
            },
            ["RecordInvalid", "assignee: Assignee: is not a member"],
            id="zendesk-details",
        ),
        pytest.param(
            {"error": {"title": "Invalid attribute", "message": "page must be an integer"}},
            ["Invalid attribute", "page must be an integer"],
            id="zendesk-nested-error",
        ),
        pytest.param(
            {
                "description": "Validation failed",
                "errors": [
                    {
                        "field": "page",
                        "message": "You cannot access tickets beyond the 300th page",
                        "code": "invalid_value",
                    }
                ],
            },
            ["Validation failed", "page You cannot access", "(invalid_value)"],
            id="freshdesk-validation",
        ),
        pytest.param(
            {"code": "access_denied", "message": "You are not authorized"},
            ["You are not authorized", "access_denied"],
            id="freshdesk-flat",
        ),
    ],
)
def test_error_bodies_of_both_vendors_are_summarised(body: dict, fragments: list[str]) -> None:
    message = error_message(json.dumps(body))
    for fragment in fragments:
        assert fragment in message


def test_plain_text_body_is_kept_on_one_line() -> None:
    assert (
        error_message("Number of allowed API requests\n per minute exceeded")
        == "Number of allowed API requests per minute exceeded"
    )


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        pytest.param("7", 7.0, id="integer"),
        pytest.param(" 1.5 ", 1.5, id="fraction"),
        pytest.param(None, None, id="absent"),
        pytest.param("soon", None, id="garbage"),
        pytest.param("-3", 0.0, id="negative-clamped"),
    ],
)
def test_retry_after_header(header: str | None, seconds: float | None) -> None:
    assert parse_retry_after(header) == seconds


@given(st.integers(400, 599), st.booleans(), st.text(max_size=200))
def test_every_failure_status_gets_exactly_one_class(
    status: int, per_ticket: bool, body: str
) -> None:
    error = classify(status, body, per_ticket=per_ticket)
    kinds = [RetriableError, FatalError, ConflictError, SkippableError]
    assert sum(isinstance(error, kind) for kind in kinds) == 1
    if status >= 500:
        assert isinstance(error, RetriableError)
    assert len(str(error)) <= 320  # bounded, whatever the body
