"""What every vendor's webhook parser returns, and the error for a request to refuse."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


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
