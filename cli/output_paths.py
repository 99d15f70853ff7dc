"""Where a command writes, checked before any work: a mistake in a path costs no run.

Missing folders are created; a path that is a folder where a file is meant (or the other
way round), a folder that cannot be created or written, and an existing file that must not
be replaced are refused with the path and the reason.
"""

from __future__ import annotations

import os
from pathlib import Path


class OutputError(ValueError):
    """An output path cannot be used; the message names it and says why."""


def writable_file(path: Path, *, replace: bool = True, force_hint: str = "--force") -> Path:
    """Check that a file can be written at ``path`` (creating its folder); ``replace=False``
    refuses an existing file, naming the ``force_hint`` option that allows it."""
    if path.is_dir():
        raise OutputError(f"{path}: is a folder; give a file name")
    if path.exists() and not replace:
        raise OutputError(f"{path}: already exists; remove it or use {force_hint} to replace it")
    _folder(path.parent)
    return path


def writable_folder(path: Path) -> Path:
    """Check that files can be written into the folder ``path`` (creating it)."""
    if path.exists() and not path.is_dir():
        raise OutputError(f"{path}: is a file; give a folder")
    _folder(path)
    return path


def _folder(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise OutputError(f"{folder}: cannot create the folder ({error.strerror})") from None
    if not os.access(folder, os.W_OK):
        raise OutputError(f"{folder}: the folder is not writable")
