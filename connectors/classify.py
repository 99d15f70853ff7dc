"""Turn an HTTP failure into the connector error that says what the caller should do.

One table for every help desk: 429/5xx/408 are retriable, 401/403 fatal, 409 a conflict,
404/405/410 skippable (the ticket is gone or frozen), 400/422 skippable when the request
concerned one ticket (its data is invalid) and fatal otherwise (our request is wrong).
A one-ticket validation error whose field is the assignee (Zendesk's 422 ``RecordInvalid``
with ``details.assignee``, as for an agent deleted or no longer in the ticket's group;
Freshdesk's 400 ``Validation failed`` with an ``errors`` item for ``responder_id``) is an
``AgentRefusedError``: the ticket can be decided again without that agent.
Both vendors' error bodies are read for a short, secret-free message, which starts with the
request that failed (``GET https://acme.zendesk.com/api/v2/users/me.json``) so a wrong base
URL or host shows in every error; user names, passwords and query strings are left out.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

from connectors.errors import (
    AgentRefusedError,
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
AGENT_FIELDS = frozenset({"assignee", "assignee_id", "responder_id"})
"""Fields a validation error names when the help desk refuses the chosen agent: Zendesk's
``details`` key (``assignee``, ``assignee_id``), Freshdesk's ``errors[].field``."""
AGENT_WORDS = ("assignee", "responder")
"""Words by which a bulk job's failure names the chosen agent (Zendesk's assignee,
Freshdesk's responder)."""


def request_label(method: str, url: str) -> str:
    """``METHOD scheme://host[:port]/path`` of a request, without credentials or query."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return f"{method.upper()} {url.split('?', 1)[0].rsplit('@', 1)[-1]}"
    if ":" in host:  # an IPv6 literal keeps its brackets
        host = f"[{host}]"
    origin = f"{parts.scheme}://{host}{port}" if parts.scheme else ""
    return f"{method.upper()} {origin}{parts.path}"


def error_message(body: str) -> str:
    """A one-line summary of a Zendesk or Freshdesk error body (or plain text)."""
    if body.lstrip()[:1] == "<":
        return "a web page (HTML), not the API's JSON"
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


def refuses_agent(body: str) -> bool:
    """True when a validation error body names the assignee field (see ``AGENT_FIELDS``)."""
    try:
        data: Any = json.loads(body)
    except ValueError:
        return False
    if not isinstance(data, dict):
        return False
    details, errors = data.get("details"), data.get("errors")
    fields = set(details) if isinstance(details, dict) else set()
    if isinstance(errors, list):
        fields |= {str(item.get("field")) for item in errors if isinstance(item, dict)}
    return bool(fields & AGENT_FIELDS)


def names_agent(reason: str) -> bool:
    """True when a bulk job's per-ticket failure names the assignee. A job result carries
    words only (Zendesk's ``details``, Freshdesk's ``message``), not the field-keyed body of
    a single update, so the words decide: "Assignee is not a member of the group"."""
    words = reason.lower()
    return any(word in words for word in AGENT_WORDS)


def classify(
    status: int,
    body: str,
    *,
    per_ticket: bool = False,
    retry_after: float | None = None,
    request: str = "",
) -> ConnectorError:
    """The error for an HTTP ``status`` with ``body``; ``per_ticket`` marks one-ticket requests.

    ``request`` (a ``request_label``) starts the message, so it names what was asked of whom.
    """
    message = f"{request}: " if request else ""
    message += f"HTTP {status}: {error_message(body)}"
    if status in RETRIABLE or status >= 500:
        return RetriableError(message, status=status, retry_after=retry_after)
    if status in FATAL:
        return FatalError(message, status=status)
    if status == 409:
        return ConflictError(message, status=status)
    if status in VALIDATION and per_ticket and refuses_agent(body):
        return AgentRefusedError(message, status=status)
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
