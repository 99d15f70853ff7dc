"""What every vendor's webhook parser returns, and the error for a request to refuse."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from connectors.values import parse_time


class WebhookError(Exception):
    """The request is not an acceptable webhook; answer with ``status`` (a 4xx)."""

    def __init__(self, message: str, *, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True, kw_only=True, slots=True)
class WebhookEvent:
    """A ticket changed: which one, what happened, and a key to drop duplicate deliveries."""

    ticket_id: str
    event: str
    updated_at: datetime | None = None
    delivery_id: str | None = None

    @property
    def dedupe_key(self) -> str:
        """Same delivery id, or same ticket and update time, means the same event."""
        if self.delivery_id:
            return self.delivery_id
        stamp = self.updated_at.isoformat() if self.updated_at else ""
        return f"{self.ticket_id}@{stamp}:{self.event}"


def json_object(body: bytes) -> dict[str, Any]:
    """The body as a JSON object, or a 400 ``WebhookError``."""
    try:
        data: Any = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise WebhookError("webhook body is not JSON") from None
    if not isinstance(data, dict):
        raise WebhookError("webhook body must be a JSON object")
    return data


def lowered(headers: Mapping[str, str] | None) -> dict[str, str]:
    """Header names in lower case (HTTP header names are case-insensitive)."""
    return {key.lower(): value for key, value in (headers or {}).items()}


def time_or_none(value: Any) -> datetime | None:
    """A timestamp from a webhook field; unparsable means unknown, not an error."""
    try:
        return parse_time(value)
    except ValueError:
        return None
