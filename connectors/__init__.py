"""Help-desk connectors: one seam for HTTP, pure mapping, errors by what to do next."""

from connectors.base import (
    Connector,
    Listed,
    PollPage,
    RosterSnapshot,
    UnassignedPage,
    WriteRequest,
    WriteResult,
)
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
    "Listed",
    "PollPage",
    "RetriableError",
    "RosterSnapshot",
    "SkippableError",
    "UnassignedPage",
    "WriteOutcome",
    "WriteRequest",
    "WriteResult",
]
