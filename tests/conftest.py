"""Suite-wide test settings: Hypothesis runs derandomized so every run checks the same cases,
the leak guard fails any test whose captured output shows a secret value, and root logging
is put back after each test."""

import logging
from collections.abc import Iterator

import pytest
from hypothesis import settings

from tests.leak_guard import pytest_runtest_makereport

__all__ = ["pytest_runtest_makereport"]

settings.register_profile("deskroute", derandomize=True, print_blob=True)
settings.load_profile("deskroute")


@pytest.fixture(autouse=True)
def restore_root_logging() -> Iterator[None]:
    """A CLI command run in-process (``deskroute run``) points root logging at the runner's
    stream; without this, later tests would log into that closed stream."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
