"""Queue ordering: which waiting ticket is offered an agent first.

Keys combine in the order given: ``priority`` (urgent first), ``sla`` (earliest deadline
first; tickets without a deadline after those with one) and ``age`` (longest waiting first).
Whatever the keys, ties end with creation time and then ticket id, so the order is total
and the same on every run.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from typing import Any, Literal, get_args

from router.model import Ticket
from router.pydantic_fast import fields_of

OrderKey = Literal["priority", "sla", "age"]
ORDER_KEYS: tuple[str, ...] = get_args(OrderKey)
DEFAULT_ORDER: tuple[OrderKey, ...] = ("priority", "sla", "age")

SortKey = tuple[int | datetime | str, ...]
"""Compared element by element; times are aware datetimes (compared as instants)."""

NO_DEADLINE = datetime.max.replace(tzinfo=UTC)
"""Where a ticket without an SLA deadline sorts: after every deadline."""


def _priority(fields: dict[str, Any]) -> int:
    priority: int = fields["priority"]
    return -priority


def _sla(fields: dict[str, Any]) -> datetime:
    due: datetime | None = fields["sla_due_at"]
    return NO_DEADLINE if due is None else due


def _age(fields: dict[str, Any]) -> datetime:
    queued: datetime | None = fields["queued_at"]
    created: datetime = fields["created_at"]
    return created if queued is None else queued


_PARTS: dict[str, Callable[[dict[str, Any]], int | datetime]] = {
    "priority": _priority,
    "sla": _sla,
    "age": _age,
}
"""Each key's value for a ticket, from the ticket's fields.

The parts read the model's fields by name (``router.pydantic_fast.fields_of``), quicker
than an attribute read each, and a simulated queue asks for keys ticket after ticket.
"""


def validate_order(order: Iterable[str]) -> tuple[OrderKey, ...]:
    """Check queue-order keys: known names, no repeats, at least one."""
    keys = tuple(order)
    unknown = [key for key in keys if key not in ORDER_KEYS]
    if unknown:
        raise ValueError(
            f"unknown queue order key {unknown[0]!r} (expected some of {', '.join(ORDER_KEYS)})"
        )
    if len(set(keys)) != len(keys):
        raise ValueError("queue order keys must not repeat")
    if not keys:
        raise ValueError("queue order needs at least one key")
    return keys  # type: ignore[return-value]


def queue_key(order: Sequence[str] = DEFAULT_ORDER) -> Callable[[Ticket], SortKey]:
    """A sort key implementing ``order`` with the deterministic tie-break appended."""
    keys = validate_order(order)
    if keys == DEFAULT_ORDER:
        return _default_key
    parts = [_PARTS[key] for key in keys]

    def key(ticket: Ticket) -> SortKey:
        fields = fields_of(ticket)
        return (*[part(fields) for part in parts], fields["created_at"], fields["id"])

    return key


def _default_key(ticket: Ticket) -> SortKey:
    """``DEFAULT_ORDER``'s key with the parts written out (no call per part)."""
    fields = fields_of(ticket)
    due, queued, created = fields["sla_due_at"], fields["queued_at"], fields["created_at"]
    return (
        -fields["priority"],
        NO_DEADLINE if due is None else due,
        created if queued is None else queued,
        created,
        fields["id"],
    )


def order_queue(tickets: Iterable[Ticket], order: Sequence[str] = DEFAULT_ORDER) -> list[Ticket]:
    """The tickets sorted into the order they should be offered agents."""
    return sorted(tickets, key=queue_key(order))
