"""Help-desk connectors: one seam for HTTP, pure mapping, errors by what to do next."""

from connectors.base import Connector, PollPage, RosterSnapshot, WriteRequest, WriteResult
from connectors.errors import (
    ConflictError,
    ConnectorError,
    FatalError,
    RetriableError,
    SkippableError,
)
from connectors.outcomes import WriteOutcome

__all__ = [
    "ConflictError",
    "Connector",
    "ConnectorError",
    "FatalError",
    "PollPage",
    "RetriableError",
    "RosterSnapshot",
    "SkippableError",
    "WriteOutcome",
    "WriteRequest",
    "WriteResult",
]
