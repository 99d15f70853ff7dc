"""Reading YAML files with errors that name the file and, when known, the line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml


def read_yaml(path: Path, error: type[Exception]) -> Any:
    """Parse the YAML file at ``path``; raise ``error`` naming the file (and line) if it fails."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as problem:
        raise error(f"{path}: cannot read: {problem.strerror}") from None
    return parse_yaml(text, str(path), error)


def parse_yaml(text: str, source: str, error: type[Exception]) -> Any:
    """Parse YAML ``text``; raise ``error`` naming ``source`` (and the line) if it fails."""
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as problem:
        mark = getattr(problem, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        reason = getattr(problem, "problem", None) or str(problem)
        raise error(f"{source}: not valid YAML{where}: {reason}") from None
