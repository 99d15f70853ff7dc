"""Queue ordering: which waiting ticket is offered an agent first.

Keys combine in the order given: ``priority`` (urgent first), ``sla`` (earliest deadline
first; tickets without a deadline after those with one) and ``age`` (longest waiting first).
Whatever the keys, ties end with creation time and then ticket id, so the order is total
and the same on every run.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from typing import Literal, get_args

from router.model import Ticket

OrderKey = Literal["priority", "sla", "age"]
ORDER_KEYS: tuple[str, ...] = get_args(OrderKey)
DEFAULT_ORDER: tuple[OrderKey, ...] = ("priority", "sla", "age")

SortKey = tuple[float | str, ...]


def _priority(ticket: Ticket, created: float) -> float:
    return -float(ticket.priority)


def _sla(ticket: Ticket, created: float) -> float:
    return ticket.sla_due_at.timestamp() if ticket.sla_due_at is not None else math.inf


def _age(ticket: Ticket, created: float) -> float:
    return created if ticket.queued_at is None else ticket.queued_at.timestamp()


_PARTS: dict[str, Callable[[Ticket, float], float]] = {
    "priority": _priority,
    "sla": _sla,
    "age": _age,
}
"""Each key's value for a ticket created at the given timestamp."""


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
    parts = [_PARTS[key] for key in validate_order(order)]

    if len(parts) == len(DEFAULT_ORDER):  # the usual case, without a loop per ticket
        first, second, third = parts

        def key3(ticket: Ticket) -> SortKey:
            created = ticket.created_at.timestamp()
            return (
                first(ticket, created), second(ticket, created), third(ticket, created),
                created, ticket.id,
            )

        return key3

    def key(ticket: Ticket) -> SortKey:
        created = ticket.created_at.timestamp()
        return (*[part(ticket, created) for part in parts], created, ticket.id)

    return key


def order_queue(tickets: Iterable[Ticket], order: Sequence[str] = DEFAULT_ORDER) -> list[Ticket]:
    """The tickets sorted into the order they should be offered agents."""
    return sorted(tickets, key=queue_key(order))
