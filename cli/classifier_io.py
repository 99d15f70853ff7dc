"""What ``train`` and ``evaluate`` share: reading a source, plain errors, progress, file names."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from cli.skipped import report_skipped
from config.datasets import DATASETS, DatasetError, Example, Labelled, data_dir_or_default
from config.datasets import load_examples as read_examples
from config.datasets import load_texts as read_texts
from config.settings import Settings

err = Console(stderr=True)
SOURCE_HELP = (
    "A history export (JSON lines) or a shipped dataset: "
    + ", ".join(f"{name} ({spec.about})" for name, spec in DATASETS.items())
    + "; add :SPLIT to pick a split, e.g. bitext:dev."
)
NAMES_SHOWN = 8


def fail(message: str) -> typer.Exit:
    """Print ``message`` as an error; the caller raises the returned exit (code 2)."""
    err.print(f"[bold red]error:[/] {escape(message)}")
    return typer.Exit(2)


def warn(message: str) -> None:
    """Print a warning that does not stop the command."""
    err.print(f"[yellow]warning:[/] {escape(message)}")


def settings_of(ctx: typer.Context) -> Settings:
    """The settings the root command loaded (defaults when run on its own)."""
    return ctx.obj if isinstance(ctx.obj, Settings) else Settings()


def data_dir_of(data_dir: Path | None, ctx: typer.Context) -> Path:
    """The datasets directory: the option, else the setting, else the shipped copies."""
    return data_dir_or_default(data_dir or settings_of(ctx).classifier.data_dir)


def source_examples(
    source: str, data_dir: Path | None, split: str, ctx: typer.Context
) -> list[Example]:
    """Read the examples; unreadable history lines are skipped, shown and counted."""
    skipped: list[str] = []
    try:
        examples = read_examples(source, data_dir_of(data_dir, ctx), split, skipped.append)
    except DatasetError as error:
        raise fail(str(error)) from None
    report_skipped(err, skipped, len(examples))
    return examples


def source_texts(source: str, data_dir: Path | None, ctx: typer.Context) -> list[str]:
    """The non-blank texts of a source (a ``.txt`` file: one per line); labels ignored."""
    skipped: list[str] = []
    try:
        texts = read_texts(source, data_dir_of(data_dir, ctx), "test", skipped.append)
    except DatasetError as error:
        raise fail(str(error)) from None
    report_skipped(err, skipped, len(texts))
    if not texts:
        raise fail(f"{source}: no text in it")
    return texts


def usable(data: Labelled, source: str, target: str) -> Labelled:
    """``data`` when it has texts to work on (examples without text named as a warning);
    otherwise a plain error saying why none is left."""
    if data.empty:
        warn(f"{source}: {data.empty} examples with a {target} label but no text left out")
    if data.texts:
        return data
    if data.empty:
        raise fail(f"{source}: every example with a {target} label has an empty text")
    raise fail(f"{source}: no example has a {target!r} label")


def some_names(names: list[str]) -> str:
    """The first few of ``names``, comma-separated, with how many more there are."""
    shown = ", ".join(names[:NAMES_SHOWN])
    more = len(names) - NAMES_SHOWN
    return shown + (f" and {more} more" if more > 0 else "")


def progress_bar() -> Progress:
    """A transient progress display on stderr."""
    return Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    )


def sibling(path: Path, suffix: str) -> Path:
    """``MODEL.suffix`` beside ``path``: ``models/a.npz`` -> ``models/a.report.json``."""
    return path.with_name(f"{path.stem}.{suffix}")
