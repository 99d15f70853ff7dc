"""Labelled examples for training and evaluation: the shipped datasets and history exports.

A source is either a dataset name with an optional split — ``bitext``, ``bitext:test``,
``banking77:train`` — read from the data directory, or the path of a history export
(JSON lines, ``connectors.history``). The data directory comes from
``DESKROUTE_CLASSIFIER__DATA_DIR`` or ``--data-dir``; unset, it is ``config/data/``, the
copies shipped inside the package (each with its SOURCE.md and licence), so a fresh clone
and an installed wheel find them alike.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from config.inputs import describe
from router.classify.features import compose_text
from router.history import HistoryRecord


@dataclass(frozen=True)
class Example:
    """One text with its labels by target (``group``, ``skill``, ``priority``, ``language``)."""

    text: str
    labels: Mapping[str, str]


OnSkip = Callable[[str], None]


class DatasetError(ValueError):
    """A source cannot be read; the message says which and why."""


@dataclass(frozen=True)
class Dataset:
    """A shipped dataset: its directory, files per split and what its columns mean."""

    directory: str
    files: Mapping[str, str]
    text_column: str
    label_columns: Mapping[str, str]
    about: str


BITEXT_FILE = "Bitext_Sample_Customer_Service_{}_Dataset.csv"
DATASETS: dict[str, Dataset] = {
    "bitext": Dataset(
        directory="bitext",
        files={
            "train": BITEXT_FILE.format("Training"),
            "dev": BITEXT_FILE.format("Validation"),
            "test": BITEXT_FILE.format("Testing"),
        },
        text_column="utterance",
        label_columns={"group": "category", "skill": "intent"},
        about="e-commerce requests: 11 categories as groups, 27 intents as skills",
    ),
    "banking77": Dataset(
        directory="banking77",
        files={"train": "train.csv", "test": "test.csv"},
        text_column="text",
        label_columns={"skill": "category"},
        about="online-banking queries, 77 intents as skills; the accuracy yardstick",
    ),
}


def default_data_dir() -> Path:
    """``config/data/``: the shipped datasets, package data of ``config``."""
    return Path(__file__).resolve().parent / "data"


def data_dir_or_default(configured: Path | None) -> Path:
    """The configured data directory, else the default."""
    return configured if configured is not None else default_data_dir()


def dataset_available(name: str, data_dir: Path) -> bool:
    """True when every file of dataset ``name`` is present under ``data_dir``."""
    spec = DATASETS[name]
    return all((data_dir / spec.directory / f).is_file() for f in spec.files.values())


def load_dataset(name: str, split: str, data_dir: Path) -> list[Example]:
    """Read one split of a shipped dataset."""
    spec = DATASETS[name]
    if split not in spec.files:
        raise DatasetError(f"{name} has no split {split!r} (has: {', '.join(spec.files)})")
    path = data_dir / spec.directory / spec.files[split]
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))  # texts may span lines: a real CSV parser
    except OSError as error:
        raise DatasetError(
            f"{path}: cannot read ({error.strerror}); set DESKROUTE_CLASSIFIER__DATA_DIR or "
            "--data-dir to the directory holding the shipped datasets"
        ) from None
    try:
        return [
            Example(
                text=row[spec.text_column],
                labels={t: row[c] for t, c in spec.label_columns.items()},
            )
            for row in rows
        ]
    except KeyError as error:
        raise DatasetError(f"{path}: missing column {error}") from None


def load_history_examples(path: Path, on_skip: OnSkip | None = None) -> list[Example]:
    """Examples from a history export: group, skill (the ticket type), priority, language.

    A line that is not a record raises DatasetError naming it, unless ``on_skip`` is
    given: then the line is skipped and ``on_skip`` receives the message.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise DatasetError(f"{path}: cannot read: {getattr(error, 'strerror', error)}") from None
    examples = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = HistoryRecord.model_validate_json(line)
        except ValidationError as error:
            message = f"{path}:{number}: not a history record: {describe(error)}"
            if on_skip is None:
                raise DatasetError(message) from None
            on_skip(message)
            continue
        labels = {
            "group": record.group,
            "skill": record.type,
            "priority": record.priority.strip().lower(),
            "language": record.language,
        }
        examples.append(
            Example(
                text=compose_text(record.subject, record.body),
                labels={t: v for t, v in labels.items() if v},
            )
        )
    return examples


def load_examples(
    source: str, data_dir: Path, split: str, on_skip: OnSkip | None = None
) -> list[Example]:
    """Examples from a dataset name (``name`` or ``name:split``; ``split`` is the default)
    or a history export (``on_skip``: see ``load_history_examples``)."""
    name, _, chosen = source.partition(":")
    if name in DATASETS:
        return load_dataset(name, chosen or split, data_dir)
    path = Path(source)
    if not path.exists():
        known = ", ".join(DATASETS)
        raise DatasetError(f"{source}: no such file, and not a dataset name (known: {known})")
    return load_history_examples(path, on_skip)


@dataclass(frozen=True)
class Labelled:
    """The texts and labels of one target, and how many examples were left out and why."""

    texts: list[str]
    labels: list[str]
    unlabelled: int
    """Examples without a label for the target."""
    empty: int
    """Examples with a label but no text (blank subject and body): nothing to learn from."""


def labelled(examples: Sequence[Example], target: str) -> Labelled:
    """Texts and labels for ``target``; examples without the label or without text left out."""
    having = [e for e in examples if target in e.labels]
    kept = [e for e in having if e.text.strip()]
    return Labelled(
        texts=[e.text for e in kept],
        labels=[e.labels[target] for e in kept],
        unlabelled=len(examples) - len(having),
        empty=len(having) - len(kept),
    )


def load_texts(source: str, data_dir: Path, split: str, on_skip: OnSkip | None = None) -> list[str]:
    """The non-blank texts of a source, labels ignored: a dataset name, a history export, or
    a ``.txt`` file with one text per line (tickets that belong to no label, for instance)."""
    path = Path(source)
    if path.suffix == ".txt":
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as error:
            reason = getattr(error, "strerror", None) or error
            raise DatasetError(f"{path}: cannot read: {reason}") from None
    else:
        lines = [e.text for e in load_examples(source, data_dir, split, on_skip)]
    return [line for line in lines if line.strip()]
