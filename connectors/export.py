"""History export: stream a help desk's finished tickets into the history format."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Protocol, runtime_checkable

from connectors.history import write_history
from router.history import HistoryRecord


@runtime_checkable
class HistorySource(Protocol):
    """A connector that can list solved/closed tickets with their final routing."""

    def history(self, since: datetime) -> Iterator[HistoryRecord]:
        """Finished tickets changed since ``since``, oldest first."""
        ...


def export_history(
    source: HistorySource,
    since: datetime,
    out: Path,
    on_record: Callable[[HistoryRecord], None] | None = None,
) -> int:
    """Write ``source``'s history to ``out`` atomically.

    Records go to ``out.partial`` first, renamed to ``out`` only when the source is done;
    on any failure the partial file is removed and ``out`` is left as it was.
    """
    partial = out.with_name(out.name + ".partial")

    def counted(records: Iterable[HistoryRecord]) -> Iterator[HistoryRecord]:
        for record in records:
            if on_record is not None:
                on_record(record)
            yield record

    try:
        count = write_history(counted(source.history(since)), partial)
        os.replace(partial, out)
    except BaseException:  # Ctrl-C too: a half export is worse than none
        partial.unlink(missing_ok=True)
        raise
    return count
