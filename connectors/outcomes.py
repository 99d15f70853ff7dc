"""What became of one write-back, as one value: the writer acts on it, metrics count it.

Connectors answer a write with a ``WriteResult`` carrying one of these; an error raised
instead (``connectors.errors``) is turned into one by ``outcome_of``, the one table from
error class to outcome, so the outbox writer decides from a value, never from an exception
or a string.
"""

from __future__ import annotations

from enum import StrEnum

from connectors.errors import (
    AgentRefusedError,
    ConflictError,
    ConnectorError,
    FatalError,
    SkippableError,
)

AUTH_STATUSES = (401, 403)
"""The help desk refusing our credentials or their rights."""


class WriteOutcome(StrEnum):
    """What happened to one write, named by what the sidecar does next."""

    WRITTEN = "written"
    """The assignment is in the help desk: done."""
    CONFLICT = "conflict"
    """The ticket changed since we read it (a person, a trigger): re-read it once and settle
    (our write landed after all, a person owns it now, or it is decided again)."""
    AGENT_GONE = "agent_gone"
    """The help desk refused the chosen agent for this ticket (deleted, deactivated, no
    longer in the group): decide again without them."""
    RETRY_LATER = "retry_later"
    """Transient (429, 5xx, timeouts, a lost answer): send again after a backoff, parked
    once the attempts run out."""
    AUTH_PAUSED = "auth_paused"
    """The help desk refused our credentials: every write would fail alike, so the writer
    and the deciding jobs pause and nothing is parked (sidecar/access.py)."""
    PARKED = "parked"
    """This ticket cannot be written as asked (gone, frozen, invalid for the help desk) or
    our request is wrong: leave it to a person, with the reason."""


def refused_access(error: ConnectorError) -> bool:
    """True for the help desk refusing our credentials or their rights (401, 403)."""
    return isinstance(error, FatalError) and error.status in AUTH_STATUSES


def outcome_of(error: ConnectorError) -> WriteOutcome:
    """The outcome of a write that raised ``error`` (the one place this is decided)."""
    if isinstance(error, ConflictError):
        return WriteOutcome.CONFLICT
    if isinstance(error, AgentRefusedError):
        return WriteOutcome.AGENT_GONE
    if refused_access(error):
        return WriteOutcome.AUTH_PAUSED
    if isinstance(error, FatalError | SkippableError):
        return WriteOutcome.PARKED
    return WriteOutcome.RETRY_LATER
