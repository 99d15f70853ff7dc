"""Where a command writes, checked before any work: a mistake in a path costs no run.

Missing folders are created; a path that is a folder where a file is meant (or the other
way round), a folder that cannot be created or written, and an existing file that must not
be replaced are refused with the path and the reason.
"""

from __future__ import annotations

import os
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape

USER_MISTAKE = 2
err = Console(stderr=True)


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
    blocking = next((p for p in [folder, *folder.parents] if p.exists() and not p.is_dir()), None)
    if blocking is not None:
        raise OutputError(f"{folder}: cannot create the folder: {blocking} is a file")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise OutputError(f"{folder}: cannot create the folder ({error.strerror})") from None
    if not os.access(folder, os.W_OK):
        raise OutputError(f"{folder}: the folder is not writable")


def file_or_exit(path: Path, *, replace: bool = True, force_hint: str = "--force") -> Path:
    """``writable_file``, or the reason printed as an error and exit 2."""
    try:
        return writable_file(path, replace=replace, force_hint=force_hint)
    except OutputError as error:
        raise _exit(error) from None


def folder_or_exit(path: Path) -> Path:
    """``writable_folder``, or the reason printed as an error and exit 2."""
    try:
        return writable_folder(path)
    except OutputError as error:
        raise _exit(error) from None


def _exit(error: OutputError) -> typer.Exit:
    err.print(f"[bold red]error:[/] {escape(str(error))}")
    return typer.Exit(USER_MISTAKE)
