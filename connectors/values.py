"""Small pure helpers every vendor mapping shares: timestamps, ids, group names."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

from connectors.errors import SkippableError


def parse_time(value: Any) -> datetime | None:
    """An aware datetime from an ISO-8601 string (``Z`` or offset) or epoch seconds.

    Raises ``ValueError`` for text that is no timestamp and for epochs out of range.
    """
    if value is None or value == "":
        return None
    if isinstance(value, int | float):
        try:
            return datetime.fromtimestamp(value, tz=UTC)
        except (OverflowError, OSError):
            raise ValueError(f"epoch seconds {value!r} out of range") from None
    parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def time_or_none(value: Any) -> datetime | None:
    """``parse_time``, with None for a value that is no time (a listing skips nothing for it:
    the ticket is then read, as one whose version is unknown)."""
    try:
        return parse_time(value)
    except ValueError:
        return None


def require_time(value: Any, what: str) -> datetime:
    """Like ``parse_time`` but a missing or bad value makes the record skippable."""
    try:
        parsed = parse_time(value)
    except ValueError:
        parsed = None
    if parsed is None:
        raise SkippableError(f"{what}: missing or invalid timestamp {value!r}")
    return parsed


def iso_z(moment: datetime) -> str:
    """``2024-05-01T12:00:00Z``: UTC, whole seconds, as both vendors write it."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def numeric_id(value: str, what: str) -> int:
    """A vendor's integer id from our string id; a non-number is skippable."""
    try:
        return int(value)
    except (TypeError, ValueError):
        raise SkippableError(f"{what} {value!r} is not a numeric id") from None


def tag_list(value: Any) -> list[str]:
    """Tags from a list, or from one comma/space-separated string (as some templates send)."""
    if isinstance(value, str):
        return value.replace(",", " ").split()
    if isinstance(value, list | tuple):
        return [str(tag) for tag in value if tag is not None]
    return []


def optional_str(value: Any) -> str | None:
    """``str(value)`` unless it is None or empty."""
    return None if value is None or value == "" else str(value)


@dataclass(frozen=True, slots=True)
class GroupDirectory:
    """Group ids and names of one account: tickets and agents carry names when known."""

    names: Mapping[int, str] = field(default_factory=dict)

    def name(self, group_id: Any) -> str | None:
        """The group's name, or its id as a string when the name is unknown."""
        if group_id is None:
            return None
        try:
            return self.names.get(int(group_id), str(group_id))
        except (TypeError, ValueError):
            return str(group_id)

    def group_id(self, name: str | None) -> int | None:
        """The id for a group name (or a numeric id string); None for no group."""
        if name is None:
            return None
        for group_id, group_name in self.names.items():
            if group_name == name:
                return group_id
        return numeric_id(name, "group")


NO_GROUPS = GroupDirectory()
"""A directory that knows no names: tickets and agents carry group ids as strings."""


Raw = Mapping[str, Any]
T = TypeVar("T")
log = logging.getLogger("deskroute.connectors")


def map_one(row: Raw, build: Callable[[Raw], T], what: str) -> T:
    """``build(row)``; a row that cannot be mapped raises ``SkippableError``."""
    try:
        return build(row)
    except (ValueError, KeyError, TypeError) as error:
        raise SkippableError(f"{what} {row.get('id')} cannot be read: {error}") from None


def map_each(rows: Iterable[Raw], build: Callable[[Raw], T], what: str) -> list[T]:
    """``build`` every row; a row that cannot be mapped is logged and left out, not fatal."""
    built: list[T] = []
    for row in rows:
        try:
            built.append(build(row))
        except (SkippableError, ValueError, KeyError, TypeError) as error:
            log.warning("%s %s left out: %s", what, row.get("id"), error)
    return built


def page_cursor(cursor: str | None) -> int:
    """The page number a listing's cursor names (1 for None or anything unreadable: a
    listing that starts over reads nothing wrong, only some pages again)."""
    try:
        return max(1, int(cursor or 1))
    except ValueError:
        return 1
