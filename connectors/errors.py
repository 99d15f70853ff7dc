"""Connector errors, classified by what the caller should do about them.

- ``RetriableError``: try again later (429, 5xx, timeouts, resets); carries ``retry_after``.
  ``AmbiguousWriteError`` is the kind where a write may have landed although its answer was
  lost: the transport does not repeat it, the caller checks first.
  ``UnreachableError`` is the kind where nothing answered at all (refused, unknown host,
  timed out): retried like the others, but once retries run out it points at the address.
- ``FatalError``: stop and tell a human (bad credentials, missing permission, invalid config).
  ``WrongAddressError``: what answered is not the help desk's API (a web page, a login form).
- ``ConflictError``: the ticket changed underneath us; re-read it and decide again.
- ``SkippableError``: this one ticket cannot be handled (deleted, invalid for the desk);
  record it and go on with the batch. ``AgentRefusedError`` is the kind where the help desk
  refused the chosen agent (deleted, deactivated, not in the group): decide again.
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


class UnreachableError(RetriableError):
    """Nothing answered at the help desk's address: refused, unknown host or timed out."""


class AmbiguousWriteError(RetriableError):
    """A write was sent but its answer was lost (timed out, connection broken mid-answer):
    the help desk may have carried it out. Never sent again blindly: the caller re-reads
    the ticket first (the outbox writer does, before any second attempt)."""


class ShuttingDownError(RetriableError):
    """The process is stopping: a wait (retry backoff, rate budget, bulk job poll) was cut
    short. Whatever was under way is retried later, by this replica or the next leader,
    after a re-read (the outbox re-checks every row it sent before)."""


class FatalError(ConnectorError):
    """Permanent for every request: authentication, authorisation or configuration."""


class WrongAddressError(FatalError):
    """Something answered at the address, but not the help desk's API (HTML, a login page)."""


class ConflictError(ConnectorError):
    """The ticket was changed by someone else since we read it."""


class SkippableError(ConnectorError):
    """Permanent for this ticket only: skip it and carry on with the batch."""


class AgentRefusedError(SkippableError):
    """The help desk refused the chosen agent for this ticket: deleted or deactivated, or
    no longer a member of the ticket's group. The ticket is fine; another agent may take it."""
