"""Fixtures of the console tests: a hand-moved clock (HTTP tests)."""

from __future__ import annotations

import pytest

from tests.sidecar.fakes import FakeClock


@pytest.fixture
def clock() -> FakeClock:
    """A hand-moved clock."""
    return FakeClock()
