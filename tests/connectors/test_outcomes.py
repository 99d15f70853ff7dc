"""Errors → write outcomes: the one table the outbox writer acts on."""

from __future__ import annotations

import pytest

from connectors.base import WriteResult
from connectors.errors import (
    AgentRefusedError,
    AmbiguousWriteError,
    ConflictError,
    ConnectorError,
    FatalError,
    RetriableError,
    ShuttingDownError,
    SkippableError,
    UnreachableError,
    WrongAddressError,
)
from connectors.outcomes import WriteOutcome, outcome_of


@pytest.mark.parametrize(
    ("error", "outcome"),
    [
        pytest.param(RetriableError("503", status=503), WriteOutcome.RETRY_LATER, id="5xx"),
        pytest.param(UnreachableError("refused"), WriteOutcome.RETRY_LATER, id="unreachable"),
        pytest.param(AmbiguousWriteError("lost"), WriteOutcome.RETRY_LATER, id="ambiguous"),
        pytest.param(ShuttingDownError("stop"), WriteOutcome.RETRY_LATER, id="shutting-down"),
        pytest.param(ConflictError("409", status=409), WriteOutcome.CONFLICT, id="conflict"),
        pytest.param(AgentRefusedError("422", status=422), WriteOutcome.AGENT_GONE,
                     id="agent-refused"),
        pytest.param(FatalError("401", status=401), WriteOutcome.AUTH_PAUSED, id="401"),
        pytest.param(FatalError("403", status=403), WriteOutcome.AUTH_PAUSED, id="403"),
        pytest.param(FatalError("422", status=422), WriteOutcome.PARKED, id="fatal-other"),
        pytest.param(WrongAddressError("html"), WriteOutcome.PARKED, id="wrong-address"),
        pytest.param(SkippableError("404", status=404), WriteOutcome.PARKED, id="skippable"),
        pytest.param(SkippableError("403", status=403), WriteOutcome.PARKED,
                     id="one-ticket-hidden-is-not-auth"),
    ],
)  # fmt: skip
def test_each_error_has_one_outcome(error: ConnectorError, outcome: WriteOutcome) -> None:
    assert outcome_of(error) is outcome


def test_a_result_from_an_error_keeps_what_the_writer_needs() -> None:
    result = WriteResult.of_error("7", RetriableError("429", status=429, retry_after=30))
    assert result.outcome is WriteOutcome.RETRY_LATER and not result.ok
    assert (result.detail, result.status, result.retry_after) == ("429", 429, 30)
