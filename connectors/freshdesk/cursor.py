"""The Freshdesk polling cursor: ``updated_since``, page, and the rows already handed out.

Freshdesk lists tickets by ``updated_at`` with page numbers, at most 300 pages. Reading on
by page number is unsafe while tickets change: a ticket on an earlier page that changes
moves to the end, the rows behind it move up one place, and the first row of the next page
is never seen. So after each page the listing restarts at page 1 from the newest second
read (keyset), a little before it (``OVERLAP``): a change stamped a moment earlier but
listed late still comes through. The rows re-read there are dropped by their id and
``updated_at`` (``seen``), so nothing is handed out twice and nothing is lost. Only when
a whole page shares one second does the listing go on by page number, and 300 pages of a
single second step one second on rather than loop.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from connectors.values import iso_z, parse_time

PAGE_WALL = 300
OVERLAP = timedelta(seconds=3)
"""How far before the newest second read the listing restarts. Stamps are whole seconds,
and a change can be listed a moment after a later one (the sandbox stamps a second change
within a second a second later); a few seconds of rows cost a fraction of a page."""


def _key(row: Mapping[str, Any]) -> str | None:
    """``id@updated_at`` of a row, or None when it has no readable time."""
    stamp = parse_time(row.get("updated_at"))
    return None if stamp is None else f"{row.get('id')}@{iso_z(stamp)}"


def _stamp(key: str) -> datetime:
    moment = parse_time(key.rpartition("@")[2])
    assert moment is not None
    return moment


@dataclass(frozen=True, kw_only=True, slots=True)
class FreshdeskCursor:
    """Where the next read starts, the newest second read (``tail``) and the rows already
    handed out from ``since`` on (``seen``: ``id@updated_at``)."""

    since: datetime
    page: int = 1
    seen: frozenset[str] = frozenset()
    tail: datetime | None = None

    def encode(self) -> str:
        """An opaque string to persist."""
        return json.dumps(
            {
                "since": iso_z(self.since),
                "page": self.page,
                "seen": sorted(self.seen),
                "tail": iso_z(self.tail) if self.tail else None,
            },
            separators=(",", ":"),
        )

    @classmethod
    def decode(cls, text: str) -> FreshdeskCursor:
        """Inverse of ``encode`` (also reads the earlier form, whose ``seen`` held bare ids
        of the ``since`` second); a malformed cursor raises ValueError."""
        data = json.loads(text)
        since = parse_time(data["since"])
        if since is None:
            raise ValueError("cursor without 'since'")
        seen = {
            str(item) if "@" in str(item) else f"{item}@{iso_z(since)}"
            for item in data.get("seen") or ()
        }
        return cls(
            since=since,
            page=int(data.get("page", 1)),
            seen=frozenset(seen),
            tail=parse_time(data.get("tail")),
        )

    def unseen(self, rows: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
        """Rows minus those already handed out (same id, same ``updated_at``)."""
        return [row for row in rows if _key(row) not in self.seen]

    def absorb(self, rows: Iterable[Mapping[str, Any]]) -> FreshdeskCursor:
        """Remember ``rows`` as handed out and track the newest second among them."""
        tail, seen = self.tail, set(self.seen)
        for row in rows:
            key = _key(row)
            if key is None:
                continue
            seen.add(key)
            stamp = _stamp(key)
            tail = stamp if tail is None or stamp > tail else tail
        return replace(self, tail=tail, seen=frozenset(seen))

    def next_page(self) -> FreshdeskCursor:
        """The following page of the same listing."""
        return replace(self, page=self.page + 1)

    def resume(self, wall: int = PAGE_WALL) -> FreshdeskCursor:
        """Where to read on after a page that has more behind it: page 1 from just before
        the newest second read when that moves the listing on, else the next page."""
        if self.tail is not None and self._start() > self.since:
            return self._from(self._start())
        return self.next_page() if self.page < wall else self.restart(wall)

    def restart(self, wall: int = PAGE_WALL) -> FreshdeskCursor:
        """Page 1 from just before the newest second read (the listing is exhausted, or
        the 300-page wall is reached)."""
        if self.tail is None:
            return replace(self, page=1)
        start = self._start()
        if start <= self.since and self.page >= wall:
            # 30,000 rows within the overlap: move past the newest second rather than loop
            start = self.tail + timedelta(seconds=1) if self.tail == self.since else self.tail
        return self._from(max(start, self.since))

    def _start(self) -> datetime:
        assert self.tail is not None
        return self.tail - OVERLAP

    def _from(self, start: datetime) -> FreshdeskCursor:
        """Page 1 from ``start``, keeping only what ``seen`` needs from there on."""
        seen = frozenset(key for key in self.seen if _stamp(key) >= start)
        return FreshdeskCursor(since=start, seen=seen, tail=self.tail)
