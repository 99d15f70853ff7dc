"""Fixtures: the customers' words and a small triage model trained from the shipped data."""

from __future__ import annotations

from pathlib import Path

import pytest

from config.datasets import default_data_dir
from tests.differential.words import CustomerWords, train_group_model


@pytest.fixture(scope="session")
def bitext_dir() -> Path:
    """The datasets shipped in the package (never skipped: they are part of the repository)."""
    return default_data_dir()


@pytest.fixture(scope="session")
def words(bitext_dir: Path) -> CustomerWords:
    """What the customers of each category write."""
    return CustomerWords.from_bitext(bitext_dir)


@pytest.fixture(scope="session")
def group_model(bitext_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A triage model file for the group target, trained once per session."""
    return train_group_model(bitext_dir, tmp_path_factory.mktemp("model") / "group.npz")
