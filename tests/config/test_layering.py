"""Layering: the settings package stands below the connectors, never beside them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import config

PROBE = """
import pkgutil, importlib, sys, config
for info in pkgutil.walk_packages(config.__path__, "config."):
    importlib.import_module(info.name)
print(" ".join(sorted(name for name in sys.modules if name.split(".")[0] == "connectors")))
"""


def test_no_config_module_imports_the_connectors() -> None:
    root = Path(config.__file__).resolve().parents[1]
    probe = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=root, capture_output=True, text=True, check=True
    )
    assert probe.stdout.split() == []
