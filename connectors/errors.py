"""Connector errors, classified by what the caller should do about them.

- ``RetriableError``: try again later (429, 5xx, timeouts, resets); carries ``retry_after``.
- ``FatalError``: stop and tell a human (bad credentials, missing permission, invalid config).
- ``ConflictError``: the ticket changed underneath us; re-read it and decide again.
- ``SkippableError``: this one ticket cannot be handled (deleted, invalid for the desk);
  record it and go on with the batch.
"""

from __future__ import annotations


class ConnectorError(Exception):
    """Base of every connector error; ``status`` is the HTTP status when there was one."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class RetriableError(ConnectorError):
    """Transient: the same request may succeed later."""

    def __init__(
        self, message: str, *, status: int | None = None, retry_after: float | None = None
    ) -> None:
        super().__init__(message, status=status)
        self.retry_after = retry_after


class FatalError(ConnectorError):
    """Permanent for every request: authentication, authorisation or configuration."""


class ConflictError(ConnectorError):
    """The ticket was changed by someone else since we read it."""


class SkippableError(ConnectorError):
    """Permanent for this ticket only: skip it and carry on with the batch."""
