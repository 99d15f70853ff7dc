"""What every vendor's webhook parser returns, and the error for a request to refuse."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
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
    fingerprint: str | None = None
    """What makes this very request unique and cannot be forged (Zendesk: its signature,
    over the timestamp and the body): a replay of a captured request carries the same."""

    @property
    def replay_keys(self) -> tuple[str, ...]:
        """Keys under which a delivery is remembered to refuse it a second time: the
        delivery id (a sender's retry) and the fingerprint (a replay, whatever id header
        the replayer sends)."""
        keys = (("id", self.delivery_id), ("sig", self.fingerprint))
        return tuple(f"{kind}:{_digest(value)}" for kind, value in keys if value)

    @property
    def dedupe_key(self) -> str:
        """Same delivery id, or same ticket and update time, means the same event."""
        if self.delivery_id:
            return self.delivery_id
        stamp = self.updated_at.isoformat() if self.updated_at else ""
        return f"{self.ticket_id}@{stamp}:{self.event}"


def _digest(value: str) -> str:
    """A fixed-length key for a value of any length the sender chose."""
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()


TICKET_ID = re.compile(r"[0-9]{1,20}")
"""A help-desk ticket id sent as a string: ASCII digits, as wide as a 64-bit integer."""
MAX_NUMERIC_ID = 2**53 - 1
"""The largest ticket id taken as a JSON number."""


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def json_object(body: bytes) -> dict[str, Any]:
    """The body as a JSON object, or a 400 ``WebhookError`` saying what is wrong with it."""
    try:
        data: Any = json.loads(body, parse_constant=_no_constants)
    except UnicodeDecodeError:
        raise WebhookError("webhook body is not UTF-8 text") from None
    except RecursionError:
        raise WebhookError("webhook body is nested too deeply") from None
    except json.JSONDecodeError as error:
        raise WebhookError(f"webhook body is not JSON: {error}") from None
    except ValueError:
        raise WebhookError(
            "webhook body is not JSON: NaN, Infinity or an over-long number"
        ) from None
    if not isinstance(data, dict):
        raise WebhookError(f"webhook body must be a JSON object, not {_json_kind(data)}")
    return data


def _json_kind(value: Any) -> str:
    kinds = {list: "an array", str: "a string", bool: "a boolean", type(None): "null"}
    return kinds.get(type(value), "a number")


def ticket_id(value: Any, where: str) -> str:
    """A ticket id from a webhook field, or a 400 naming ``where``.

    A string must be 1 to 20 ASCII digits; a JSON number must be a whole number from 1 to
    ``MAX_NUMERIC_ID`` (a double holds it exactly, and JSON does not tell 7 from 7.0).
    Leading zeros are dropped (``"0001"`` is ticket ``"1"``, as the help desk reads it),
    so one ticket is one hint however it is spelt; zero is no ticket.
    """
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value) if 1 <= value <= MAX_NUMERIC_ID else ""
    if not (isinstance(value, str) and TICKET_ID.fullmatch(value)) or not value.strip("0"):
        raise WebhookError(f"webhook body names no numeric ticket id ({where})")
    return value.lstrip("0")


def text_or(value: Any, default: str) -> str:
    """A string field of a webhook body, or ``default`` when it is absent or not a string."""
    return value if isinstance(value, str) and value else default


def lowered(headers: Mapping[str, str] | None) -> dict[str, str]:
    """Header names in lower case (HTTP header names are case-insensitive)."""
    return {key.lower(): value for key, value in (headers or {}).items()}


def time_or_none(value: Any) -> datetime | None:
    """A timestamp (UTC) from a webhook field; unparsable or out of range means unknown."""
    try:
        moment = parse_time(value)
        return None if moment is None else moment.astimezone(UTC)
    except (ValueError, TypeError, OverflowError, OSError):
        return None
