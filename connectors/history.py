"""The history export format's files: one solved/closed ticket per JSON line.

``deskroute export`` writes them from a help desk; the simulator replays them and fits
scenarios from them; the classifier trains on them. The record itself is
``router.history.HistoryRecord``. Documented in docs/history-format.md.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from pydantic import ValidationError

from router.history import HistoryRecord


def write_history(records: Iterable[HistoryRecord], path: Path) -> int:
    """Write records as JSON lines; returns how many were written."""
    count = 0
    with path.open("w", encoding="utf-8") as handle:
        for record in records:
            handle.write(record.model_dump_json(exclude_none=True) + "\n")
            count += 1
    return count


def read_history(
    path: Path, on_skip: Callable[[str], None] | None = None
) -> Iterator[HistoryRecord]:
    """Read records. A line that is not a valid record raises ValueError naming the line,
    unless ``on_skip`` is given: then the line is skipped and ``on_skip`` gets the message."""
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                yield HistoryRecord.model_validate(json.loads(line))
            except (json.JSONDecodeError, ValidationError) as error:
                message = f"{path}:{number}: not a history record: {error}"
                if on_skip is None:
                    raise ValueError(message) from None
                on_skip(message)
