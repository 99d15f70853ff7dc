"""The Freshdesk polling cursor: ``updated_since``, page, and ids already seen at that second.

Freshdesk lists at most 300 pages; past that we restart at page 1 with ``updated_since``
moved to the newest ``updated_at`` read. The restart (and every new poll) re-reads the
tickets of that second, so the cursor remembers their ids and drops them once.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from connectors.values import iso_z, parse_time

PAGE_WALL = 300


@dataclass(frozen=True, kw_only=True, slots=True)
class FreshdeskCursor:
    """Where the next poll starts, plus the newest second seen so far (the "tail")."""

    since: datetime
    page: int = 1
    seen: frozenset[str] = frozenset()
    tail: datetime | None = None
    tail_ids: frozenset[str] = frozenset()

    def encode(self) -> str:
        """An opaque string to persist."""
        return json.dumps({
            "since": iso_z(self.since), "page": self.page, "seen": sorted(self.seen),
            "tail": iso_z(self.tail) if self.tail else None, "tail_ids": sorted(self.tail_ids),
        }, separators=(",", ":"))

    @classmethod
    def decode(cls, text: str) -> FreshdeskCursor:
        """Inverse of ``encode``; a malformed cursor raises ValueError."""
        data = json.loads(text)
        since = parse_time(data["since"])
        if since is None:
            raise ValueError("cursor without 'since'")
        return cls(since=since, page=int(data.get("page", 1)),
                   seen=frozenset(data.get("seen") or ()), tail=parse_time(data.get("tail")),
                   tail_ids=frozenset(data.get("tail_ids") or ()))

    def unseen(self, rows: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
        """Rows minus those re-read at the ``since`` second we already handed out."""
        return [r for r in rows
                if not (str(r.get("id")) in self.seen and parse_time(r.get("updated_at"))
                        == self.since)]

    def absorb(self, rows: Iterable[Mapping[str, Any]]) -> FreshdeskCursor:
        """Track the newest second in ``rows`` and the ids updated at it."""
        tail, ids = self.tail, set(self.tail_ids)
        for row in rows:
            stamp = parse_time(row.get("updated_at"))
            if stamp is None:
                continue
            if tail is None or stamp > tail:
                tail, ids = stamp, {str(row.get("id"))}
            elif stamp == tail:
                ids.add(str(row.get("id")))
        return replace(self, tail=tail, tail_ids=frozenset(ids))

    def next_page(self) -> FreshdeskCursor:
        """The following page of the same listing."""
        return replace(self, page=self.page + 1)

    def restart(self, wall: int = PAGE_WALL) -> FreshdeskCursor:
        """Page 1 from the tail second (after the wall, or when this listing is exhausted)."""
        if self.tail is None:
            return replace(self, page=1)
        if self.tail == self.since and self.page >= wall:
            # 30,000 tickets in one second: step past it rather than loop forever
            return FreshdeskCursor(since=self.since + timedelta(seconds=1))
        seen = self.seen | self.tail_ids if self.tail == self.since else self.tail_ids
        return FreshdeskCursor(since=self.tail, seen=seen, tail=self.tail, tail_ids=seen)
