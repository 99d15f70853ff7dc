"""Suite-wide test settings: Hypothesis runs derandomized so every run checks the same cases,
and the leak guard fails any test whose captured output shows a secret value."""

from hypothesis import settings

from tests.leak_guard import pytest_runtest_makereport

__all__ = ["pytest_runtest_makereport"]

settings.register_profile("deskroute", derandomize=True, print_blob=True)
settings.load_profile("deskroute")
