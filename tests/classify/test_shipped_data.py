"""The datasets ship with the code: in the repository, with their licences, and in the wheel."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from config.datasets import DATASETS, dataset_available, default_data_dir

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ["cli", "config", "connectors", "router", "sandbox", "sidecar", "simulation"]


def test_the_default_data_directory_is_inside_the_config_package_and_holds_every_dataset() -> None:
    assert default_data_dir() == ROOT / "config" / "data"
    assert [name for name in DATASETS if not dataset_available(name, default_data_dir())] == []


@pytest.mark.parametrize("name", list(DATASETS))
def test_each_dataset_carries_its_licence_and_source_and_matches_the_published_checksums(
    name: str,
) -> None:
    folder = default_data_dir() / DATASETS[name].directory
    assert (folder / "LICENSE").read_text(encoding="utf-8").strip()
    source = (folder / "SOURCE.md").read_text(encoding="utf-8")
    listed = dict(re.findall(r"^\s+- (\S+) ([0-9a-f]{64})$", source, flags=re.MULTILINE))
    assert len(listed) == len(DATASETS[name].files) + (name == "banking77")  # + categories.json
    for file in folder.iterdir():
        digest = hashlib.sha256(file.read_bytes()).hexdigest()
        if file.suffix in {".csv", ".json"}:
            assert digest in listed.values(), f"{file.name} differs from the published file"


def _build_wheel(tmp_path: Path) -> Path:
    """A wheel built from a copy of the sources (the worktree stays clean)."""
    source = tmp_path / "src"
    source.mkdir()
    for name in ["pyproject.toml", "README.md"]:
        shutil.copy2(ROOT / name, source / name)
    for package in PACKAGES:
        ignore = shutil.ignore_patterns("__pycache__")
        shutil.copytree(ROOT / package, source / package, ignore=ignore)
    built = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(built), str(source)],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    return next(built.glob("deskroute-*.whl"))


@pytest.mark.slow
def test_an_installed_package_finds_the_datasets_without_any_setting(tmp_path: Path) -> None:
    wheel = _build_wheel(tmp_path)
    installed = tmp_path / "site"
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        archive.extractall(installed)
    for spec in DATASETS.values():
        for file in [*spec.files.values(), "LICENSE", "SOURCE.md"]:
            assert f"config/data/{spec.directory}/{file}" in names
    probe = (
        "import config.datasets as d; "
        f"assert d.__file__.startswith({str(installed)!r}), d.__file__; "
        "print(len(d.load_examples('bitext', d.default_data_dir(), 'test')), "
        "len(d.load_examples('banking77', d.default_data_dir(), 'test')))"
    )
    environment = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(installed)}
    run = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, cwd=tmp_path,
        env=environment, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["810", "3080"]
