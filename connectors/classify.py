"""Turn an HTTP failure into the connector error that says what the caller should do.

One table for every help desk: 429/5xx/408 are retriable, 401/403 fatal, 409 a conflict,
404/405/410 skippable (the ticket is gone or frozen), 400/422 skippable when the request
concerned one ticket (its data is invalid) and fatal otherwise (our request is wrong).
Both vendors' error bodies are read for a short, secret-free message.
"""

from __future__ import annotations

import json
from typing import Any

from connectors.errors import (
    ConflictError,
    ConnectorError,
    FatalError,
    RetriableError,
    SkippableError,
)

RETRIABLE = frozenset({408, 425, 429, 500, 502, 503, 504})
FATAL = frozenset({401, 403, 406, 415})
SKIPPABLE = frozenset({404, 405, 410})
VALIDATION = frozenset({400, 422})
MAX_MESSAGE = 300


def error_message(body: str) -> str:
    """A one-line summary of a Zendesk or Freshdesk error body (or plain text)."""
    try:
        data: Any = json.loads(body)
    except ValueError:
        return " ".join(body.split())[:MAX_MESSAGE]
    if not isinstance(data, dict):
        return str(data)[:MAX_MESSAGE]
    return _summarise(data)[:MAX_MESSAGE]


def _summarise(data: dict[str, Any]) -> str:
    parts: list[str] = []
    error = data.get("error")
    if isinstance(error, dict):  # Zendesk {"error": {"title", "message"}}
        parts += [str(error.get("title", "")), str(error.get("message", ""))]
    elif error:  # Zendesk {"error": "RecordInvalid", "description", "details"}
        parts.append(str(error))
    for key in ("description", "message", "code"):
        if data.get(key):
            parts.append(str(data[key]))
    parts += _field_errors(data.get("errors")) + _field_errors(data.get("details"))
    return ": ".join(part for part in parts if part) or "no error detail"


def _field_errors(value: Any) -> list[str]:
    """Freshdesk ``errors: [{field, message, code}]`` or Zendesk ``details: {field: [...]}``."""
    if isinstance(value, list):
        return [
            f"{item.get('field', '')} {item.get('message', '')} ({item.get('code', '')})".strip()
            for item in value
            if isinstance(item, dict)
        ]
    if isinstance(value, dict):
        found = []
        for field, problems in value.items():
            items = problems if isinstance(problems, list) else [problems]
            for item in items:
                text = item.get("description", item) if isinstance(item, dict) else item
                found.append(f"{field}: {text}")
        return found
    return []


def classify(
    status: int,
    body: str,
    *,
    per_ticket: bool = False,
    retry_after: float | None = None,
) -> ConnectorError:
    """The error for an HTTP ``status`` with ``body``; ``per_ticket`` marks one-ticket requests."""
    message = f"HTTP {status}: {error_message(body)}"
    if status in RETRIABLE or status >= 500:
        return RetriableError(message, status=status, retry_after=retry_after)
    if status in FATAL:
        return FatalError(message, status=status)
    if status == 409:
        return ConflictError(message, status=status)
    if status in SKIPPABLE or (status in VALIDATION and per_ticket):
        return SkippableError(message, status=status)
    return FatalError(message, status=status)


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header (delta-seconds form); None when absent or odd."""
    if value is None:
        return None
    try:
        return max(0.0, float(value.strip()))
    except ValueError:
        return None
