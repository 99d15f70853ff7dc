"""Small builders so router tests state only what matters to them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from router.model import Agent, Ticket

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)  # a Wednesday


def ticket(id: str = "t1", **fields: Any) -> Ticket:
    """A ticket created five minutes before ``NOW`` unless told otherwise."""
    fields.setdefault("created_at", NOW - timedelta(minutes=5))
    return Ticket(id=id, **fields)


def agent(id: str, **fields: Any) -> Agent:
    """An online agent with default capacity unless told otherwise."""
    return Agent(id=id, **fields)


def ago(**delta: float) -> datetime:
    """A moment before ``NOW``."""
    return NOW - timedelta(**delta)
